//! MySQL/MariaDB values from the binary (prepared statement) protocol, by column type
//! (see [`super`] for the JSON rules).
//!
//! Strings and bytes share wire types; a column is text unless its collation is
//! `binary`, which is what sqlx's `str` compatibility check tells. `TINYINT(1)` (what
//! MySQL calls BOOLEAN) becomes `true`/`false` for 0 and 1 and stays a number otherwise.

use serde_json::Value;
use sqlx::mysql::{MySql, MySqlTypeInfo, MySqlValueRef};
use sqlx::{Decode, Type, TypeInfo, ValueRef};

use super::{bytes, float, float32, fraction, int, json_text, text_or_bytes, uint};

/// Whether a string-family column carries text (not the `binary` collation).
pub fn is_text(ty: &MySqlTypeInfo) -> bool {
    <str as Type<MySql>>::compatible(ty)
}

/// The type name to show for a column: text columns are never called BLOB/BINARY.
pub fn type_name(ty: &MySqlTypeInfo) -> String {
    let name = ty.name();
    if is_text(ty) {
        match name {
            "BINARY" => "CHAR",
            "VARBINARY" => "VARCHAR",
            "TINYBLOB" => "TINYTEXT",
            "BLOB" => "TEXT",
            "MEDIUMBLOB" => "MEDIUMTEXT",
            "LONGBLOB" => "LONGTEXT",
            other => other,
        }
        .to_string()
    } else {
        name.to_string()
    }
}

/// One column value as JSON.
pub fn value(v: MySqlValueRef<'_>, ty: &MySqlTypeInfo) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    let Ok(raw) = <&[u8] as Decode<MySql>>::decode(v) else {
        return Value::Null;
    };
    decode(raw, ty).unwrap_or_else(|| text_or_bytes(raw))
}

fn le<const N: usize>(raw: &[u8]) -> Option<[u8; N]> {
    raw.get(..N)?.try_into().ok()
}

fn decode(raw: &[u8], ty: &MySqlTypeInfo) -> Option<Value> {
    let name = ty.name();
    Some(match name {
        "BOOLEAN" => match raw.first()? {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            &n => int(i64::from(n as i8)),
        },
        "TINYINT" => int(i64::from(*raw.first()? as i8)),
        "TINYINT UNSIGNED" => uint(u64::from(*raw.first()?)),
        "SMALLINT" => int(i64::from(i16::from_le_bytes(le(raw)?))),
        "SMALLINT UNSIGNED" | "YEAR" => uint(u64::from(u16::from_le_bytes(le(raw)?))),
        "INT" | "MEDIUMINT" => int(i64::from(i32::from_le_bytes(le(raw)?))),
        "INT UNSIGNED" | "MEDIUMINT UNSIGNED" => uint(u64::from(u32::from_le_bytes(le(raw)?))),
        "BIGINT" => int(i64::from_le_bytes(le(raw)?)),
        "BIGINT UNSIGNED" => uint(u64::from_le_bytes(le(raw)?)),
        "FLOAT" => float32(f32::from_le_bytes(le(raw)?)),
        "DOUBLE" => float(f64::from_le_bytes(le(raw)?)),
        "DECIMAL" => Value::String(String::from_utf8_lossy(raw).into_owned()),
        "DATE" => Value::String(date(raw)?),
        "DATETIME" => Value::String(datetime(raw, false)?),
        "TIMESTAMP" => Value::String(datetime(raw, true)?),
        "TIME" => Value::String(time(raw)?),
        "BIT" => uint(
            raw.iter()
                .take(8)
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
        ),
        "JSON" => json_text(raw),
        "GEOMETRY" => bytes(raw),
        _ if is_text(ty) => text_or_bytes(raw),
        _ => bytes(raw),
    })
}

/// `len, year(u16), month, day, …` as written by the binary protocol (length first).
fn date(raw: &[u8]) -> Option<String> {
    let len = *raw.first()?;
    if len == 0 {
        return Some("0000-00-00".into());
    }
    let year = u16::from_le_bytes(le(raw.get(1..)?)?);
    Some(format!("{year:04}-{:02}-{:02}", raw.get(3)?, raw.get(4)?))
}

fn datetime(raw: &[u8], utc: bool) -> Option<String> {
    let len = *raw.first()?;
    let day = date(raw)?;
    if len == 0 {
        return Some(format!("{day}T00:00:00"));
    }
    let (h, m, s) = if len >= 7 {
        (*raw.get(5)?, *raw.get(6)?, *raw.get(7)?)
    } else {
        (0, 0, 0)
    };
    let us = if len >= 11 {
        u32::from_le_bytes(le(raw.get(8..)?)?)
    } else {
        0
    };
    Some(format!(
        "{day}T{h:02}:{m:02}:{s:02}{}{}",
        fraction(us),
        if utc { "Z" } else { "" }
    ))
}

/// `len, negative, days(u32), h, m, s, [µs(u32)]`; hours may exceed 24 (TIME is a span).
fn time(raw: &[u8]) -> Option<String> {
    let len = *raw.first()?;
    if len == 0 {
        return Some("00:00:00".into());
    }
    let negative = *raw.get(1)? != 0;
    let days = u32::from_le_bytes(le(raw.get(2..)?)?);
    let (h, m, s) = (*raw.get(6)?, *raw.get(7)?, *raw.get(8)?);
    let us = if len >= 12 {
        u32::from_le_bytes(le(raw.get(9..)?)?)
    } else {
        0
    };
    let hours = days * 24 + u32::from(h);
    Some(format!(
        "{}{hours:02}:{m:02}:{s:02}{}",
        if negative { "-" } else { "" },
        fraction(us)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_dates_and_times() {
        assert_eq!(date(&[4, 0xE8, 0x07, 3, 1]).unwrap(), "2024-03-01");
        assert_eq!(date(&[0]).unwrap(), "0000-00-00");
        assert_eq!(
            datetime(&[7, 0xE8, 0x07, 3, 1, 13, 45, 0], false).unwrap(),
            "2024-03-01T13:45:00"
        );
        let mut with_us = vec![11, 0xE8, 0x07, 3, 1, 13, 45, 0];
        with_us.extend(250_000u32.to_le_bytes());
        assert_eq!(datetime(&with_us, true).unwrap(), "2024-03-01T13:45:00.25Z");
        let mut t = vec![8, 1];
        t.extend(1u32.to_le_bytes());
        t.extend([2, 3, 4]);
        assert_eq!(time(&t).unwrap(), "-26:03:04");
    }
}
