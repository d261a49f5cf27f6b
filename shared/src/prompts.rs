//! Helpers for the servers' MCP prompts: reading a `prompts/get` request's arguments,
//! refusing an unknown prompt or a missing argument with a message that says what to
//! send, and wrapping a prompt's text as the one user message it becomes.
//!
//! Each server keeps its prompts in a `prompt` module of its own (name, arguments,
//! text); this module holds only what they share.

use rmcp::ErrorData as McpError;
use rmcp::model::{
    GetPromptRequestParams, GetPromptResponse, GetPromptResult, Prompt, PromptMessage, Role,
};

/// The argument `key` of the request, trimmed; `None` when absent or blank.
pub fn argument(request: &GetPromptRequestParams, key: &str) -> Option<String> {
    request
        .arguments
        .as_ref()
        .and_then(|a| a.get(key))
        .and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.trim().to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
}

/// The argument `key`, or an invalid-params error naming it, what it is, and an
/// example of a complete request.
pub fn required(
    request: &GetPromptRequestParams,
    key: &str,
    example: &str,
) -> Result<String, McpError> {
    argument(request, key).ok_or_else(|| {
        McpError::invalid_params(
            format!(
                "prompt `{}` needs the argument `{key}`. Example arguments: {example}",
                request.name
            ),
            None,
        )
    })
}

/// The error for a prompt name this server does not have, listing the ones it has.
pub fn unknown(name: &str, available: &[Prompt]) -> McpError {
    let names: Vec<&str> = available.iter().map(|p| p.name.as_str()).collect();
    McpError::invalid_params(
        format!(
            "unknown prompt `{name}`; available: {} (see prompts/list)",
            names.join(", ")
        ),
        None,
    )
}

/// Ok when `request` names one of `available`; otherwise the [`unknown`] error.
pub fn ensure_known(
    request: &GetPromptRequestParams,
    available: &[Prompt],
) -> Result<(), McpError> {
    if available.iter().any(|p| p.name == request.name) {
        Ok(())
    } else {
        Err(unknown(&request.name, available))
    }
}

/// `text` as the single user message of a prompt result.
pub fn user_message(text: String, description: String) -> GetPromptResponse {
    GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
        .with_description(description)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(args: serde_json::Value) -> GetPromptRequestParams {
        serde_json::from_value(json!({"name": "p", "arguments": args})).unwrap()
    }

    #[test]
    fn arguments_are_trimmed_and_blank_ones_absent() {
        let r = request(json!({"a": "  x ", "b": "   ", "n": 42}));
        assert_eq!(argument(&r, "a").as_deref(), Some("x"));
        assert_eq!(argument(&r, "b"), None);
        assert_eq!(argument(&r, "n").as_deref(), Some("42"));
        assert_eq!(argument(&r, "missing"), None);
    }

    #[test]
    fn a_missing_required_argument_is_named_with_an_example() {
        let err = required(&request(json!({})), "repo", r#"{"repo": "rust"}"#).unwrap_err();
        assert!(err.message.contains("`repo`"), "{}", err.message);
        assert!(
            err.message.contains(r#"{"repo": "rust"}"#),
            "{}",
            err.message
        );
    }
}
