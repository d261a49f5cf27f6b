//! One mapping from domain failures to MCP.
//!
//! - A failure the model can act on (file not found, bad pattern, a 404 upstream) is a
//!   tool result with `isError: true` whose text says what to do next: return
//!   `Err(ToolError)` from a tool (rmcp sets `isError`).
//! - A malformed request (unknown tool, arguments that do not fit the schema) is a
//!   JSON-RPC error: rmcp produces those itself, and [`invalid_params`] builds one
//!   where a server checks something the schema cannot express.

use rmcp::ErrorData as McpError;
use rmcp::model::{ContentBlock, IntoContents};

/// A failure the model can act on. Its text is shown to the model as is, so it
/// should say what went wrong and what to try next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError(pub String);

impl ToolError {
    /// An error with this message for the model.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ToolError {}

impl IntoContents for ToolError {
    fn into_contents(self) -> Vec<ContentBlock> {
        vec![ContentBlock::text(self.0)]
    }
}

/// Any displayable domain error becomes a [`ToolError`] with its message.
pub fn to_tool_error(error: impl std::fmt::Display) -> ToolError {
    ToolError(error.to_string())
}

/// A JSON-RPC "invalid params" error (-32602) for requests that are malformed in a
/// way the JSON schema could not catch.
pub fn invalid_params(message: impl Into<String>) -> McpError {
    McpError::invalid_params(message.into(), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::handler::server::tool::IntoCallToolResult;
    use rmcp::model::CallToolResponse;

    #[test]
    fn tool_error_becomes_is_error_result_with_its_text() {
        let result: Result<String, ToolError> = Err(ToolError::new("not found: a.txt"));
        let Ok(CallToolResponse::Complete(r)) = result.into_call_tool_result() else {
            panic!("expected a complete tool result, not a JSON-RPC error");
        };
        assert_eq!(r.is_error, Some(true));
        let text = serde_json::to_string(&r.content).unwrap();
        assert!(text.contains("not found: a.txt"), "{text}");
    }

    #[test]
    fn success_is_not_an_error() {
        let result: Result<String, ToolError> = Ok("fine".into());
        let Ok(CallToolResponse::Complete(r)) = result.into_call_tool_result() else {
            panic!("expected a complete tool result");
        };
        assert_ne!(r.is_error, Some(true));
    }
}
