//! Invite lifetimes: `90s`, `30m`, `12h`, `7d`, `2w`, combinations such as
//! `1d12h`, and Prosody's spelled-out periods such as `1 week`.

use std::time::Duration;

use crate::error::{Error, Result};

/// The longest lifetime accepted: ten years. Anything longer is almost
/// certainly a typo, and an invite should not outlive the server.
pub const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 86_400);

/// Parses an invite lifetime.
///
/// A lifetime is one or more `<number><unit>` parts, optionally separated by
/// spaces. Units: `s`, `m`, `h`, `d`, `w`, or their English names
/// (`second(s)`, `minute(s)`, `hour(s)`, `day(s)`, `week(s)`). A bare number
/// is refused: seconds or days would both be a plausible guess.
pub fn parse_ttl(input: &str) -> Result<Duration> {
    let invalid = |reason: String| Error::InvalidDuration {
        input: input.to_owned(),
        reason,
    };
    let text = input.trim();
    if text.is_empty() {
        return Err(invalid("empty".into()));
    }
    if text.starts_with('-') {
        return Err(invalid("must be positive".into()));
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(invalid("expected a number, such as 7d or 12h".into()));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| invalid("number too large".into()))?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.len() - rest.trim_start_matches(|c: char| c.is_alphabetic()).len();
        let unit = &rest[..unit_len];
        if unit.is_empty() {
            return Err(invalid("missing unit: use s, m, h, d or w".into()));
        }
        let seconds = unit_seconds(unit)
            .ok_or_else(|| invalid(format!("unknown unit {unit:?}: use s, m, h, d or w")))?;
        total = number
            .checked_mul(seconds)
            .and_then(|part| total.checked_add(part))
            .filter(|t| *t <= MAX_TTL.as_secs())
            .ok_or_else(|| invalid("longer than 10 years".into()))?;
        rest = rest[unit_len..].trim_start();
    }
    if total == 0 {
        return Err(invalid("must be longer than zero".into()));
    }
    Ok(Duration::from_secs(total))
}

fn unit_seconds(unit: &str) -> Option<u64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(input: &str) -> u64 {
        parse_ttl(input).unwrap().as_secs()
    }

    #[test]
    fn compact_forms() {
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("30m"), 1_800);
        assert_eq!(secs("12h"), 43_200);
        assert_eq!(secs("7d"), 604_800);
        assert_eq!(secs("2w"), 1_209_600);
        assert_eq!(secs("1d12h"), 129_600);
        assert_eq!(secs("1h 30m"), 5_400);
    }

    #[test]
    fn spelled_out_forms() {
        assert_eq!(secs("1 week"), 604_800);
        assert_eq!(secs("3 days"), 259_200);
        assert_eq!(secs("1 Hour"), 3_600);
    }

    #[test]
    fn up_to_ten_years() {
        assert_eq!(secs("3650d"), MAX_TTL.as_secs());
        assert!(parse_ttl("3651d").is_err());
    }

    #[test]
    fn bad_lifetimes_are_refused() {
        for bad in [
            "",
            " ",
            "0s",
            "0d0h",
            "-5s",
            "5",
            "d",
            "5x",
            "5 parsecs",
            "1.5h",
            "7d-",
            "99999999999999999999s",
            "18446744073709551615w",
            "1y",
            "½d",
            "7d\u{0}",
        ] {
            assert!(parse_ttl(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
