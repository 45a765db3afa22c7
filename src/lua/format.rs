//! Numbers as Prosody's serializer prints them.

/// A float as `util.serialization` writes it: `string.format("%.18g")`,
/// or `(1/0)`, `(-1/0)` and `(0/0)` for infinities and NaN.
///
/// Note that an integral float such as `1.0` prints as `1`, which Lua reads
/// back as an integer, exactly as with Prosody.
pub(crate) fn format_float(f: f64) -> String {
    if f.is_nan() {
        "(0/0)".to_owned()
    } else if f == f64::INFINITY {
        "(1/0)".to_owned()
    } else if f == f64::NEG_INFINITY {
        "(-1/0)".to_owned()
    } else {
        format_g(f, 18)
    }
}

/// C's `%.<precision>g` for a finite `f`.
fn format_g(f: f64, precision: usize) -> String {
    // Rust's exact formatting rounds the same way as glibc (to nearest,
    // ties to even), so its digits are the ones C prints.
    let sci = format!("{:.*e}", precision.saturating_sub(1), f);
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exp) = exp.parse::<i64>() else {
        return sci;
    };
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let p = precision as i64;
    let body = if exp < -4 || exp >= p {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = rest.trim_end_matches('0');
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{first}{dot}{rest}e{exp_sign}{:02}", exp.unsigned_abs())
    } else if exp >= 0 {
        let split = usize::try_from(exp + 1).unwrap_or(0).min(digits.len());
        let (int, frac) = digits.split_at(split);
        join_fraction(int, frac)
    } else {
        let zeros = "0".repeat(usize::try_from(-exp - 1).unwrap_or(0));
        join_fraction("0", &format!("{zeros}{digits}"))
    };
    format!("{sign}{body}")
}

fn join_fraction(int: &str, frac: &str) -> String {
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_percent_18g() {
        // Expected strings printed by lua5.4's string.format("%.18g", x).
        let cases: [(f64, &str); 14] = [
            (0.1, "0.100000000000000006"),
            (1.5, "1.5"),
            (-0.0, "-0"),
            (0.0, "0"),
            (1.0, "1"),
            (1e17, "100000000000000000"),
            (1e18, "1e+18"),
            (9_223_372_036_854_775_808.0, "9.22337203685477581e+18"),
            (1e-5, "1.00000000000000008e-05"),
            (1e-4, "0.000100000000000000005"),
            (123_456.789, "123456.789000000004"),
            (5e-324, "4.94065645841246544e-324"),
            (f64::MAX, "1.79769313486231571e+308"),
            (1.0 + 2f64.powi(-18), "1.00000381469726562"),
        ];
        for (f, want) in cases {
            assert_eq!(format_float(f), want, "{f:e}");
        }
    }

    #[test]
    fn special_values() {
        assert_eq!(format_float(f64::INFINITY), "(1/0)");
        assert_eq!(format_float(f64::NEG_INFINITY), "(-1/0)");
        assert_eq!(format_float(f64::NAN), "(0/0)");
    }
}
