//! Timestamps as Notion writes them: ISO 8601 in UTC, rounded down to the minute
//! (`2025-06-02T09:15:00.000Z`).

use crate::clock::{civil_from_days, days_from_civil};

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    crate::clock::now()
}

/// `YYYY-MM-DDTHH:MM:00.000Z` for a Unix time (rounded down to the minute).
pub fn iso_minute(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:00.000Z",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// The Unix time of a UTC date and time.
pub fn unix_of(y: i64, m: u32, d: u32, hh: u32, mm: u32) -> i64 {
    days_from_civil(y, m, d) * 86_400 + i64::from(hh) * 3600 + i64::from(mm) * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_round_trips() {
        assert_eq!(iso_minute(0), "1970-01-01T00:00:00.000Z");
        let t = unix_of(2025, 6, 2, 9, 15);
        assert_eq!(iso_minute(t + 59), "2025-06-02T09:15:00.000Z");
        assert_eq!(
            iso_minute(unix_of(2024, 2, 29, 23, 59)),
            "2024-02-29T23:59:00.000Z"
        );
    }
}
