//! Times as people read them: how far away, in words.

/// How far `then` is from `now`, in words, to the nearest unit: `in 7
/// days` for an invite made a moment ago, `2 hours ago`.
pub fn relative(then: i64, now: i64) -> String {
    let delta = then.saturating_sub(now);
    let span = delta.unsigned_abs();
    let (n, unit) = match span {
        0..=59 => {
            return if delta >= 0 {
                "now".into()
            } else {
                "just now".into()
            }
        }
        60..=3_599 => (rounded(span, 60), "minute"),
        3_600..=86_399 => (rounded(span, 3_600), "hour"),
        86_400..=5_183_999 => (rounded(span, 86_400), "day"),
        5_184_000..=63_071_999 => (rounded(span, 2_592_000), "month"),
        _ => (rounded(span, 31_536_000), "year"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if delta > 0 {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// `span / unit`, rounded to the nearest whole number, without overflow.
fn rounded(span: u64, unit: u64) -> u64 {
    span / unit + u64::from(span % unit >= unit / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        assert_eq!(relative(100, 100), "now");
        assert_eq!(relative(100 + 6 * 86_400 + 5, 100), "in 6 days");
        assert_eq!(relative(100 + 7 * 86_400 - 3, 100), "in 7 days");
        assert_eq!(relative(100 - 90 * 60, 100), "2 hours ago");
        assert_eq!(relative(100 - 2 * 3_600, 100), "2 hours ago");
        assert_eq!(relative(100 + 60, 100), "in 1 minute");
        assert_eq!(relative(100 + 400 * 86_400, 100), "in 13 months");
        assert_eq!(relative(100 + 800 * 86_400, 100), "in 2 years");
        assert_eq!(relative(i64::MIN, i64::MAX), "292471208678 years ago");
    }
}
