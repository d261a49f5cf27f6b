//! PostgreSQL values from the binary wire format, by type OID (see [`super`] for the
//! JSON rules). Arrays, ranges, composites, enums and domains are followed to their
//! element types; a type this module does not know comes back as text when UTF-8.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Map, Value};
use sqlx::postgres::{PgTypeInfo, PgTypeKind, PgValueFormat, PgValueRef};
use sqlx::{TypeInfo, ValueRef};

use super::{bytes, float, float32, fraction, int, json_text, text_or_bytes, uint};

/// One column value as JSON.
pub fn value(v: PgValueRef<'_>, ty: &PgTypeInfo) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    let Ok(raw) = v.as_bytes() else {
        return Value::Null;
    };
    if v.format() == PgValueFormat::Text {
        return text_or_bytes(raw);
    }
    decode(raw, ty)
}

/// Decodes binary `raw` of type `ty`.
pub fn decode(raw: &[u8], ty: &PgTypeInfo) -> Value {
    match ty.kind() {
        PgTypeKind::Domain(base) => return decode(raw, base),
        PgTypeKind::Enum(_) => return text_or_bytes(raw),
        PgTypeKind::Array(_) => return array(raw).unwrap_or_else(|| bytes(raw)),
        PgTypeKind::Range(elem) => return range(raw, Some(elem)).unwrap_or_else(|| bytes(raw)),
        PgTypeKind::Composite(fields) => {
            return composite(raw, Some(fields)).unwrap_or_else(|| bytes(raw));
        }
        PgTypeKind::Simple | PgTypeKind::Pseudo => {}
    }
    let oid = ty.oid().map(|o| o.0).unwrap_or(0);
    decode_oid(raw, oid).unwrap_or_else(|| fallback(raw, ty.name()))
}

/// Text when the bytes are printable UTF-8, else base64.
fn fallback(raw: &[u8], _type_name: &str) -> Value {
    match std::str::from_utf8(raw) {
        Ok(s)
            if !s
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            Value::String(s.to_string())
        }
        _ => bytes(raw),
    }
}

fn be<const N: usize>(raw: &[u8], at: usize) -> Option<[u8; N]> {
    raw.get(at..at + N)?.try_into().ok()
}

fn i16_at(raw: &[u8], at: usize) -> Option<i16> {
    be::<2>(raw, at).map(i16::from_be_bytes)
}

fn i32_at(raw: &[u8], at: usize) -> Option<i32> {
    be::<4>(raw, at).map(i32::from_be_bytes)
}

fn u32_at(raw: &[u8], at: usize) -> Option<u32> {
    be::<4>(raw, at).map(u32::from_be_bytes)
}

fn i64_at(raw: &[u8], at: usize) -> Option<i64> {
    be::<8>(raw, at).map(i64::from_be_bytes)
}

/// Built-in types by OID; `None` when unknown or malformed.
fn decode_oid(raw: &[u8], oid: u32) -> Option<Value> {
    Some(match oid {
        16 => Value::Bool(*raw.first()? != 0),
        17 => bytes(raw),
        18 | 19 | 25 | 142 | 705 | 1042 | 1043 => text_or_bytes(raw),
        20 => int(i64_at(raw, 0)?),
        21 => int(i64::from(i16_at(raw, 0)?)),
        23 => int(i64::from(i32_at(raw, 0)?)),
        // oid, regproc, xid, cid, regclass, regtype, … are unsigned 32-bit ids.
        24 | 26 | 28 | 29 | 2202..=2206 | 3734 | 3769 | 4089 | 4096 => {
            uint(u64::from(u32_at(raw, 0)?))
        }
        114 => json_text(raw),
        3802 => json_text(raw.get(1..)?),
        4072 => text_or_bytes(raw.get(1..)?),
        700 => float32(f32::from_be_bytes(be::<4>(raw, 0)?)),
        701 => float(f64::from_be_bytes(be::<8>(raw, 0)?)),
        790 => Value::String(money(i64_at(raw, 0)?)),
        1700 => Value::String(numeric(raw)?),
        2950 => Value::String(uuid::Uuid::from_bytes(be::<16>(raw, 0)?).to_string()),
        1082 => Value::String(date(i32_at(raw, 0)?)),
        1083 => Value::String(time(i64_at(raw, 0)?)?),
        1266 => Value::String(timetz(i64_at(raw, 0)?, i32_at(raw, 8)?)?),
        1114 => Value::String(timestamp(i64_at(raw, 0)?, false)),
        1184 => Value::String(timestamp(i64_at(raw, 0)?, true)),
        1186 => Value::String(interval(i64_at(raw, 0)?, i32_at(raw, 8)?, i32_at(raw, 12)?)),
        829 | 774 => Value::String(
            raw.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":"),
        ),
        650 | 869 => Value::String(inet(raw)?),
        1560 | 1562 => Value::String(bits(raw)?),
        2249 => composite(raw, None)?,
        // Built-in range types: int4range, numrange, tsrange, tstzrange, daterange, int8range.
        3904 => range_of(raw, 23)?,
        3906 => range_of(raw, 1700)?,
        3908 => range_of(raw, 1114)?,
        3910 => range_of(raw, 1184)?,
        3912 => range_of(raw, 1082)?,
        3926 => range_of(raw, 20)?,
        _ => return None,
    })
}

/// An element known only by its OID (inside arrays, records and ranges).
fn decode_elem(raw: &[u8], oid: u32) -> Value {
    decode_oid(raw, oid).unwrap_or_else(|| fallback(raw, ""))
}

/// `money`: an integer number of cents (assuming the usual two fractional digits).
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `numeric`: base-10000 digits with a weight, sign and display scale.
fn numeric(raw: &[u8]) -> Option<String> {
    let ndigits = i16_at(raw, 0)? as usize;
    let weight = i16_at(raw, 2)? as i32;
    let sign = u16::from_be_bytes(be::<2>(raw, 4)?);
    let dscale = u16::from_be_bytes(be::<2>(raw, 6)?) as usize;
    match sign {
        0xC000 => return Some("NaN".into()),
        0xD000 => return Some("Infinity".into()),
        0xF000 => return Some("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<i32> = (0..ndigits)
        .map(|k| i16_at(raw, 8 + 2 * k).map(i32::from))
        .collect::<Option<_>>()?;
    let mut int_part = String::new();
    if weight < 0 {
        int_part.push('0');
    } else {
        for k in 0..=weight {
            let d = digits.get(k as usize).copied().unwrap_or(0);
            if k == 0 {
                int_part.push_str(&d.to_string());
            } else {
                int_part.push_str(&format!("{d:04}"));
            }
        }
    }
    let mut frac = String::new();
    let mut k = weight + 1;
    while frac.len() < dscale {
        let d = if k < 0 {
            0
        } else {
            digits.get(k as usize).copied().unwrap_or(0)
        };
        frac.push_str(&format!("{d:04}"));
        k += 1;
    }
    frac.truncate(dscale);
    let neg = sign == 0x4000 && (digits.iter().any(|&d| d != 0));
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&int_part);
    if dscale > 0 {
        out.push('.');
        out.push_str(&frac);
    }
    Some(out)
}

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid epoch")
}

fn date(days: i32) -> String {
    match days {
        i32::MAX => "infinity".into(),
        i32::MIN => "-infinity".into(),
        d => epoch()
            .date()
            .checked_add_signed(Duration::days(i64::from(d)))
            .map_or_else(|| format!("{d} days from 2000-01-01"), |d| d.to_string()),
    }
}

fn time(micros: i64) -> Option<String> {
    let secs = micros.div_euclid(1_000_000);
    let us = micros.rem_euclid(1_000_000) as u32;
    if secs == 86_400 {
        return Some(format!("24:00:00{}", fraction(us)));
    }
    let t = NaiveTime::from_num_seconds_from_midnight_opt(secs as u32, 0)?;
    Some(format!("{}{}", t.format("%H:%M:%S"), fraction(us)))
}

fn timetz(micros: i64, west_secs: i32) -> Option<String> {
    let east = -west_secs;
    let sign = if east < 0 { '-' } else { '+' };
    let abs = east.unsigned_abs();
    Some(format!(
        "{}{sign}{:02}:{:02}",
        time(micros)?,
        abs / 3600,
        (abs % 3600) / 60
    ))
}

fn timestamp(micros: i64, utc: bool) -> String {
    match micros {
        i64::MAX => return "infinity".into(),
        i64::MIN => return "-infinity".into(),
        _ => {}
    }
    let secs = micros.div_euclid(1_000_000);
    let us = micros.rem_euclid(1_000_000) as u32;
    match epoch().checked_add_signed(Duration::seconds(secs)) {
        Some(t) => format!(
            "{}{}{}",
            t.format("%Y-%m-%dT%H:%M:%S"),
            fraction(us),
            if utc { "Z" } else { "" }
        ),
        None => format!("{micros} microseconds from 2000-01-01"),
    }
}

/// ISO 8601 duration, e.g. `P1Y2M3DT4H5M6.5S`; `PT0S` for zero.
fn interval(micros: i64, days: i32, months: i32) -> String {
    let mut out = String::from("P");
    let (years, months) = (months / 12, months % 12);
    for (n, unit) in [(years, 'Y'), (months, 'M'), (days, 'D')] {
        if n != 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if micros != 0 {
        out.push('T');
        let neg = micros < 0;
        let abs = micros.unsigned_abs();
        let (h, rest) = (abs / 3_600_000_000, abs % 3_600_000_000);
        let (m, rest) = (rest / 60_000_000, rest % 60_000_000);
        let (s, us) = (rest / 1_000_000, (rest % 1_000_000) as u32);
        let sign = if neg { "-" } else { "" };
        if h != 0 {
            out.push_str(&format!("{sign}{h}H"));
        }
        if m != 0 {
            out.push_str(&format!("{sign}{m}M"));
        }
        if s != 0 || us != 0 {
            out.push_str(&format!("{sign}{s}{}S", fraction(us)));
        }
    }
    if out == "P" {
        out.push_str("T0S");
    }
    out
}

fn inet(raw: &[u8]) -> Option<String> {
    let family = *raw.first()?;
    let bits = *raw.get(1)?;
    let is_cidr = *raw.get(2)? != 0;
    let len = *raw.get(3)? as usize;
    let addr = raw.get(4..4 + len)?;
    let (text, full) = match (family, len) {
        (2, 4) => (
            std::net::Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]).to_string(),
            32,
        ),
        (3, 16) => (
            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(addr).ok()?).to_string(),
            128,
        ),
        _ => return None,
    };
    Some(if is_cidr || bits != full {
        format!("{text}/{bits}")
    } else {
        text
    })
}

fn bits(raw: &[u8]) -> Option<String> {
    let n = i32_at(raw, 0)? as usize;
    let data = raw.get(4..)?;
    Some(
        (0..n)
            .map(|i| {
                if data.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0) {
                    '1'
                } else {
                    '0'
                }
            })
            .collect(),
    )
}

/// Binary array: dimensions, element OID, then length-prefixed elements.
fn array(raw: &[u8]) -> Option<Value> {
    let ndim = i32_at(raw, 0)?;
    let elem = u32_at(raw, 8)?;
    if ndim == 0 {
        return Some(Value::Array(Vec::new()));
    }
    if !(1..=6).contains(&ndim) {
        return None;
    }
    let dims: Vec<usize> = (0..ndim as usize)
        .map(|d| i32_at(raw, 12 + 8 * d).map(|n| n.max(0) as usize))
        .collect::<Option<_>>()?;
    let mut at = 12 + 8 * ndim as usize;
    let total: usize = dims.iter().product();
    let mut flat = Vec::with_capacity(total.min(1 << 16));
    for _ in 0..total {
        let len = i32_at(raw, at)?;
        at += 4;
        if len < 0 {
            flat.push(Value::Null);
        } else {
            let v = raw.get(at..at + len as usize)?;
            at += len as usize;
            flat.push(decode_elem(v, elem));
        }
    }
    Some(nest(&mut flat.into_iter(), &dims))
}

fn nest(items: &mut impl Iterator<Item = Value>, dims: &[usize]) -> Value {
    match dims {
        [] => items.next().unwrap_or(Value::Null),
        [n] => Value::Array(items.take(*n).collect()),
        [n, rest @ ..] => Value::Array((0..*n).map(|_| nest(items, rest)).collect()),
    }
}

/// Binary composite (row) values: an object when field names are known, else an array.
fn composite(raw: &[u8], fields: Option<&[(String, PgTypeInfo)]>) -> Option<Value> {
    let n = i32_at(raw, 0)? as usize;
    let mut at = 4;
    let mut values = Vec::with_capacity(n.min(1024));
    for k in 0..n {
        let oid = u32_at(raw, at)?;
        let len = i32_at(raw, at + 4)?;
        at += 8;
        let v = if len < 0 {
            Value::Null
        } else {
            let b = raw.get(at..at + len as usize)?;
            at += len as usize;
            match fields.and_then(|f| f.get(k)) {
                Some((_, ty)) => decode(b, ty),
                None => decode_elem(b, oid),
            }
        };
        values.push(v);
    }
    Some(match fields {
        Some(f) if f.len() == values.len() => Value::Object(
            f.iter()
                .map(|(name, _)| name.clone())
                .zip(values)
                .collect::<Map<_, _>>(),
        ),
        _ => Value::Array(values),
    })
}

fn range_of(raw: &[u8], elem_oid: u32) -> Option<Value> {
    range_with(raw, &|b| decode_elem(b, elem_oid))
}

fn range(raw: &[u8], elem: Option<&PgTypeInfo>) -> Option<Value> {
    match elem {
        Some(ty) => range_with(raw, &|b| decode(b, ty)),
        None => None,
    }
}

/// A range as its text form, e.g. `[1,10)` or `empty`.
fn range_with(raw: &[u8], elem: &dyn Fn(&[u8]) -> Value) -> Option<Value> {
    let flags = *raw.first()?;
    if flags & 0x01 != 0 {
        return Some(Value::String("empty".into()));
    }
    let mut at = 1;
    let mut bound = |infinite: bool| -> Option<String> {
        if infinite {
            return Some(String::new());
        }
        let len = i32_at(raw, at)? as usize;
        let b = raw.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some(match elem(b) {
            Value::String(s) => s,
            other => other.to_string(),
        })
    };
    let lower = bound(flags & 0x08 != 0)?;
    let upper = bound(flags & 0x10 != 0)?;
    Some(Value::String(format!(
        "{}{lower},{upper}{}",
        if flags & 0x02 != 0 { '[' } else { '(' },
        if flags & 0x04 != 0 { ']' } else { ')' }
    )))
}

#[cfg(test)]
pub(crate) fn decode_numeric_for_tests(raw: &[u8]) -> String {
    numeric(raw).expect("valid numeric")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn numeric_bytes(ndigits: i16, weight: i16, sign: u16, dscale: u16, digits: &[i16]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(ndigits.to_be_bytes());
        v.extend(weight.to_be_bytes());
        v.extend(sign.to_be_bytes());
        v.extend(dscale.to_be_bytes());
        for d in digits {
            v.extend(d.to_be_bytes());
        }
        v
    }

    #[test]
    fn numerics_keep_every_digit() {
        // 12345.678 = [1, 2345, 6780] weight 1 scale 3
        assert_eq!(
            numeric(&numeric_bytes(3, 1, 0, 3, &[1, 2345, 6780])).unwrap(),
            "12345.678"
        );
        // -0.0001 = [1] weight -1 scale 4
        assert_eq!(
            numeric(&numeric_bytes(1, -1, 0x4000, 4, &[1])).unwrap(),
            "-0.0001"
        );
        // 0.00 with no digits
        assert_eq!(numeric(&numeric_bytes(0, 0, 0, 2, &[])).unwrap(), "0.00");
        // 10000 = [1] weight 1 scale 0
        assert_eq!(numeric(&numeric_bytes(1, 1, 0, 0, &[1])).unwrap(), "10000");
        assert_eq!(
            numeric(&numeric_bytes(0, 0, 0xC000, 0, &[])).unwrap(),
            "NaN"
        );
        // 12345678901234567890.5 = [1234, 5678, 9012, 3456, 7890, 5000] weight 4 scale 1
        assert_eq!(
            numeric(&numeric_bytes(
                6,
                4,
                0,
                1,
                &[1234, 5678, 9012, 3456, 7890, 5000]
            ))
            .unwrap(),
            "12345678901234567890.5"
        );
    }

    #[test]
    fn dates_and_times_are_iso() {
        assert_eq!(date(0), "2000-01-01");
        assert_eq!(date(-1), "1999-12-31");
        assert_eq!(date(i32::MAX), "infinity");
        assert_eq!(timestamp(1_500_000, true), "2000-01-01T00:00:01.5Z");
        assert_eq!(timestamp(-1, false), "1999-12-31T23:59:59.999999");
        assert_eq!(time(3_600_000_000 + 250_000).unwrap(), "01:00:00.25");
        assert_eq!(timetz(0, -3600).unwrap(), "00:00:00+01:00");
        assert_eq!(interval(0, 3, 14), "P1Y2M3D");
        assert_eq!(interval(3_723_500_000, 0, 0), "PT1H2M3.5S");
        assert_eq!(interval(0, 0, 0), "PT0S");
    }

    #[test]
    fn arrays_nest_by_dimension() {
        // int4[][] = {{1,2},{3,NULL}}
        let mut raw = Vec::new();
        raw.extend(2i32.to_be_bytes());
        raw.extend(1i32.to_be_bytes());
        raw.extend(23u32.to_be_bytes());
        for _ in 0..2 {
            raw.extend(2i32.to_be_bytes());
            raw.extend(1i32.to_be_bytes());
        }
        for v in [Some(1i32), Some(2), Some(3), None] {
            match v {
                Some(v) => {
                    raw.extend(4i32.to_be_bytes());
                    raw.extend(v.to_be_bytes());
                }
                None => raw.extend((-1i32).to_be_bytes()),
            }
        }
        assert_eq!(array(&raw).unwrap(), json!([[1, 2], [3, null]]));
    }

    #[test]
    fn money_and_inet() {
        assert_eq!(money(-1234), "-12.34");
        assert_eq!(inet(&[2, 32, 0, 4, 10, 0, 0, 1]).unwrap(), "10.0.0.1");
        assert_eq!(inet(&[2, 24, 1, 4, 10, 0, 0, 0]).unwrap(), "10.0.0.0/24");
    }
}
