//! Output shaping: compact JSON objects with only the fields a model needs (in a
//! readable order, empty values left out), and text cut at a byte bound with a notice
//! that says how to read the rest.

use serde::Serialize;
use serde_json::Value;

/// A JSON object written field by field, keeping insertion order and skipping
/// empty values (null, "", [], {}).
#[derive(Debug, Default, Clone)]
pub struct Obj {
    buf: String,
}

impl Obj {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key: value` unless the value is empty.
    pub fn put(mut self, key: &str, value: impl Serialize) -> Self {
        let Ok(value) = serde_json::to_value(value) else {
            return self;
        };
        let empty = match &value {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if !empty {
            self.key(key);
            self.buf.push_str(&value.to_string());
        }
        self
    }

    /// Adds `key: value` even when empty (e.g. `"more": false`).
    pub fn always(mut self, key: &str, value: impl Serialize) -> Self {
        self.key(key);
        self.buf
            .push_str(&serde_json::to_string(&value).unwrap_or_else(|_| "null".into()));
        self
    }

    /// Adds `key` with already-serialized JSON.
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.buf.push_str(json);
        self
    }

    /// Adds `key` with a nested object, unless it is empty.
    pub fn obj(self, key: &str, value: Obj) -> Self {
        if value.buf.is_empty() {
            self
        } else {
            let json = value.finish();
            self.raw(key, &json)
        }
    }

    /// Adds `key` with a JSON array of already-serialized items.
    pub fn list(self, key: &str, items: &[String]) -> Self {
        let json = format!("[{}]", items.join(","));
        self.raw(key, &json)
    }

    fn key(&mut self, key: &str) {
        self.buf.push(if self.buf.is_empty() { '{' } else { ',' });
        self.buf
            .push_str(&Value::String(key.to_string()).to_string());
        self.buf.push(':');
    }

    /// The object's JSON text.
    pub fn finish(self) -> String {
        if self.buf.is_empty() {
            "{}".into()
        } else {
            self.buf + "}"
        }
    }
}

/// A string field (None when missing, null or not a string).
pub fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

/// A number field.
pub fn n(v: &Value, key: &str) -> Option<i64> {
    v.get(key)?.as_i64()
}

/// A boolean field, only when true (so false stays out of compact output).
pub fn yes(v: &Value, key: &str) -> Option<bool> {
    v.get(key)?.as_bool().filter(|b| *b)
}

/// The `login` of a user object field (`user`, `author`, `owner`...).
pub fn login<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.get("login")?.as_str()
}

/// Logins of a list of user objects (`assignees`, `requested_reviewers`).
pub fn logins(v: &Value, key: &str) -> Vec<String> {
    names_of(v, key, "login")
}

/// Names of labels (objects with `name`, or plain strings).
pub fn labels(v: &Value) -> Vec<String> {
    v.get("labels")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|l| l.as_str().or_else(|| s(l, "name")).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The `field` of each object in the array `key`.
pub fn names_of(v: &Value, key: &str, field: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| s(x, field).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The first line of a text, cut to `max` bytes (e.g. a commit message's title).
pub fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    let (cut, _) = cut(line, max);
    if cut.len() < line.len() {
        format!("{cut}…")
    } else {
        cut.to_string()
    }
}

/// The longest prefix of `text` of at most `max` bytes ending on a character
/// boundary, and whether anything was cut.
pub fn cut(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// A window of `text` from byte `offset` of at most `max` bytes, moved to character
/// boundaries and, when cut, ended at the last line break if one is in the second half.
/// Returns the window and the byte offset where it ends.
pub fn window(text: &str, offset: usize, max: usize) -> (&str, usize) {
    let mut start = offset.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let rest = &text[start..];
    let (mut part, was_cut) = cut(rest, max);
    if was_cut
        && let Some(nl) = part.rfind('\n')
        && nl + 1 >= part.len() / 2
    {
        part = &part[..nl + 1];
    }
    (part, start + part.len())
}

/// A body field for JSON output: the window of `text` starting at `offset`, with a
/// notice telling how to continue (`how` names the call, e.g. "get_issue with
/// body_offset=").
pub fn body(text: &str, offset: usize, max: usize, how: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let (part, end) = window(text, offset, max);
    let start = end - part.len();
    if start == 0 && end == text.len() {
        return part.to_string();
    }
    let mut out = String::new();
    if start > 0 {
        out.push_str(&format!("[…from byte {start}] "));
    }
    out.push_str(part);
    if end < text.len() {
        out.push_str(&format!(
            " […cut at byte {end} of {}; {how}{end} for more]",
            text.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn obj_keeps_order_and_skips_empties() {
        let o = Obj::new()
            .put("number", 7)
            .put("title", "Fix \"it\"")
            .put("body", "")
            .put("labels", Vec::<String>::new())
            .put("draft", None::<bool>)
            .always("more", false)
            .obj("empty", Obj::new())
            .list("items", &["{\"a\":1}".to_string()]);
        assert_eq!(
            o.finish(),
            r#"{"number":7,"title":"Fix \"it\"","more":false,"items":[{"a":1}]}"#
        );
        assert_eq!(Obj::new().finish(), "{}");
    }

    #[test]
    fn field_helpers_read_github_shapes() {
        let v = json!({"user": {"login": "octo"}, "labels": [{"name": "bug"}, "ui"],
            "assignees": [{"login": "a"}, {"login": "b"}], "draft": false, "n": 3});
        assert_eq!(login(&v, "user"), Some("octo"));
        assert_eq!(labels(&v), ["bug", "ui"]);
        assert_eq!(logins(&v, "assignees"), ["a", "b"]);
        assert_eq!(yes(&v, "draft"), None);
        assert_eq!(n(&v, "n"), Some(3));
    }

    #[test]
    fn cuts_respect_utf8_and_lines() {
        assert_eq!(cut("héllo", 2), ("h", true));
        assert_eq!(cut("abc", 10), ("abc", false));
        let text = "line one\nline two\nline three\n";
        let (part, end) = window(text, 0, 20);
        assert_eq!(part, "line one\nline two\n");
        assert_eq!(end, 18);
        let (part, end) = window(text, end, 100);
        assert_eq!(part, "line three\n");
        assert_eq!(end, text.len());
        assert_eq!(first_line("title\nbody", 100), "title");
        assert_eq!(first_line("abcdef", 3), "abc…");
    }

    #[test]
    fn body_says_how_to_continue() {
        let text = "a".repeat(100);
        let b = body(&text, 0, 40, "call get_issue with body_offset=");
        assert!(b.starts_with(&"a".repeat(40)), "{b}");
        assert!(
            b.contains("cut at byte 40 of 100; call get_issue with body_offset=40 for more"),
            "{b}"
        );
        let rest = body(&text, 40, 100, "x=");
        assert!(rest.starts_with("[…from byte 40] "), "{rest}");
        assert!(!rest.contains("cut at"), "{rest}");
        assert_eq!(body("short", 0, 40, "x="), "short");
    }
}
