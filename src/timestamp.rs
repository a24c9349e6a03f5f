//! ISO 8601 / RFC 3339 timestamps <-> Unix milliseconds, with no clock and
//! no dependencies.
//!
//! The payload's `timestamp` is the only time a webhook carries (the
//! signature covers no delivery time), so the replay window reads it with
//! [`parse_millis`]. [`format_millis`] prints what JavaScript's
//! `new Date(ms).toISOString()` prints, so Rust-built payloads look like the
//! sender's. [`timestamp_now`] reads the system clock, and is missing on
//! wasm32, where `SystemTime::now` panics on `wasm32-unknown-unknown`:
//! there callers pass the current time in.

/// Milliseconds in one civil day (no leap seconds, as in JavaScript).
const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_HOUR: i64 = 3_600_000;
const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_SECOND: i64 = 1_000;

/// Days in a 400-year Gregorian era, the period of the calendar.
const DAYS_PER_ERA: i64 = 146_097;
/// Days from 0000-03-01 to 1970-01-01: shifts the era arithmetic to Unix time.
const UNIX_EPOCH_DAY_OFFSET: i64 = 719_468;

/// `toISOString` prints years 0..=9999 with four digits and any other year
/// as a sign and six digits.
const FOUR_DIGIT_YEARS: std::ops::RangeInclusive<i64> = 0..=9999;

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into Unix milliseconds.
///
/// The fraction may have any number of digits; it is truncated to
/// milliseconds. `T` and `Z` may be lower case. A time zone is required
/// (a zone-less time is ambiguous), and every field is range-checked:
/// month 13, February 30 in a common year, hour 24 or a leap second give
/// `None`.
///
/// ```
/// use promptfoo_webhooks::timestamp::parse_millis;
///
/// assert_eq!(parse_millis("2025-03-14T12:34:56Z"), Some(1_741_955_696_000));
/// assert_eq!(parse_millis("2025-03-14T13:34:56.1239+01:00"), Some(1_741_955_696_123));
/// assert_eq!(parse_millis("2025-02-29T00:00:00Z"), None);
/// assert_eq!(parse_millis("2025-03-14T12:34:56"), None);
/// ```
#[must_use]
pub fn parse_millis(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    // Fixed part: "YYYY-MM-DDTHH:MM:SS" is 19 bytes.
    if b.len() < 20 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    let at = |i: usize| b.get(i).copied();
    let separators_ok = at(4) == Some(b'-')
        && at(7) == Some(b'-')
        && matches!(at(10), Some(b'T' | b't'))
        && at(13) == Some(b':')
        && at(16) == Some(b':');
    if !separators_ok
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }

    let mut rest = b.get(19..)?;
    let mut millis = 0;
    if let Some((b'.', fraction)) = rest.split_first() {
        let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        // First three digits, right-padded: ".5" is 500 ms; later digits are dropped.
        for i in 0..3 {
            millis = millis * 10 + fraction.get(i).filter(|_| i < len).map_or(0, |d| i64::from(d - b'0'));
        }
        rest = fraction.get(len..)?;
    }

    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2], 0, 2)?;
            let minutes = digits(&[*m1, *m2], 0, 2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };

    let local = days_from_civil(year, month, day) * MS_PER_DAY
        + hour * MS_PER_HOUR
        + minute * MS_PER_MINUTE
        + second * MS_PER_SECOND
        + millis;
    // "+01:00" means local time is one hour ahead of UTC.
    Some(local - offset_minutes * MS_PER_MINUTE)
}

/// The system clock's current time as [`format_millis`] prints it: the
/// `timestamp` for an event built now.
///
/// ```
/// use promptfoo_webhooks::{timestamp::{parse_millis, timestamp_now}, Event, Issue};
///
/// let event = Event::issue_created(Issue::new("issue-1"), timestamp_now());
/// assert!(parse_millis(&event.timestamp).is_some_and(|sent| sent > 1_741_955_696_000));
/// ```
#[cfg(not(target_arch = "wasm32"))]
#[must_use]
pub fn timestamp_now() -> String {
    format_millis(now_millis())
}

/// The system clock in Unix milliseconds (before 1970: negative).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn now_millis() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// Formats Unix milliseconds exactly as JavaScript's
/// `new Date(ms).toISOString()`: `YYYY-MM-DDTHH:MM:SS.mmmZ`, always with
/// milliseconds and `Z`.
///
/// Years outside 0..=9999 use the expanded form `±YYYYYY`, as JavaScript
/// does. (JavaScript throws beyond ±8.64e15 ms; this function keeps
/// formatting the proleptic Gregorian date instead of failing.)
///
/// ```
/// use promptfoo_webhooks::timestamp::{format_millis, parse_millis};
///
/// assert_eq!(format_millis(1_741_955_696_000), "2025-03-14T12:34:56.000Z");
/// assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
/// let ms = parse_millis("2024-02-29T23:59:59.5Z").unwrap();
/// assert_eq!(format_millis(ms), "2024-02-29T23:59:59.500Z");
/// ```
#[must_use]
pub fn format_millis(ms: i64) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let time = format!(
        "{:02}:{:02}:{:02}.{:03}Z",
        in_day / MS_PER_HOUR,
        in_day % MS_PER_HOUR / MS_PER_MINUTE,
        in_day % MS_PER_MINUTE / MS_PER_SECOND,
        in_day % MS_PER_SECOND
    );
    let year = if FOUR_DIGIT_YEARS.contains(&year) {
        format!("{year:04}")
    } else if year < 0 {
        format!("-{:06}", year.unsigned_abs())
    } else {
        format!("+{year:06}")
    };
    format!("{year}-{month:02}-{day:02}T{time}")
}

/// The unsigned decimal number in `b[start..start + len]`, if all digits.
fn digits(b: &[u8], start: usize, len: usize) -> Option<i64> {
    let slice = b.get(start..start + len)?;
    slice.iter().try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`): years start in March so the leap day falls last.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let shifted_month = (month + 9) % 12; // March = 0 ... February = 11
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - UNIX_EPOCH_DAY_OFFSET
}

/// The inverse of [`days_from_civil`]: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + UNIX_EPOCH_DAY_OFFSET;
    let era = z.div_euclid(DAYS_PER_ERA);
    let day_of_era = z - era * DAYS_PER_ERA;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_millis("2025-03-14T12:34:56Z"), Some(1_741_955_696_000));
        assert_eq!(parse_millis("2025-03-14T12:34:56.789Z"), Some(1_741_955_696_789));
        assert_eq!(parse_millis("2025-03-14t12:34:56z"), Some(1_741_955_696_000));
        assert_eq!(parse_millis("2025-03-14T12:34:56.7Z"), Some(1_741_955_696_700));
        // Extra fraction digits are truncated, not rounded.
        assert_eq!(parse_millis("2025-03-14T12:34:56.999999999Z"), Some(1_741_955_696_999));
    }

    #[test]
    fn applies_offsets() {
        let utc = parse_millis("2025-03-14T12:34:56Z");
        assert_eq!(parse_millis("2025-03-14T14:34:56+02:00"), utc);
        assert_eq!(parse_millis("2025-03-14T07:04:56-05:30"), utc);
        assert_eq!(parse_millis("2025-03-15T00:34:56+12:00"), utc);
        assert_eq!(parse_millis("2025-03-14T12:34:56-00:00"), utc);
    }

    #[test]
    fn rejects_invalid_timestamps() {
        for bad in [
            "",
            "2025-03-14",
            "2025-03-14T12:34:56",       // no zone
            "2025-13-01T00:00:00Z",      // month 13
            "2025-00-01T00:00:00Z",      // month 0
            "2025-02-30T00:00:00Z",      // Feb 30
            "2025-02-29T00:00:00Z",      // not a leap year
            "1900-02-29T00:00:00Z",      // century, not a leap year
            "2025-04-31T00:00:00Z",      // April has 30 days
            "2025-03-00T00:00:00Z",      // day 0
            "2025-03-14T24:00:00Z",      // hour 24
            "2025-03-14T12:60:00Z",      // minute 60
            "2025-03-14T12:34:60Z",      // leap second
            "2025-03-14T12:34:56.Z",     // empty fraction
            "2025-03-14T12:34:56+0200",  // offset without colon
            "2025-03-14T12:34:56+24:00", // offset hour 24
            "2025-03-14T12:34:56+02:60", // offset minute 60
            "2025-03-14 12:34:56Z",      // space separator
            "2025/03/14T12:34:56Z",
            "+2025-03-14T12:34:56Z",
            "2025-03-14T12:34:56ZZ",
            "2025-03-14T12:34:56.123Zjunk",
            "2025-3-14T12:34:56Z",
            "2025-03-14T1a:34:56Z",
            "２０２５-03-14T12:34:56Z", // non-ASCII digits
        ] {
            assert_eq!(parse_millis(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn accepts_leap_days() {
        assert!(parse_millis("2024-02-29T00:00:00Z").is_some());
        assert!(parse_millis("2000-02-29T00:00:00Z").is_some());
        assert!(parse_millis("1600-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_millis(-62_167_219_200_000), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_millis(-62_167_219_200_001), "-000001-12-31T23:59:59.999Z");
        assert_eq!(format_millis(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_millis(253_402_300_800_000), "+010000-01-01T00:00:00.000Z");
        // The limits of a JS Date.
        assert_eq!(format_millis(8_640_000_000_000_000), "+275760-09-13T00:00:00.000Z");
        assert_eq!(format_millis(-8_640_000_000_000_000), "-271821-04-20T00:00:00.000Z");
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let _ = format_millis(i64::MAX);
        let _ = format_millis(i64::MIN);
    }

    #[test]
    fn round_trips_every_day_over_several_eras() {
        // Every day from 1600 to 2400 crosses all leap-year rules.
        let start = days_from_civil(1600, 1, 1);
        let end = days_from_civil(2400, 12, 31);
        for days in start..=end {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d >= 1 && d <= days_in_month(y, m));
            let ms = days * MS_PER_DAY + 45_296_789; // 12:34:56.789
            assert_eq!(parse_millis(&format_millis(ms)), Some(ms));
        }
    }

    #[test]
    fn round_trips_negative_and_sub_second_times() {
        for ms in [-1, -999, -1000, -86_400_001, 1, 999, 1_741_955_696_123] {
            assert_eq!(parse_millis(&format_millis(ms)), Some(ms), "{ms}");
        }
    }
}
