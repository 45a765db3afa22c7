//! Times as programs read them: ISO 8601 in UTC.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Unix seconds as ISO 8601 in UTC, e.g. `2026-11-28T14:00:00Z`. Times
/// outside what the calendar library covers come out as the raw number.
pub fn iso8601(unix: i64) -> String {
    let mut out = String::with_capacity(20);
    push_iso8601(&mut out, unix);
    out
}

/// The last second of the year 9999: RFC 3339 has four-digit years.
const LAST_RFC3339: i64 = 253_402_300_799;

/// Appends [`iso8601`]. From 1970 to 9999, the dates a listing holds, the
/// date is computed here (a civil-from-days conversion, H. Hinnant's),
/// without a calendar library's String per time; the calendar library
/// writes every other time.
pub(crate) fn push_iso8601(out: &mut String, unix: i64) {
    if !(0..=LAST_RFC3339).contains(&unix) {
        let formatted = OffsetDateTime::from_unix_timestamp(unix)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok());
        match formatted {
            Some(text) => out.push_str(&text),
            None => out.push_str(&unix.to_string()),
        }
        return;
    }
    let (days, secs) = (unix / 86_400, unix % 86_400);
    // Days since 0000-03-01, in 400-year eras; unix is not negative here.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut buf = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, width: usize, mut n: i64| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, secs / 3_600);
    put(14, 2, secs / 60 % 60);
    put(17, 2, secs % 60);
    // Only ASCII digits and separators.
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_match_the_calendar_library() {
        let library = |unix: i64| {
            OffsetDateTime::from_unix_timestamp(unix)
                .ok()
                .and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_else(|| unix.to_string())
        };
        let mut times = vec![
            -1,
            0,
            1,
            59,
            86_399,
            86_400,
            951_782_400,   // 2000-02-29
            4_107_542_400, // 2100-03-01
            LAST_RFC3339 - 1,
            LAST_RFC3339,
            LAST_RFC3339 + 1,
            -62_167_219_200,
            -62_167_219_201,
            i64::MIN,
            i64::MAX,
        ];
        // Every day for 1,200 years, at a second that moves through the day.
        times.extend((0..438_300i64).map(|d| d * 86_400 + (d * 7_919) % 86_400));
        // And every few thousand seconds up to the year 9999.
        times.extend((0..LAST_RFC3339).step_by(3_999_971));
        for t in times {
            assert_eq!(iso8601(t), library(t), "{t}");
        }
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1795876748), "2026-11-28T14:39:08Z");
        assert_eq!(iso8601(i64::MAX), i64::MAX.to_string());
    }
}
