//! Timestamps as GitHub writes them: ISO 8601 in UTC (`2025-01-06T09:00:00Z`) in
//! bodies, HTTP dates (`Mon, 06 Jan 2025 09:00:00 GMT`) in `last-modified`.
//! Times are whole seconds since the Unix epoch.

use crate::clock::{civil_from_days as civil, days_from_civil};

/// Now, in seconds since the epoch.
pub fn now() -> i64 {
    crate::clock::now()
}

/// `2025-01-06T09:00:00Z`.
pub fn iso(t: i64) -> String {
    let (y, m, d) = civil(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `Mon, 06 Jan 2025 09:00:00 GMT`.
pub fn http_date(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let (y, m, d) = civil(days);
    let s = t.rem_euclid(86_400);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[(days + 4).rem_euclid(7) as usize];
    format!(
        "{weekday}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        MONTHS[m as usize - 1],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.frac]]` with `Z`, an offset or
/// nothing (UTC).
pub fn parse_iso(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_at(text.len().min(10));
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut t = days_from_civil(y, m, d) * 86_400;
    let Some(time) = rest.strip_prefix(['T', ' ']) else {
        return rest.is_empty().then_some(t);
    };
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let mut fields = clock.split(':');
    let h: i64 = fields.next()?.parse().ok()?;
    let min: i64 = fields.next()?.parse().ok()?;
    let sec: i64 = match fields.next() {
        Some(s) => s.split('.').next()?.parse().ok()?,
        None => 0,
    };
    t += h * 3600 + min * 60 + sec;
    if let Some(sign) = offset.strip_prefix(['+', '-']).map(|_| &offset[..1]) {
        let digits: String = offset[1..].chars().filter(char::is_ascii_digit).collect();
        let oh: i64 = digits.get(..2)?.parse().ok()?;
        let om: i64 = digits.get(2..4).unwrap_or("0").parse().ok()?;
        let shift = oh * 3600 + om * 60;
        t += if sign == "+" { -shift } else { shift };
    }
    Some(t)
}

/// Parses an HTTP date (`Mon, 06 Jan 2025 09:00:00 GMT`).
pub fn parse_http_date(text: &str) -> Option<i64> {
    let mut words = text.split_whitespace().skip(1);
    let d: u32 = words.next()?.parse().ok()?;
    let month = words.next()?;
    let m = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(month))? as u32 + 1;
    let y: i64 = words.next()?.parse().ok()?;
    let mut clock = words.next()?.split(':').map(|x| x.parse::<i64>().ok());
    let (h, min, s) = (clock.next()??, clock.next()??, clock.next()??);
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = parse_iso("2025-01-06T09:00:00Z").unwrap();
        assert_eq!(iso(t), "2025-01-06T09:00:00Z");
        assert_eq!(http_date(t), "Mon, 06 Jan 2025 09:00:00 GMT");
        assert_eq!(parse_http_date(&http_date(t)), Some(t));
        assert_eq!(parse_iso("2025-01-06"), Some(t - 9 * 3600));
        assert_eq!(parse_iso("2025-01-06T10:00:00+01:00"), Some(t));
        assert_eq!(
            parse_iso("2024-02-29T00:00:00.123Z").map(iso).unwrap(),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_iso("yesterday"), None);
    }
}
