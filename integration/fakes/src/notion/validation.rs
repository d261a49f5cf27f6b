//! Notion's request limits and the checks shared by every writer (blocks, rich
//! text, properties). Lengths are counted in UTF-16 code units, as Notion (a
//! JavaScript service) counts them: an emoji counts 2.

use serde_json::Value;

use super::error::{ApiError, ApiResult};

/// `text.content` of one rich-text item.
pub const MAX_TEXT: usize = 2000;
/// Items in one rich-text array.
pub const MAX_RICH_TEXT_ITEMS: usize = 100;
/// Any URL.
pub const MAX_URL: usize = 2000;
/// `equation.expression`.
pub const MAX_EQUATION: usize = 1000;
/// Entries of one `children` array.
pub const MAX_CHILDREN: usize = 100;
/// Levels of `children` one request may nest (the top-level blocks are level 1).
pub const MAX_NESTING: usize = 2;
/// Blocks, at any level, in one request.
pub const MAX_BLOCKS_PER_REQUEST: usize = 1000;
/// Bytes of one request body.
pub const MAX_BODY_BYTES: usize = 500_000;
/// Options in one multi-select value, pages in one relation.
pub const MAX_MULTI_SELECT: usize = 100;
pub const MAX_RELATIONS: usize = 100;

pub const COLORS: &[&str] = &[
    "default",
    "gray",
    "brown",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "red",
    "default_background",
    "gray_background",
    "brown_background",
    "orange_background",
    "yellow_background",
    "green_background",
    "blue_background",
    "purple_background",
    "pink_background",
    "red_background",
];

/// Length as Notion counts it.
pub fn len16(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Refuses a body over [`MAX_BODY_BYTES`].
pub fn body_size(bytes: usize) -> ApiResult<()> {
    if bytes > MAX_BODY_BYTES {
        return Err(ApiError::validation(format!(
            "body failed validation: the request body is {bytes} bytes, more than the limit of {MAX_BODY_BYTES} bytes (500 KB)."
        )));
    }
    Ok(())
}

/// A required string.
pub fn string<'a>(v: &'a Value, path: &str) -> ApiResult<&'a str> {
    match v {
        Value::Null => Err(ApiError::missing(path)),
        Value::String(s) => Ok(s),
        other => Err(ApiError::expected(path, "a string", other)),
    }
}

/// A string of at most `max` (UTF-16) units.
pub fn bounded<'a>(v: &'a Value, path: &str, max: usize) -> ApiResult<&'a str> {
    let s = string(v, path)?;
    let n = len16(s);
    if n > max {
        return Err(ApiError::too_long(path, max, n));
    }
    Ok(s)
}

/// A URL: a non-empty string of at most [`MAX_URL`] units.
pub fn url(v: &Value, path: &str) -> ApiResult<String> {
    let s = bounded(v, path, MAX_URL)?.trim();
    if s.is_empty() {
        return Err(ApiError::body(path, "should be a non-empty URL."));
    }
    if !s.contains(':') {
        return Err(ApiError::validation(format!("Invalid URL for {path}: {s}")));
    }
    Ok(s.to_string())
}

/// An optional URL (`null` allowed).
pub fn opt_url(v: &Value, path: &str) -> ApiResult<Option<String>> {
    if v.is_null() {
        return Ok(None);
    }
    url(v, path).map(Some)
}

/// An array of at most `max` entries.
pub fn array<'a>(v: &'a Value, path: &str, max: usize) -> ApiResult<&'a Vec<Value>> {
    let a = match v {
        Value::Null => return Err(ApiError::missing(path)),
        Value::Array(a) => a,
        other => return Err(ApiError::expected(path, "an array", other)),
    };
    if a.len() > max {
        return Err(ApiError::too_long(path, max, a.len()));
    }
    Ok(a)
}

/// An optional boolean.
pub fn flag(v: &Value, path: &str, default: bool) -> ApiResult<bool> {
    match v {
        Value::Null => Ok(default),
        Value::Bool(b) => Ok(*b),
        other => Err(ApiError::expected(path, "a boolean", other)),
    }
}

/// An optional colour name.
pub fn color(v: &Value, path: &str, default: &str) -> ApiResult<String> {
    match v {
        Value::Null => Ok(default.to_string()),
        Value::String(s) if COLORS.contains(&s.as_str()) => Ok(s.clone()),
        other => Err(ApiError::expected(path, "a color name", other)),
    }
}

/// An object (or an error naming `path`).
pub fn object<'a>(v: &'a Value, path: &str) -> ApiResult<&'a serde_json::Map<String, Value>> {
    match v {
        Value::Null => Err(ApiError::missing(path)),
        Value::Object(o) => Ok(o),
        other => Err(ApiError::expected(path, "an object", other)),
    }
}
