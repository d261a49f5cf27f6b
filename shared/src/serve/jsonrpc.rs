//! JSON-RPC 2.0 checks on every incoming message, before rmcp sees it, shared by the
//! stdio and HTTP transports.
//!
//! rmcp reads what it understands and is quiet about much of the rest: over stdio it
//! drops invalid JSON, invalid UTF-8 and too deeply nested input without a reply (a
//! client waiting for its id waits forever), and a request for a known method whose
//! `params` do not fit rmcp's types falls through to its catch-all `CustomRequest`,
//! so the client hears "method not found" (-32601) instead of "invalid params".
//! [`check_message`] takes one message (one stdio line or one HTTP body) and either
//! hands back rmcp's typed message or a [`Rejection`], the JSON-RPC error to send back.
//!
//! | input | code | id |
//! |---|---|---|
//! | not UTF-8, not JSON, nested deeper than serde_json's recursion limit | -32700 | null |
//! | a JSON array (batch, also `[]`), or any other non-object | -32600 | null |
//! | an `id` that is not a string of at most 256 bytes or an integer fitting i64 | -32600 | null |
//! | `jsonrpc` missing or not exactly `"2.0"`; `method` not a string | -32600 | the id, if usable |
//! | neither request, notification nor response (e.g. both `result` and `error`) | -32600 | the id, if usable |
//! | a notification whose `params` is a string, number or boolean | -32600 | null |
//! | a request for a method rmcp knows whose `params` do not fit its type | -32602 | the id |
//!
//! Left to rmcp on purpose: a request for an unknown method is passed on (rmcp answers
//! -32601 with its id, whatever its `params`), and a notification whose structured
//! `params` do not fit is passed on as a custom notification (JSON-RPC 2.0 §4.1: a
//! notification is never answered; rmcp and our handlers ignore unknown ones). What rmcp
//! already accepts stays accepted: a leading UTF-8 byte order mark (RFC 8259 §8.1), and
//! ids written as integral floats (`1.0`, `1e2`) below 2^53.

use rmcp::model::{
    CallToolRequest, CancelTaskRequest, ClientJsonRpcMessage, ClientNotification, ClientRequest,
    CompleteRequest, CustomNotification, CustomRequest, DiscoverRequest, ErrorCode,
    GetPromptRequest, GetSkillRequest, GetTaskRequest, InitializeRequest, JsonRpcMessage,
    ListPromptsRequest, ListResourceTemplatesRequest, ListResourcesRequest, ListSkillsRequest,
    ListToolsRequest, PingRequest, ReadResourceDirectoryRequest, ReadResourceRequest, RequestId,
    SubscriptionsListenRequest, UpdateTaskRequest,
};
// Deprecated in MCP 2026-07-28, still answered for older clients: their params are
// checked like any other method's.
#[allow(deprecated)]
use rmcp::model::{SetLevelRequest, SubscribeRequest, UnsubscribeRequest};
use serde::Deserialize;
use serde_json::Value;

/// The longest string id accepted, in bytes. A longer one is refused rather than echoed
/// back in every response and log line.
const MAX_ID_BYTES: usize = 256;

/// How much of serde's complaint (which may quote the input) a rejection repeats.
const MAX_COMPLAINT_CHARS: usize = 300;

/// What follows every parse error and invalid request: how to send a message right.
const HOW_TO_SEND: &str = "send one JSON-RPC 2.0 object per message, such as \
    {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";

/// Why an incoming message was refused, ready to send back.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The request's id, or `Value::Null` when the id could not be read.
    pub id: Value,
    /// The JSON-RPC error code: -32700, -32600 or -32602.
    pub code: i32,
    /// What was wrong and what the client should do instead.
    pub message: String,
}

impl Rejection {
    /// The complete JSON-RPC error response:
    /// `{"jsonrpc":"2.0","id":..,"error":{"code":..,"message":..}}`.
    pub fn to_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Wire<'a> {
            jsonrpc: &'static str,
            id: &'a Value,
            error: WireError<'a>,
        }
        #[derive(serde::Serialize)]
        struct WireError<'a> {
            code: i32,
            message: &'a str,
        }
        let wire = Wire {
            jsonrpc: "2.0",
            id: &self.id,
            error: WireError {
                code: self.code,
                message: &self.message,
            },
        };
        // A Value, an integer and a str always serialize.
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// Whether this is a parse error (-32700) or an invalid request (-32600), as
    /// opposed to invalid params of an otherwise well-formed request.
    pub fn is_parse_or_invalid(&self) -> bool {
        self.code == ErrorCode::PARSE_ERROR.0 || self.code == ErrorCode::INVALID_REQUEST.0
    }

    fn parse_error(what: std::fmt::Arguments<'_>) -> Self {
        Self {
            id: Value::Null,
            code: ErrorCode::PARSE_ERROR.0,
            message: format!("Parse error: {what}; {HOW_TO_SEND}"),
        }
    }

    fn invalid_request(id: Value, what: std::fmt::Arguments<'_>) -> Self {
        Self {
            id,
            code: ErrorCode::INVALID_REQUEST.0,
            message: format!("Invalid Request: {what}"),
        }
    }
}

/// The rejection for a message longer than the cap (id null, -32600), naming the cap
/// and what to do.
pub fn too_large(limit: usize) -> Rejection {
    Rejection::invalid_request(
        Value::Null,
        format_args!(
            "the message is longer than this server's limit of {limit} bytes, so it was \
             skipped unread and its id is unknown; send smaller messages (for large \
             content, split it over several requests), or start the server with a larger \
             --max-body-bytes"
        ),
    )
}

/// Checks one incoming message (one stdio line or one HTTP body).
///
/// A good message is parsed once, straight into rmcp's type; only a message that fails
/// that (or lands in rmcp's catch-all for a method it knows) is looked at again to
/// say what is wrong with it.
pub fn check_message(bytes: &[u8]) -> Result<ClientJsonRpcMessage, Rejection> {
    check_message_at(bytes, None)
}

/// [`check_message`] for a transport that names the protocol version outside the
/// message (HTTP's `MCP-Protocol-Version` header); the message's own `_meta` version
/// wins when it has one. A request of protocol 2026-07-28 or later for a method that
/// version removed (initialize, ping, logging/setLevel, resources/subscribe and
/// resources/unsubscribe) is an unknown method, left to rmcp
/// (-32601; 404 over HTTP) whatever its `params`.
pub fn check_message_at(
    bytes: &[u8],
    transport_version: Option<&str>,
) -> Result<ClientJsonRpcMessage, Rejection> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Rejection::parse_error(format_args!(
            "the message is not valid UTF-8 (the first bad byte is at offset {}); encode \
             JSON text as UTF-8",
            e.valid_up_to()
        ))
    })?;
    match serde_json::from_str::<ClientJsonRpcMessage>(text) {
        Ok(message) => {
            if let Some(id) = message_id(&message) {
                check_typed_id(id)?;
            }
            match &message {
                JsonRpcMessage::Request(request)
                    if matches!(&request.request, ClientRequest::CustomRequest(custom)
                        if known_request(
                            &custom.method,
                            request_version(custom.params.as_ref(), transport_version),
                        ).is_some()) =>
                {
                    // rmcp fell back to its catch-all for a method it knows: the params
                    // did not fit. Find out how, and say so.
                    diagnose(text, None, transport_version)
                }
                _ => Ok(message),
            }
        }
        Err(typed) => diagnose(text, Some(typed), transport_version),
    }
}

/// The id of a typed message, if it has one.
fn message_id(message: &ClientJsonRpcMessage) -> Option<&RequestId> {
    match message {
        JsonRpcMessage::Request(request) => Some(&request.id),
        JsonRpcMessage::Response(response) => Some(&response.id),
        JsonRpcMessage::Error(error) => error.id.as_ref(),
        JsonRpcMessage::Notification(_) => None,
    }
}

/// rmcp reads any string as an id; refuse the over-long ones.
fn check_typed_id(id: &RequestId) -> Result<(), Rejection> {
    match id {
        RequestId::String(s) if s.len() > MAX_ID_BYTES => Err(bad_id(&format!(
            "a string of {} bytes (at most {MAX_ID_BYTES} are accepted)",
            s.len()
        ))),
        _ => Ok(()),
    }
}

fn bad_id(what: &str) -> Rejection {
    Rejection::invalid_request(
        Value::Null,
        format_args!(
            "\"id\" must be a string of at most {MAX_ID_BYTES} bytes or an integer that \
             fits a signed 64-bit integer, not {what}; resend with such an id (or without \
             \"id\" for a notification)"
        ),
    )
}

/// Whether `id` is one rmcp can read and we echo back; if not, what it is instead.
fn check_id(id: &Value) -> Result<(), String> {
    /// 2^53: rmcp reads integral floats below it as integers.
    const MAX_EXACT_F64: f64 = 9_007_199_254_740_992.0;
    match id {
        Value::String(s) if s.len() <= MAX_ID_BYTES => Ok(()),
        Value::String(s) => Err(format!(
            "a string of {} bytes (at most {MAX_ID_BYTES} are accepted)",
            s.len()
        )),
        Value::Number(n) if n.is_i64() => Ok(()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < MAX_EXACT_F64 => Ok(()),
            Some(f) if f.fract() != 0.0 => Err("a number with a fractional part".into()),
            _ => Err("an integer beyond the signed 64-bit range".into()),
        },
        other => Err(describe(other)),
    }
}

/// A few words on what a JSON value is, for messages (quotes short strings only).
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(s) if s.len() <= 16 && !s.chars().any(char::is_control) => {
            format!("the string {value}")
        }
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// serde's complaint, cut to a readable length.
fn complaint(error: &serde_json::Error) -> String {
    let mut text = error.to_string();
    if let Some((cut, _)) = text.char_indices().nth(MAX_COMPLAINT_CHARS) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// Says what is wrong with a message rmcp's typed parse refused (`typed`), or one it
/// parsed into its catch-all for a method it knows (`typed` is `None`).
fn diagnose(
    text: &str,
    typed: Option<serde_json::Error>,
    transport_version: Option<&str>,
) -> Result<ClientJsonRpcMessage, Rejection> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Rejection::parse_error(format_args!("the message is not valid JSON ({e})")))?;
    let object = match &value {
        Value::Object(object) => object,
        Value::Array(items) => {
            let what = if items.is_empty() {
                "an empty JSON array is no message, and batches"
            } else {
                "batches (JSON arrays of messages)"
            };
            return Err(Rejection::invalid_request(
                Value::Null,
                format_args!(
                    "{what} are not supported since MCP 2025-06-18; send one JSON-RPC \
                     message at a time and wait for each response as you need it"
                ),
            ));
        }
        other => {
            return Err(Rejection::invalid_request(
                Value::Null,
                format_args!(
                    "a JSON-RPC message is a JSON object, not {}; {HOW_TO_SEND}",
                    describe(other)
                ),
            ));
        }
    };

    let id = match object.get("id") {
        None => None,
        Some(id) => match check_id(id) {
            Ok(()) => Some(id.clone()),
            Err(what) => return Err(bad_id(&what)),
        },
    };
    let reply_id = id.clone().unwrap_or(Value::Null);
    match object.get("jsonrpc") {
        Some(Value::String(version)) if version == "2.0" => {}
        None => {
            return Err(Rejection::invalid_request(
                reply_id,
                format_args!("\"jsonrpc\": \"2.0\" is missing; add it to every message"),
            ));
        }
        Some(other) => {
            return Err(Rejection::invalid_request(
                reply_id,
                format_args!(
                    "\"jsonrpc\" must be exactly the string \"2.0\", not {}; this server \
                     speaks JSON-RPC 2.0 only",
                    describe(other)
                ),
            ));
        }
    }
    let method = match object.get("method") {
        None => None,
        Some(Value::String(method)) => Some(method.as_str()),
        Some(other) => {
            return Err(Rejection::invalid_request(
                reply_id,
                format_args!(
                    "\"method\" must be a string naming an MCP method (such as \
                     \"tools/list\"), not {}",
                    describe(other)
                ),
            ));
        }
    };
    let has_result = object.contains_key("result");
    let has_error = object.contains_key("error");
    let params = object.get("params");

    match (method, id, has_result, has_error) {
        (Some(method), Some(id), false, false) => {
            let version = request_version(params, transport_version);
            let Some(fits) = known_request(method, version) else {
                // rmcp answers an unknown method with -32601 and its id. Its catch-all
                // only takes object params; hand it the request whatever they are.
                let id = serde_json::from_value::<RequestId>(id).map_err(|e| {
                    Rejection::invalid_request(
                        Value::Null,
                        format_args!("unusable id ({})", complaint(&e)),
                    )
                })?;
                let request = CustomRequest::new(method, params.cloned());
                return Ok(ClientJsonRpcMessage::request(
                    ClientRequest::CustomRequest(request),
                    id,
                ));
            };
            if let Err(e) = fits(&value) {
                return Err(Rejection {
                    id: reply_id,
                    code: ErrorCode::INVALID_PARAMS.0,
                    message: format!(
                        "Invalid params for {method}: {}; fix \"params\" to match what \
                         the MCP specification gives for {method} and resend",
                        complaint(&e)
                    ),
                });
            }
        }
        (Some(method), None, false, false) => {
            if let Some(params) = params
                && !matches!(params, Value::Object(_) | Value::Array(_) | Value::Null)
            {
                return Err(Rejection::invalid_request(
                    Value::Null,
                    format_args!(
                        "\"params\" of notification {method} must be an object, not {}",
                        describe(params)
                    ),
                ));
            }
            // A notification is never answered (JSON-RPC 2.0 §4.1). rmcp's typed
            // notification refused these params; pass it on as a custom one, which
            // rmcp and our handlers ignore unless they know it.
            let notification = CustomNotification::new(method, params.cloned());
            return Ok(ClientJsonRpcMessage::notification(
                ClientNotification::CustomNotification(notification),
            ));
        }
        (None, _, true, true) => {
            return Err(Rejection::invalid_request(
                reply_id,
                format_args!(
                    "a response carries exactly one of \"result\" and \"error\", not both"
                ),
            ));
        }
        (None, None, true, false) => {
            return Err(Rejection::invalid_request(
                Value::Null,
                format_args!("a response needs the \"id\" of the request it answers"),
            ));
        }
        (None, _, false, true) => {
            let error = &object["error"];
            let well_formed = error.get("code").is_some_and(Value::is_i64)
                && error.get("message").is_some_and(Value::is_string);
            if !well_formed {
                return Err(Rejection::invalid_request(
                    reply_id,
                    format_args!(
                        "\"error\" must be an object with an integer \"code\" and a string \
                         \"message\", not {}",
                        describe(error)
                    ),
                ));
            }
        }
        (None, _, true, false) => {}
        _ => {
            return Err(Rejection::invalid_request(
                reply_id,
                format_args!(
                    "the message is neither a request (\"method\" and \"id\"), a \
                     notification (\"method\", no \"id\") nor a response (\"id\" and one \
                     of \"result\" or \"error\"); {HOW_TO_SEND}"
                ),
            ));
        }
    }
    // The envelope is right, yet rmcp's types refused it (a malformed response, a
    // duplicate key, ...): say what serde said.
    let why = typed.map_or_else(
        || "it does not fit the MCP message types".to_string(),
        |e| complaint(&e),
    );
    Err(Rejection::invalid_request(
        reply_id,
        format_args!(
            "the message does not fit JSON-RPC 2.0 as MCP uses it ({why}); fix it and resend"
        ),
    ))
}

/// Tries a whole request message against the type rmcp has for one method.
type Fits = fn(&Value) -> Result<(), serde_json::Error>;

fn fits<T: for<'de> Deserialize<'de>>(message: &Value) -> Result<(), serde_json::Error> {
    T::deserialize(message).map(drop)
}

/// Every request method rmcp's `ClientRequest` has a type for (all its variants but
/// `CustomRequest`), with that type.
#[allow(deprecated)]
const KNOWN_REQUESTS: &[(&str, Fits)] = &[
    ("ping", fits::<PingRequest>),
    ("initialize", fits::<InitializeRequest>),
    ("server/discover", fits::<DiscoverRequest>),
    ("completion/complete", fits::<CompleteRequest>),
    ("logging/setLevel", fits::<SetLevelRequest>),
    ("prompts/get", fits::<GetPromptRequest>),
    ("prompts/list", fits::<ListPromptsRequest>),
    ("resources/list", fits::<ListResourcesRequest>),
    (
        "resources/templates/list",
        fits::<ListResourceTemplatesRequest>,
    ),
    ("resources/read", fits::<ReadResourceRequest>),
    ("subscriptions/listen", fits::<SubscriptionsListenRequest>),
    ("resources/subscribe", fits::<SubscribeRequest>),
    ("resources/unsubscribe", fits::<UnsubscribeRequest>),
    ("tools/call", fits::<CallToolRequest>),
    ("tools/list", fits::<ListToolsRequest>),
    ("tasks/get", fits::<GetTaskRequest>),
    ("tasks/update", fits::<UpdateTaskRequest>),
    ("tasks/cancel", fits::<CancelTaskRequest>),
    ("skills/list", fits::<ListSkillsRequest>),
    ("skills/get", fits::<GetSkillRequest>),
    (
        "resources/directory/read",
        fits::<ReadResourceDirectoryRequest>,
    ),
];

/// The first protocol version without sessions, and the methods it removed.
const FIRST_SESSIONLESS_VERSION: &str = "2026-07-28";
const REMOVED_IN_2026_07_28: [&str; 5] = [
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// Where a request names its own protocol version (2026-07-28 and later).
const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";

/// The protocol version a request is of: its `_meta`'s, else the transport's.
fn request_version<'a>(
    params: Option<&'a Value>,
    transport_version: Option<&'a str>,
) -> Option<&'a str> {
    params
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(META_PROTOCOL_VERSION))
        .and_then(Value::as_str)
        .or(transport_version)
}

/// How to check `method`'s params, if it is a method of protocol `version`.
fn known_request(method: &str, version: Option<&str>) -> Option<Fits> {
    // Versions are dates, so they compare as strings.
    let removed = version.is_some_and(|v| v >= FIRST_SESSIONLESS_VERSION)
        && REMOVED_IN_2026_07_28.contains(&method);
    if removed {
        return None;
    }
    fits_known_request(method)
}

fn fits_known_request(method: &str) -> Option<Fits> {
    KNOWN_REQUESTS
        .iter()
        .find(|(known, _)| *known == method)
        .map(|(_, fits)| *fits)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn methods_removed_in_2026_07_28_are_unknown_to_its_requests() {
        let bad_init = |meta: Value| {
            json!({"jsonrpc": "2.0", "id": 9, "method": "initialize",
                   "params": {"protocolVersion": 5, "_meta": meta}})
            .to_string()
        };
        let v2026 = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28"});
        let message = check_message(bad_init(v2026).as_bytes()).expect("left to rmcp");
        let JsonRpcMessage::Request(request) = message else {
            panic!("a request")
        };
        assert!(matches!(request.request, ClientRequest::CustomRequest(_)));
        let plain = bad_init(json!({}));
        assert!(check_message_at(plain.as_bytes(), Some("2026-07-28")).is_ok());
        let refused = check_message_at(plain.as_bytes(), Some("2025-11-25")).unwrap_err();
        assert_eq!(refused.code, -32602);
        assert_eq!(check_message(plain.as_bytes()).unwrap_err().code, -32602);
        // A method 2026-07-28 kept is still checked.
        let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                          "params": {"name": 123}})
        .to_string();
        let refused = check_message_at(call.as_bytes(), Some("2026-07-28")).unwrap_err();
        assert_eq!(refused.code, -32602);
        // Non-object params of a removed method go to rmcp as an unknown method too.
        let ping = json!({"jsonrpc": "2.0", "id": 4, "method": "ping", "params": 7}).to_string();
        assert!(check_message_at(ping.as_bytes(), Some("2026-07-28")).is_ok());
        assert_eq!(check_message(ping.as_bytes()).unwrap_err().code, -32602);
    }

    fn reject(bytes: &[u8]) -> Rejection {
        match check_message(bytes) {
            Ok(message) => panic!(
                "{:?} was accepted as {message:?}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            ),
            Err(rejection) => rejection,
        }
    }

    fn reject_json(value: Value) -> Rejection {
        reject(value.to_string().as_bytes())
    }

    fn accept(bytes: &[u8]) -> ClientJsonRpcMessage {
        check_message(bytes)
            .unwrap_or_else(|r| panic!("{:?} was refused: {r:?}", String::from_utf8_lossy(bytes)))
    }

    #[track_caller]
    fn assert_rejection(r: &Rejection, code: i32, id: Value) {
        assert_eq!((r.code, &r.id), (code, &id), "{r:?}");
        assert!(!r.message.is_empty());
    }

    #[test]
    fn good_messages_pass_as_rmcp_reads_them() {
        let m = accept(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
        assert!(matches!(
            m,
            JsonRpcMessage::Request(ref r) if matches!(r.request, ClientRequest::PingRequest(_))
        ));
        let m = accept(
            br#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"t","arguments":{"x":1}}}"#,
        );
        assert!(matches!(
            m,
            JsonRpcMessage::Request(ref r) if matches!(r.request, ClientRequest::CallToolRequest(_))
        ));
        let m = accept(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        assert!(matches!(m, JsonRpcMessage::Notification(_)));
        let m = accept(br#"{"jsonrpc":"2.0","id":3,"result":{}}"#);
        assert!(matches!(m, JsonRpcMessage::Response(_)));
        let m = accept(br#"{"jsonrpc":"2.0","id":4,"error":{"code":-1,"message":"no"}}"#);
        assert!(matches!(m, JsonRpcMessage::Error(_)));
        // Surrounding whitespace (a CR left by CRLF framing) is JSON whitespace.
        accept(b" {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r");
    }

    #[test]
    fn a_leading_utf8_bom_is_ignored_as_rmcp_does() {
        let m = accept(b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        assert!(matches!(m, JsonRpcMessage::Request(_)));
    }

    #[test]
    fn integral_float_and_u64_ids_that_rmcp_reads_stay_accepted() {
        for id in ["1.0", "1e2", "9223372036854775807", "-9223372036854775808"] {
            let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
            accept(line.as_bytes());
        }
        let at_cap = "i".repeat(MAX_ID_BYTES);
        accept(
            json!({"jsonrpc": "2.0", "id": at_cap, "method": "ping"})
                .to_string()
                .as_bytes(),
        );
    }

    #[test]
    fn invalid_utf8_is_a_parse_error() {
        let r = reject(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}");
        assert_rejection(&r, -32700, Value::Null);
        assert!(r.message.contains("UTF-8"), "{}", r.message);
        assert_rejection(&reject(b"\x80"), -32700, Value::Null);
    }

    #[test]
    fn unparsable_json_is_a_parse_error_with_id_null() {
        for bad in [
            &b"hello"[..],
            b"{",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",}",
            b"{'jsonrpc':'2.0'}",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}{}",
            b"{\"jsonrpc\":\"2.0\",\"id\":NaN,\"method\":\"ping\"}",
            b"",
            b"\xEF\xBB\xBF",
        ] {
            let r = reject(bad);
            assert_rejection(&r, -32700, Value::Null);
            assert!(
                r.message.contains("send one JSON-RPC 2.0 object"),
                "{}",
                r.message
            );
        }
    }

    #[test]
    fn nesting_beyond_the_recursion_limit_is_a_parse_error() {
        let mut deep = "[".repeat(100_000);
        deep.push_str(&"]".repeat(100_000));
        assert_rejection(&reject(deep.as_bytes()), -32700, Value::Null);
        let unclosed = "[".repeat(1_000_000);
        assert_rejection(&reject(unclosed.as_bytes()), -32700, Value::Null);
        let in_params = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"t","arguments":{{"a":{}{}}}}}}}"#,
            "[".repeat(500),
            "]".repeat(500)
        );
        assert_rejection(&reject(in_params.as_bytes()), -32700, Value::Null);
    }

    #[test]
    fn batches_are_refused_with_a_pointer_to_single_messages() {
        for batch in [
            json!([]),
            json!([{"jsonrpc": "2.0", "id": 1, "method": "ping"},
                   {"jsonrpc": "2.0", "id": 2, "method": "ping"}]),
        ] {
            let r = reject_json(batch);
            assert_rejection(&r, -32600, Value::Null);
            assert!(r.message.contains("2025-06-18"), "{}", r.message);
            assert!(
                r.message.contains("one JSON-RPC message at a time"),
                "{}",
                r.message
            );
        }
    }

    #[test]
    fn non_objects_are_invalid_requests() {
        for value in [
            json!(null),
            json!(42),
            json!("str"),
            json!(true),
            json!(1.5),
        ] {
            assert_rejection(&reject_json(value), -32600, Value::Null);
        }
    }

    #[test]
    fn a_wrong_or_missing_jsonrpc_version_echoes_a_usable_id() {
        let r = reject_json(json!({"id": 7, "method": "ping"}));
        assert_rejection(&r, -32600, json!(7));
        assert!(r.message.contains("missing"), "{}", r.message);
        assert_rejection(
            &reject_json(json!({"jsonrpc": "1.0", "id": "x", "method": "ping"})),
            -32600,
            json!("x"),
        );
        assert_rejection(
            &reject_json(json!({"jsonrpc": 2, "id": 8, "method": "ping"})),
            -32600,
            json!(8),
        );
        assert_rejection(
            &reject_json(json!({"jsonrpc": "2.0 ", "method": "notifications/initialized"})),
            -32600,
            Value::Null,
        );
        // An unusable id wins: it cannot be echoed.
        assert_rejection(
            &reject_json(json!({"jsonrpc": "1.0", "id": {}, "method": "ping"})),
            -32600,
            Value::Null,
        );
    }

    #[test]
    fn unusable_ids_are_invalid_requests_with_id_null() {
        for id in [
            json!({}),
            json!([1]),
            json!(true),
            json!(null),
            json!(1.5),
            json!(u64::MAX),
            json!(1e20),
            json!("i".repeat(MAX_ID_BYTES + 1)),
            json!("i".repeat(100_000)),
        ] {
            let r = reject_json(json!({"jsonrpc": "2.0", "id": id, "method": "ping"}));
            assert_rejection(&r, -32600, Value::Null);
            assert!(r.message.contains("\"id\" must be"), "{}", r.message);
            assert!(
                r.message.len() < 1000,
                "the id is not echoed: {}",
                r.message.len()
            );
        }
        // Also on responses, and with an integer written beyond i64.
        let r = reject_json(json!({"jsonrpc": "2.0", "id": "i".repeat(300), "result": {}}));
        assert_rejection(&r, -32600, Value::Null);
        let r = reject(br#"{"jsonrpc":"2.0","id":99999999999999999999,"method":"ping"}"#);
        assert_rejection(&r, -32600, Value::Null);
    }

    #[test]
    fn a_method_that_is_not_a_string_is_an_invalid_request() {
        for method in [json!(5), json!(null), json!(["ping"])] {
            let r = reject_json(json!({"jsonrpc": "2.0", "id": 3, "method": method}));
            assert_rejection(&r, -32600, json!(3));
            assert!(
                r.message.contains("\"method\" must be a string"),
                "{}",
                r.message
            );
        }
    }

    #[test]
    fn messages_of_no_known_shape_are_invalid_requests() {
        assert_rejection(&reject_json(json!({})), -32600, Value::Null);
        assert_rejection(&reject_json(json!({"jsonrpc": "2.0"})), -32600, Value::Null);
        assert_rejection(&reject_json(json!({"foo": "bar"})), -32600, Value::Null);
        assert_rejection(
            &reject_json(json!({"jsonrpc": "2.0", "id": 4})),
            -32600,
            json!(4),
        );
        let r = reject_json(json!({"jsonrpc": "2.0", "id": 5, "result": {},
            "error": {"code": 1, "message": "x"}}));
        assert_rejection(&r, -32600, json!(5));
        assert!(r.message.contains("not both"), "{}", r.message);
        assert_rejection(
            &reject_json(json!({"jsonrpc": "2.0", "id": 6, "method": "ping", "result": {}})),
            -32600,
            json!(6),
        );
        // Response-shaped messages rmcp cannot read.
        let r = reject_json(json!({"jsonrpc": "2.0", "id": 7, "error": "boom"}));
        assert_rejection(&r, -32600, json!(7));
        assert!(r.message.contains("integer \"code\""), "{}", r.message);
        let r =
            reject_json(json!({"jsonrpc": "2.0", "id": 8, "error": {"code": "x", "message": "m"}}));
        assert_rejection(&r, -32600, json!(8));
        let r = reject_json(json!({"jsonrpc": "2.0", "result": {}}));
        assert_rejection(&r, -32600, Value::Null);
        assert!(r.message.contains("needs the \"id\""), "{}", r.message);
        // An error response without an id is one rmcp reads (MCP 2026-07-28 allows it).
        accept(br#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"x"}}"#);
    }

    #[test]
    fn known_methods_with_params_that_do_not_fit_are_invalid_params_with_the_id() {
        let cases = [
            json!({"method": "tools/call", "params": {"name": 123}}),
            json!({"method": "tools/call", "params": ["t"]}),
            json!({"method": "tools/call", "params": "t"}),
            json!({"method": "tools/call"}),
            json!({"method": "tools/call", "params": {"name": "t", "arguments": "x"}}),
            json!({"method": "resources/read", "params": {"uri": 5}}),
            json!({"method": "resources/read", "params": {}}),
            json!({"method": "prompts/get", "params": {"name": []}}),
            json!({"method": "ping", "params": 5}),
            // (rmcp reads `{"cursor": 5}` as no cursor at all, for every paginated
            // list: its optional params swallow the error. Left alone.)
            json!({"method": "tools/list", "params": 5}),
            json!({"method": "initialize", "params": {"protocolVersion": 1}}),
            json!({"method": "tools/call", "params": {"name": "t", "_meta": 5}}),
        ];
        for (n, mut case) in cases.into_iter().enumerate() {
            case["jsonrpc"] = json!("2.0");
            case["id"] = json!(n);
            let method = case["method"].as_str().unwrap().to_string();
            let r = reject_json(case.clone());
            assert_rejection(&r, -32602, json!(n));
            assert!(
                r.message
                    .starts_with(&format!("Invalid params for {method}: ")),
                "{case}: {}",
                r.message
            );
            assert!(!r.is_parse_or_invalid());
        }
        let r = reject_json(json!({"jsonrpc": "2.0", "id": "s", "method": "tools/call",
            "params": {"name": 123}}));
        assert!(
            r.message.contains("invalid type: integer `123`"),
            "{}",
            r.message
        );
        assert_eq!(r.id, json!("s"));
    }

    #[test]
    fn without_this_check_rmcp_reads_unfit_params_as_a_custom_request() {
        // What this module is for: rmcp's untagged `ClientRequest` falls through to
        // `CustomRequest`, which its `ServerHandler::on_custom_request` answers -32601.
        let m: ClientJsonRpcMessage = serde_json::from_str(
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":123}}"#,
        )
        .unwrap();
        let JsonRpcMessage::Request(request) = m else {
            panic!("{m:?}")
        };
        assert!(matches!(request.request, ClientRequest::CustomRequest(_)));
        // And params that are no object fail altogether (rmcp answers -32600, no id).
        assert!(
            serde_json::from_str::<ClientJsonRpcMessage>(
                r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"t"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn every_known_method_refuses_params_of_the_wrong_kind() {
        for (method, _) in KNOWN_REQUESTS {
            let r = reject_json(json!({"jsonrpc": "2.0", "id": 1, "method": method,
                "params": "not an object"}));
            assert_rejection(&r, -32602, json!(1));
        }
    }

    #[test]
    fn the_known_method_table_names_each_type_by_its_own_method() {
        for (method, fits) in KNOWN_REQUESTS {
            if let Err(e) = fits(&json!({"method": method, "params": {}})) {
                assert!(
                    !e.to_string().contains("expect const string value"),
                    "{method} is paired with another method's type: {e}"
                );
            }
        }
    }

    #[test]
    fn the_complaint_is_cut_short() {
        let long = "x".repeat(10_000);
        let r = reject_json(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "t", "arguments": long}}));
        assert_eq!(r.code, -32602);
        assert!(r.message.len() < 1000, "{}", r.message.len());
    }

    #[test]
    fn unknown_methods_are_left_to_rmcp_whatever_their_params() {
        for params in [json!({"a": 1}), json!("x"), json!([1, 2]), json!(5)] {
            let m = accept(
                json!({"jsonrpc": "2.0", "id": 9, "method": "no/such", "params": params})
                    .to_string()
                    .as_bytes(),
            );
            let JsonRpcMessage::Request(request) = m else {
                panic!("not a request: {m:?}")
            };
            assert_eq!(request.id, RequestId::Number(9));
            let ClientRequest::CustomRequest(custom) = request.request else {
                panic!("not custom: {:?}", request.request)
            };
            assert_eq!(custom.method, "no/such");
            assert_eq!(custom.params, Some(params));
        }
        // With an id rmcp would ignore the message for (a non-standard "notifications/").
        let m = accept(br#"{"jsonrpc":"2.0","id":1,"method":"notifications/x","params":"y"}"#);
        assert!(matches!(m, JsonRpcMessage::Request(_)));
    }

    #[test]
    fn notifications_with_unfit_structured_params_pass_unanswered() {
        for line in [
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": {}}}),
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": [1]}),
            json!({"jsonrpc": "2.0", "method": "notifications/custom", "params": [1]}),
            json!({"jsonrpc": "2.0", "method": "$/progress", "params": {"_meta": 1}}),
        ] {
            let m = accept(line.to_string().as_bytes());
            assert!(
                matches!(m, JsonRpcMessage::Notification(_)),
                "{line}: {m:?}"
            );
        }
    }

    #[test]
    fn notifications_with_params_that_are_no_structure_are_invalid_requests() {
        for method in ["notifications/cancelled", "notifications/whatever"] {
            let r = reject_json(json!({"jsonrpc": "2.0", "method": method, "params": "x"}));
            assert_rejection(&r, -32600, Value::Null);
        }
    }

    #[test]
    fn too_large_names_the_cap_and_the_flag() {
        let r = too_large(65536);
        assert_rejection(&r, -32600, Value::Null);
        assert!(r.message.contains("65536 bytes"), "{}", r.message);
        assert!(r.message.contains("--max-body-bytes"), "{}", r.message);
        assert!(r.is_parse_or_invalid());
    }

    #[test]
    fn to_json_is_a_complete_error_response() {
        let r = Rejection {
            id: json!("a\"b"),
            code: -32602,
            message: "bad \"x\"\n".into(),
        };
        let wire: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(
            wire,
            json!({"jsonrpc": "2.0", "id": "a\"b",
                   "error": {"code": -32602, "message": "bad \"x\"\n"}})
        );
        assert!(!r.to_json().contains('\n'), "one line on the wire");
        let null_id: Value = serde_json::from_str(&too_large(1).to_json()).unwrap();
        assert_eq!(null_id["id"], Value::Null);
        assert!(null_id.as_object().unwrap().contains_key("id"));
        // rmcp's client reads it as an error response.
        let read: rmcp::model::ServerJsonRpcMessage =
            serde_json::from_str(&too_large(1).to_json()).unwrap();
        assert!(matches!(read, JsonRpcMessage::Error(_)));
    }

    #[test]
    fn is_parse_or_invalid_covers_exactly_those_two_codes() {
        let with = |code| Rejection {
            id: Value::Null,
            code,
            message: String::new(),
        };
        assert!(with(-32700).is_parse_or_invalid());
        assert!(with(-32600).is_parse_or_invalid());
        assert!(!with(-32602).is_parse_or_invalid());
        assert!(!with(-32601).is_parse_or_invalid());
    }
}
