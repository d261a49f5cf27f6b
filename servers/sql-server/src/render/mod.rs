//! Turning database values into JSON that a model can read without losing anything.
//!
//! The rules, the same for every engine:
//! - NULL is `null`; booleans are `true`/`false`.
//! - Integers are JSON numbers when |n| ≤ 2^53 − 1 (exact in every JSON reader), else
//!   strings with all their digits: `9223372036854775807` comes back as
//!   `"9223372036854775807"`.
//! - Exact decimals (NUMERIC/DECIMAL, MONEY) are strings with every digit kept:
//!   `"12.50"`, `"-0.000001"`, `"NaN"`.
//! - Floats are numbers; NaN and ±infinity are the strings `"NaN"`, `"Infinity"`,
//!   `"-Infinity"`.
//! - Dates and times are ISO 8601 strings: `2024-03-01`, `13:45:00.25`,
//!   `2024-03-01T13:45:00`, timestamps with a time zone in UTC with `Z`, intervals as
//!   ISO 8601 durations (`P1Y2M3DT4H5M6S`).
//! - UUIDs are strings; JSON columns are JSON values; arrays are JSON arrays; bytes
//!   are base64 strings (standard alphabet, padded).
//!
//! Each engine's module decodes the raw wire bytes itself (PostgreSQL and MySQL binary
//! protocols, SQLite's storage classes), so no value is ever refused for its type:
//! an unknown type comes back as text when it is UTF-8, else as base64.

pub mod mysql;
pub mod pg;
pub mod sqlite;

use base64::Engine as _;
use serde_json::{Number, Value};

/// Largest integer every JSON reader holds exactly (2^53 − 1).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// A signed integer: a number when safe, else a string.
pub fn int(v: i64) -> Value {
    if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&v) {
        Value::Number(v.into())
    } else {
        Value::String(v.to_string())
    }
}

/// An unsigned integer: a number when safe, else a string.
pub fn uint(v: u64) -> Value {
    if v <= MAX_SAFE_INTEGER as u64 {
        Value::Number(v.into())
    } else {
        Value::String(v.to_string())
    }
}

/// A float: a number, or "NaN"/"Infinity"/"-Infinity".
pub fn float(v: f64) -> Value {
    match Number::from_f64(v) {
        Some(n) => Value::Number(n),
        None if v.is_nan() => Value::String("NaN".into()),
        None if v > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

/// A 32-bit float, printed with its own shortest digits (0.1f32 stays 0.1).
pub fn float32(v: f32) -> Value {
    if v.is_finite() {
        v.to_string()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or_else(|| float(f64::from(v)), Value::Number)
    } else {
        float(f64::from(v))
    }
}

/// Bytes as a base64 string.
pub fn bytes(b: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(b))
}

/// Text, or base64 when the bytes are not UTF-8.
pub fn text_or_bytes(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::String(s.to_string()),
        Err(_) => bytes(b),
    }
}

/// JSON text as a JSON value (or the text itself if it does not parse).
pub fn json_text(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap_or_else(|_| text_or_bytes(b))
}

/// Fractional seconds as `.ffffff` with trailing zeros removed (empty when zero).
pub fn fraction(micros: u32) -> String {
    if micros == 0 {
        return String::new();
    }
    let s = format!(".{micros:06}");
    s.trim_end_matches('0').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn big_integers_become_strings() {
        assert_eq!(int(42), json!(42));
        assert_eq!(int(MAX_SAFE_INTEGER), json!(9007199254740991_i64));
        assert_eq!(int(MAX_SAFE_INTEGER + 1), json!("9007199254740992"));
        assert_eq!(int(i64::MIN), json!("-9223372036854775808"));
        assert_eq!(uint(u64::MAX), json!("18446744073709551615"));
    }

    #[test]
    fn special_floats_become_strings() {
        assert_eq!(float(1.5), json!(1.5));
        assert_eq!(float(f64::NAN), json!("NaN"));
        assert_eq!(float(f64::NEG_INFINITY), json!("-Infinity"));
        assert_eq!(float32(0.1), json!(0.1));
    }

    #[test]
    fn fractions_drop_trailing_zeros() {
        assert_eq!(fraction(0), "");
        assert_eq!(fraction(250_000), ".25");
        assert_eq!(fraction(1), ".000001");
    }
}
