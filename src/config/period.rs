//! Periods of time as Prosody 13 reads them (`get_option_period`).

/// A length of time from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// This many seconds.
    Seconds(u64),
    /// Forever (`"never"` or `false`).
    Never,
}

const DAY: f64 = 86_400.0;

/// Reads a period string the way Prosody 13's `util.human.io` does.
///
/// Prosody takes the first run of digits in the string, skips white space
/// and reads a unit from what follows: `s`, `min`, `h`/`ho`, `d`, `w`,
/// `mon` (31 days) or `y` (365.2425 days), so `"1 week"`, `"7 days"`,
/// `"2 hours"`, `"30 minutes"` and `"3 months"` all work. Failing that it
/// retries leniently, where `m` and `mo` mean months, `mi` minutes, and
/// anything else (including no unit) means seconds; Prosody logs an
/// "ambiguous period" error then but uses the value, and so does this
/// function. `"never"` is [`Period::Never`]. A string without digits is
/// `None`.
///
/// Prosody 0.12 reads no period strings: there `invite_expiry` must be a
/// number (or a numeric string), and anything else makes it fall back to
/// its default of 7 days.
pub fn parse_period(text: &str) -> Option<Period> {
    if text == "never" {
        return Some(Period::Never);
    }
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let start = bytes.iter().position(u8::is_ascii_digit)?;
    let digits_end = start
        + bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    let count = lua_tonumber_digits(&lower[start..digits_end]);
    let mut i = digits_end;
    while bytes
        .get(i)
        .is_some_and(|&b| crate::lua::lexer::is_space(b))
    {
        i += 1;
    }
    let rest = &bytes[i..];
    let strict = unit(rest, true);
    let multiplier = strict_multiplier(strict).or_else(|| {
        let lax = unit(rest, false);
        Some(lax_multiplier(lax).unwrap_or(1.0))
    })?;
    Some(Period::Seconds(to_seconds(count * multiplier)))
}

/// The unit Lua's pattern `[smhdwy]?[io]?n?` (strict) or `[smhdwy]?[io]?`
/// (lenient) captures at the start of `rest`.
fn unit(rest: &[u8], with_n: bool) -> &[u8] {
    let mut n = 0;
    if rest.first().is_some_and(|b| b"smhdwy".contains(b)) {
        n += 1;
    }
    if rest.get(n).is_some_and(|b| b"io".contains(b)) {
        n += 1;
    }
    if with_n && rest.get(n) == Some(&b'n') {
        n += 1;
    }
    &rest[..n]
}

fn strict_multiplier(unit: &[u8]) -> Option<f64> {
    Some(match unit {
        b"s" => 1.0,
        b"min" => 60.0,
        b"h" | b"ho" => 3600.0,
        b"d" => DAY,
        b"w" => 7.0 * DAY,
        b"mon" => 31.0 * DAY,
        b"y" => 365.2425 * DAY,
        _ => return None,
    })
}

fn lax_multiplier(unit: &[u8]) -> Option<f64> {
    match unit {
        b"m" | b"mo" => Some(31.0 * DAY),
        b"mi" => Some(60.0),
        other => strict_multiplier(other),
    }
}

/// Lua's `tonumber` of a run of decimal digits: exact up to `i64`, a
/// float beyond.
fn lua_tonumber_digits(digits: &str) -> f64 {
    match digits.parse::<i64>() {
        Ok(i) => i as f64,
        Err(_) => digits.parse::<f64>().unwrap_or(f64::INFINITY),
    }
}

/// Whole seconds of a non-negative number of seconds (fractions dropped,
/// huge values capped).
pub(crate) fn to_seconds(seconds: f64) -> u64 {
    // `as` saturates, and maps NaN to 0.
    seconds.floor() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> Option<u64> {
        match parse_period(text) {
            Some(Period::Seconds(s)) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn full_syntax() {
        assert_eq!(secs("1 week"), Some(604_800));
        assert_eq!(secs("7 days"), Some(604_800));
        assert_eq!(secs("1 day"), Some(86_400));
        assert_eq!(secs("2 hours"), Some(7_200));
        assert_eq!(secs("1 hr"), Some(3_600));
        assert_eq!(secs("30 minutes"), Some(1_800));
        assert_eq!(secs("3 months"), Some(3 * 31 * 86_400));
        assert_eq!(secs("1 year"), Some(31_556_952));
        assert_eq!(secs("10 seconds"), Some(10));
        assert_eq!(secs("2W"), Some(1_209_600));
        assert_eq!(secs("12h"), Some(43_200));
        assert_eq!(parse_period("never"), Some(Period::Never));
    }

    #[test]
    fn lenient_fallback_like_prosody() {
        assert_eq!(secs("5m"), Some(5 * 31 * 86_400), "m is months");
        assert_eq!(secs("5 mi"), Some(300));
        assert_eq!(secs("604800"), Some(604_800), "no unit: seconds");
        assert_eq!(secs("3 dias"), Some(3), "unknown unit: seconds");
        assert_eq!(secs("about 2 weeks"), Some(1_209_600), "first digits win");
        assert_eq!(secs("1.5 days"), Some(1), "the fraction stops the unit");
        assert_eq!(parse_period("soon"), None);
        assert_eq!(parse_period(""), None);
    }
}
