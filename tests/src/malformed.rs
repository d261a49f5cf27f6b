//! Malformed incoming messages and the JSON-RPC 2.0 error each must get, for any of our
//! servers over any transport: one case is one stdio line or one HTTP body.
//!
//! Cases use only generic MCP methods (ping, initialize, tools/*, resources/read,
//! prompts/get), so the expected answers do not depend on the server. No case holds a
//! newline byte (stdio frames messages by newline). Ids that must be echoed are
//! distinct, so a reply cannot be mistaken for another case's.

use serde_json::{Value, json};

/// One malformed message and the error it must get.
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    /// The JSON-RPC error code expected in the reply.
    pub code: i64,
    /// The id expected in the reply (`Value::Null` when the id cannot be read).
    pub id: Value,
}

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;

fn case(name: &'static str, bytes: impl Into<Vec<u8>>, code: i64, id: Value) -> Case {
    Case {
        name,
        bytes: bytes.into(),
        code,
        id,
    }
}

/// A request with this id, method and params.
fn request(id: Value, method: &str, params: Value) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        .to_string()
        .into_bytes()
}

/// Every malformed case, in a fixed order.
pub fn corpus() -> Vec<Case> {
    let parse = |name, bytes: &[u8]| case(name, bytes.to_vec(), PARSE_ERROR, Value::Null);
    let invalid_null = |name, bytes: Vec<u8>| case(name, bytes, INVALID_REQUEST, Value::Null);

    let mut deep = "[".repeat(5 * 1024 * 1024);
    deep.push_str(&"]".repeat(5 * 1024 * 1024));
    let deep_params = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"x","arguments":{{"a":{}{}}}}}}}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    let mut every_byte: Vec<u8> = (0..=255u8).filter(|&b| b != b'\n').collect();
    every_byte.reverse();

    vec![
        // Not JSON at all, or not UTF-8: -32700 with id null.
        parse("bare word", b"hello"),
        parse("trailing comma", br#"{"jsonrpc":"2.0","id":1,"method":"ping",}"#),
        parse("single quotes", br#"{'jsonrpc':'2.0','id':1,'method':'ping'}"#),
        parse("unquoted keys", br#"{jsonrpc:"2.0",id:1,method:"ping"}"#),
        parse("truncated inside a string", br#"{"jsonrpc":"2.0","id":1,"method":"pi"#),
        parse("truncated after a colon", br#"{"jsonrpc":"2.0","id":"#),
        parse("lone opening brace", b"{"),
        parse(
            "two objects on one line",
            br#"{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}"#,
        ),
        parse("NaN as id", br#"{"jsonrpc":"2.0","id":NaN,"method":"ping"}"#),
        parse("number with a leading zero", br#"{"jsonrpc":"2.0","id":01,"method":"ping"}"#),
        parse("comment", br#"{"jsonrpc":"2.0","id":1,"method":"ping"/* hi */}"#),
        parse(
            "invalid UTF-8 inside a string",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}",
        ),
        parse("lone UTF-8 continuation byte", b"\x80"),
        parse("UTF-16 byte order mark", b"\xff\xfe{\0}\0"),
        parse("binary garbage (every byte but newline)", &every_byte),
        parse("10 MB nested array", deep.as_bytes()),
        parse("params nested 1000 deep", deep_params.as_bytes()),
        // JSON, but no JSON-RPC message: -32600, id null when it cannot be read.
        invalid_null("empty batch", b"[]".to_vec()),
        invalid_null(
            "batch of two requests",
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#
                .to_vec(),
        ),
        invalid_null("null", b"null".to_vec()),
        invalid_null("number", b"42".to_vec()),
        invalid_null("string", br#""str""#.to_vec()),
        invalid_null("true", b"true".to_vec()),
        invalid_null("empty object", b"{}".to_vec()),
        invalid_null(
            "no method, id, result or error",
            br#"{"jsonrpc":"2.0","params":{}}"#.to_vec(),
        ),
        invalid_null("id as object", request(json!({"a": 1}), "ping", json!({}))),
        invalid_null("id as array", request(json!([1]), "ping", json!({}))),
        invalid_null("id as boolean", request(json!(true), "ping", json!({}))),
        invalid_null("id as fraction", request(json!(1.5), "ping", json!({}))),
        invalid_null("id null", request(Value::Null, "ping", json!({}))),
        invalid_null(
            "over-long string id (100 KB)",
            request(json!("i".repeat(100 * 1024)), "ping", json!({})),
        ),
        invalid_null(
            "string id of 257 bytes",
            request(json!("i".repeat(257)), "ping", json!({})),
        ),
        invalid_null(
            "integer id beyond i64",
            br#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"ping"}"#.to_vec(),
        ),
        invalid_null(
            "integer id of 30 digits",
            br#"{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}"#
                .to_vec(),
        ),
        invalid_null(
            "notification with params as a string",
            br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":"now"}"#.to_vec(),
        ),
        invalid_null(
            "response without id",
            br#"{"jsonrpc":"2.0","result":{}}"#.to_vec(),
        ),
        // The id is readable and echoed.
        case(
            "missing jsonrpc",
            br#"{"id":1101,"method":"ping"}"#.to_vec(),
            INVALID_REQUEST,
            json!(1101),
        ),
        case(
            "jsonrpc 1.0",
            br#"{"jsonrpc":"1.0","id":1102,"method":"ping"}"#.to_vec(),
            INVALID_REQUEST,
            json!(1102),
        ),
        case(
            "jsonrpc 2 as a number",
            br#"{"jsonrpc":2,"id":1103,"method":"ping"}"#.to_vec(),
            INVALID_REQUEST,
            json!(1103),
        ),
        case(
            "jsonrpc 2.0 with a space",
            br#"{"jsonrpc":"2.0 ","id":"v-1104","method":"ping"}"#.to_vec(),
            INVALID_REQUEST,
            json!("v-1104"),
        ),
        case(
            "method as number",
            br#"{"jsonrpc":"2.0","id":1105,"method":5}"#.to_vec(),
            INVALID_REQUEST,
            json!(1105),
        ),
        case(
            "method null",
            br#"{"jsonrpc":"2.0","id":1106,"method":null}"#.to_vec(),
            INVALID_REQUEST,
            json!(1106),
        ),
        case(
            "id and nothing else",
            br#"{"jsonrpc":"2.0","id":1107}"#.to_vec(),
            INVALID_REQUEST,
            json!(1107),
        ),
        case(
            "response with both result and error",
            br#"{"jsonrpc":"2.0","id":1108,"result":{},"error":{"code":1,"message":"x"}}"#
                .to_vec(),
            INVALID_REQUEST,
            json!(1108),
        ),
        case(
            "request that also carries a result",
            br#"{"jsonrpc":"2.0","id":1109,"method":"ping","result":{}}"#.to_vec(),
            INVALID_REQUEST,
            json!(1109),
        ),
        case(
            "error response whose error is a string",
            br#"{"jsonrpc":"2.0","id":1110,"error":"boom"}"#.to_vec(),
            INVALID_REQUEST,
            json!(1110),
        ),
        // A known method whose params do not fit: -32602 with the id.
        case(
            "tools/call with name 123",
            request(json!(1201), "tools/call", json!({"name": 123})),
            INVALID_PARAMS,
            json!(1201),
        ),
        case(
            "tools/call with a string id and name 123",
            request(json!("call-1202"), "tools/call", json!({"name": 123})),
            INVALID_PARAMS,
            json!("call-1202"),
        ),
        case(
            "tools/call with params as an array",
            request(json!(1203), "tools/call", json!(["read_text_file"])),
            INVALID_PARAMS,
            json!(1203),
        ),
        case(
            "tools/call with params as a string",
            request(json!(1204), "tools/call", json!("read_text_file")),
            INVALID_PARAMS,
            json!(1204),
        ),
        case(
            "tools/call without params",
            br#"{"jsonrpc":"2.0","id":1205,"method":"tools/call"}"#.to_vec(),
            INVALID_PARAMS,
            json!(1205),
        ),
        case(
            "tools/call with arguments as a string",
            request(
                json!(1206),
                "tools/call",
                json!({"name": "x", "arguments": "{}"}),
            ),
            INVALID_PARAMS,
            json!(1206),
        ),
        case(
            "resources/read with uri 5",
            request(json!(1207), "resources/read", json!({"uri": 5})),
            INVALID_PARAMS,
            json!(1207),
        ),
        case(
            "resources/read without uri",
            request(json!(1208), "resources/read", json!({})),
            INVALID_PARAMS,
            json!(1208),
        ),
        case(
            "prompts/get with name as an array",
            request(json!(1209), "prompts/get", json!({"name": ["a"]})),
            INVALID_PARAMS,
            json!(1209),
        ),
        case(
            "ping with params as a number",
            request(json!(1210), "ping", json!(7)),
            INVALID_PARAMS,
            json!(1210),
        ),
        case(
            "tools/list with params as a string",
            request(json!(1211), "tools/list", json!("all")),
            INVALID_PARAMS,
            json!(1211),
        ),
        case(
            "initialize with protocolVersion as a number",
            request(
                json!(1212),
                "initialize",
                json!({"protocolVersion": 20251125, "capabilities": {},
                       "clientInfo": {"name": "x", "version": "0"}}),
            ),
            INVALID_PARAMS,
            json!(1212),
        ),
        case(
            "tools/call with _meta as a number",
            request(json!(1213), "tools/call", json!({"name": "x", "_meta": 1})),
            INVALID_PARAMS,
            json!(1213),
        ),
        // An unknown method is rmcp's to answer: -32601 with the id, whatever its params.
        case(
            "unknown method",
            request(json!(1301), "no/such/method", json!({})),
            METHOD_NOT_FOUND,
            json!(1301),
        ),
        case(
            "unknown method with params as a string",
            request(json!(1302), "no/such/method", json!("x")),
            METHOD_NOT_FOUND,
            json!(1302),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_large_framable_and_named_once() {
        let cases = corpus();
        assert!(cases.len() >= 30, "{}", cases.len());
        let mut names = std::collections::HashSet::new();
        for c in &cases {
            assert!(names.insert(c.name), "{} twice", c.name);
            assert!(!c.bytes.contains(&b'\n'), "{} holds a newline", c.name);
            assert!(!c.bytes.is_empty(), "{} is empty", c.name);
            assert!(
                [
                    PARSE_ERROR,
                    INVALID_REQUEST,
                    METHOD_NOT_FOUND,
                    INVALID_PARAMS
                ]
                .contains(&c.code),
                "{}",
                c.name
            );
            if c.code == PARSE_ERROR {
                assert_eq!(c.id, Value::Null, "{}", c.name);
            }
        }
        let deep = cases
            .iter()
            .find(|c| c.name == "10 MB nested array")
            .unwrap();
        assert!(deep.bytes.len() >= 10 * 1024 * 1024);
    }
}
