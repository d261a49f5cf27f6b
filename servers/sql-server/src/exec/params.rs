//! Binding JSON parameters as real, typed parameters (never spliced into the SQL).
//!
//! PostgreSQL infers each `$n`'s type when the statement is prepared; the JSON value is
//! then encoded in that type's binary form (so `WHERE created_at > $1` takes
//! `"2024-01-01"` without a cast). MySQL/MariaDB and SQLite take strings, numbers and
//! booleans as they are and convert on the server. Objects and arrays are sent as JSON
//! text, except PostgreSQL array parameters, which become real arrays
//! (`WHERE id = ANY($1)` with `[1, 2, 3]`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::Value;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgTypeKind, Postgres};
use sqlx::{Encode, Type, TypeInfo};

/// A parameter already encoded in PostgreSQL's binary format for the type the server
/// inferred.
#[derive(Debug, Clone)]
pub struct PgParam {
    ty: PgTypeInfo,
    bytes: Option<Vec<u8>>,
}

impl Type<Postgres> for PgParam {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("text")
    }

    fn compatible(_ty: &PgTypeInfo) -> bool {
        true
    }
}

impl Encode<'_, Postgres> for PgParam {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        match &self.bytes {
            None => Ok(IsNull::Yes),
            Some(b) => {
                buf.extend_from_slice(b);
                Ok(IsNull::No)
            }
        }
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(self.ty.clone())
    }
}

/// Encodes parameter `index` (1-based, for messages) as `ty`.
pub fn pg(index: usize, v: &Value, ty: &PgTypeInfo) -> Result<PgParam, String> {
    let bytes = if v.is_null() {
        None
    } else {
        Some(pg_bytes(v, ty).map_err(|why| {
            format!(
                "Parameter ${index} does not fit type {}: {why}. Pass a matching value, or cast the placeholder in the SQL, e.g. (${index}::text)::{}.",
                ty.name().to_lowercase(),
                ty.name().to_lowercase()
            )
        })?)
    };
    Ok(PgParam {
        ty: ty.clone(),
        bytes,
    })
}

fn pg_bytes(v: &Value, ty: &PgTypeInfo) -> Result<Vec<u8>, String> {
    match ty.kind() {
        PgTypeKind::Domain(base) => return pg_bytes(v, base),
        PgTypeKind::Enum(_) => return Ok(text(v).into_bytes()),
        PgTypeKind::Array(elem) => return array(v, elem),
        _ => {}
    }
    let oid = ty.oid().map(|o| o.0).unwrap_or(0);
    Ok(match oid {
        16 => vec![u8::from(boolean(v)?)],
        20 => integer(v)?.to_be_bytes().to_vec(),
        21 => i16::try_from(integer(v)?)
            .map_err(|_| "out of range for smallint".to_string())?
            .to_be_bytes()
            .to_vec(),
        23 => i32::try_from(integer(v)?)
            .map_err(|_| "out of range for integer".to_string())?
            .to_be_bytes()
            .to_vec(),
        26 => u32::try_from(integer(v)?)
            .map_err(|_| "out of range for oid".to_string())?
            .to_be_bytes()
            .to_vec(),
        700 => (number(v)? as f32).to_be_bytes().to_vec(),
        701 => number(v)?.to_be_bytes().to_vec(),
        1700 => numeric(&decimal_text(v)?)?,
        17 => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(text(v).as_bytes())
                .map_err(|_| "bytea parameters are base64 strings".to_string())?
        }
        114 => json_text(v).into_bytes(),
        3802 => {
            let mut b = vec![1u8];
            b.extend(json_text(v).into_bytes());
            b
        }
        2950 => uuid::Uuid::parse_str(&text(v))
            .map_err(|e| e.to_string())?
            .as_bytes()
            .to_vec(),
        1082 => {
            let d = parse_date(&text(v))?;
            let days = (d - epoch().date()).num_days();
            i32::try_from(days)
                .map_err(|_| "date out of range".to_string())?
                .to_be_bytes()
                .to_vec()
        }
        1083 => {
            let t = parse_time(&text(v))?;
            let micros = (t - NaiveTime::MIN).num_microseconds().unwrap_or(0);
            micros.to_be_bytes().to_vec()
        }
        1114 => micros_since_epoch(parse_naive_timestamp(&text(v))?)?
            .to_be_bytes()
            .to_vec(),
        1184 => micros_since_epoch(parse_utc_timestamp(&text(v))?)?
            .to_be_bytes()
            .to_vec(),
        // Text-like types (text, varchar, char, name, unknown, xml, citext, …) and any
        // type that accepts its text form in binary (enums): send the text.
        18 | 19 | 25 | 142 | 705 | 1042 | 1043 => text(v).into_bytes(),
        _ if ty.name().eq_ignore_ascii_case("citext") => text(v).into_bytes(),
        _ => return Err("sql-server cannot send this type".into()),
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// JSON for json/jsonb parameters: a string that holds JSON is sent as that JSON,
/// anything else as its JSON form.
fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) if serde_json::from_str::<Value>(s).is_ok() => s.clone(),
        other => other.to_string(),
    }
}

fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "on" | "1" => Ok(true),
            "false" | "f" | "no" | "off" | "0" => Ok(false),
            _ => Err(format!("`{s}` is not a boolean")),
        },
        other => Err(format!("{other} is not a boolean")),
    }
}

fn integer(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| format!("{n} is not an integer")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an integer")),
        Value::Bool(b) => Ok(i64::from(*b)),
        other => Err(format!("{other} is not an integer")),
    }
}

fn number(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not a number")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a number")),
        other => Err(format!("{other} is not a number")),
    }
}

fn decimal_text(v: &Value) -> Result<String, String> {
    match v {
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => Ok(s.trim().to_string()),
        other => Err(format!("{other} is not a decimal number")),
    }
}

/// PostgreSQL binary `numeric` from decimal text (`-12.340`, `1e3`, `NaN`).
fn numeric(s: &str) -> Result<Vec<u8>, String> {
    let bad = || format!("`{s}` is not a decimal number");
    let header = |ndigits: i16, weight: i16, sign: u16, dscale: u16| {
        let mut v = Vec::new();
        v.extend(ndigits.to_be_bytes());
        v.extend(weight.to_be_bytes());
        v.extend(sign.to_be_bytes());
        v.extend(dscale.to_be_bytes());
        v
    };
    match s.to_ascii_lowercase().as_str() {
        "nan" => return Ok(header(0, 0, 0xC000, 0)),
        "infinity" | "+infinity" | "inf" => return Ok(header(0, 0, 0xD000, 0)),
        "-infinity" | "-inf" => return Ok(header(0, 0, 0xF000, 0)),
        _ => {}
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (mantissa, exp) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().map_err(|_| bad())?),
        None => (body, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // All digits, and the position of the decimal point after applying the exponent.
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let point = int_part.len() as i64 + exp;
    let dscale = (frac_part.len() as i64 - exp).max(0);
    if dscale > 16383 || point.abs() > 131072 {
        return Err(bad());
    }
    // Pad so the point falls on a base-10000 group boundary.
    let lead = (4 - point.rem_euclid(4)) % 4;
    let mut padded: Vec<u8> = std::iter::repeat_n(0, lead as usize).collect();
    padded.extend(&digits);
    let int_groups = (point + lead) / 4;
    while !padded.len().is_multiple_of(4) {
        padded.push(0);
    }
    let mut groups: Vec<i16> = padded
        .chunks(4)
        .map(|c| c.iter().fold(0i16, |acc, d| acc * 10 + i16::from(*d)))
        .collect();
    let mut weight = int_groups - 1;
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let mut out = header(
        groups.len() as i16,
        weight as i16,
        if neg && !groups.is_empty() { 0x4000 } else { 0 },
        dscale as u16,
    );
    for g in groups {
        out.extend(g.to_be_bytes());
    }
    Ok(out)
}

fn array(v: &Value, elem: &PgTypeInfo) -> Result<Vec<u8>, String> {
    let Value::Array(items) = v else {
        return Err("expected a JSON array".into());
    };
    let elem_oid = elem
        .oid()
        .map(|o| o.0)
        .ok_or_else(|| "unknown element type".to_string())?;
    let mut out = Vec::new();
    out.extend(1i32.to_be_bytes());
    out.extend(i32::from(items.iter().any(Value::is_null)).to_be_bytes());
    out.extend(elem_oid.to_be_bytes());
    out.extend((items.len() as i32).to_be_bytes());
    out.extend(1i32.to_be_bytes());
    for item in items {
        if item.is_null() {
            out.extend((-1i32).to_be_bytes());
        } else {
            let b = pg_bytes(item, elem)?;
            out.extend((b.len() as i32).to_be_bytes());
            out.extend(b);
        }
    }
    Ok(out)
}

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid epoch")
}

fn micros_since_epoch(t: NaiveDateTime) -> Result<i64, String> {
    (t - epoch())
        .num_microseconds()
        .ok_or_else(|| "timestamp out of range".to_string())
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date (use YYYY-MM-DD)"))
}

fn parse_time(s: &str) -> Result<NaiveTime, String> {
    let s = s.trim();
    ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(s, f).ok())
        .ok_or_else(|| format!("`{s}` is not a time (use HH:MM:SS)"))
}

fn parse_naive_timestamp(s: &str) -> Result<NaiveDateTime, String> {
    let s = s.trim();
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| parse_date(s).ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
    .ok_or_else(|| format!("`{s}` is not a timestamp (use YYYY-MM-DDTHH:MM:SS)"))
}

/// A timestamp with an offset (RFC 3339) in UTC; one without is taken as UTC.
fn parse_utc_timestamp(s: &str) -> Result<NaiveDateTime, String> {
    let t = s.trim();
    DateTime::parse_from_rfc3339(t)
        .or_else(|_| DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .map(|d| d.naive_utc())
        .or_else(|_| parse_naive_timestamp(t))
        .map_err(|_| format!("`{s}` is not a timestamp (use 2024-01-31T12:00:00Z)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes, then decodes with the renderer: the round trip must keep every digit.
    fn numeric_text(s: &str) -> String {
        crate::render::pg::decode_numeric_for_tests(&numeric(s).unwrap())
    }

    #[test]
    fn numerics_round_trip() {
        for (input, shown) in [
            ("12345.678", "12345.678"),
            ("-0.0001", "-0.0001"),
            ("0", "0"),
            ("10000", "10000"),
            ("1e3", "1000"),
            ("1.5e-2", "0.015"),
            (
                "98765432109876543210.123456789",
                "98765432109876543210.123456789",
            ),
            ("NaN", "NaN"),
        ] {
            assert_eq!(numeric_text(input), shown, "{input}");
        }
        assert!(numeric("12a").is_err());
        assert!(numeric("").is_err());
    }

    #[test]
    fn timestamps_parse_common_forms() {
        assert!(parse_utc_timestamp("2024-01-31T12:00:00Z").is_ok());
        assert!(parse_utc_timestamp("2024-01-31T12:00:00+02:00").is_ok());
        assert!(parse_utc_timestamp("2024-01-31 12:00:00").is_ok());
        assert!(parse_utc_timestamp("2024-01-31").is_ok());
        assert!(parse_naive_timestamp("yesterday").is_err());
        assert_eq!(
            parse_utc_timestamp("2024-01-31T12:00:00+02:00").unwrap(),
            parse_naive_timestamp("2024-01-31T10:00:00").unwrap()
        );
    }

    #[test]
    fn booleans_accept_common_spellings() {
        assert!(boolean(&Value::String("yes".into())).unwrap());
        assert!(!boolean(&serde_json::json!(0)).unwrap());
        assert!(boolean(&serde_json::json!("maybe")).is_err());
    }
}
