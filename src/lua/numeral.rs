//! Numerals: the text Lua 5.4 reads as one number, and its value.

use super::error::ParseError;
use super::lexer::{is_name_start, Tok};

/// Reads the numeral starting at `pos` (a digit, or `.` and a digit);
/// returns the number and the offset after it.
pub(crate) fn read(src: &[u8], pos: usize) -> Result<(Tok, usize), ParseError> {
    // Most numbers in a data file are short decimal integers, whose value
    // needs no general scan: up to 18 digits always fit an i64.
    let digits = src[pos..].iter().take_while(|b| b.is_ascii_digit()).count();
    let ends = !matches!(src.get(pos + digits), Some(&b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    if (1..=18).contains(&digits) && ends {
        let value = src[pos..pos + digits]
            .iter()
            .fold(0i64, |acc, &d| acc * 10 + i64::from(d - b'0'));
        return Ok((Tok::Int(value), pos + digits));
    }
    // Same scan as Lua's `read_numeral`: hex digits, dots and exponents
    // (with a sign) are taken greedily and judged afterwards.
    let hex = src.get(pos) == Some(&b'0') && matches!(src.get(pos + 1), Some(b'x' | b'X'));
    let (exp_lower, exp_upper) = if hex { (b'p', b'P') } else { (b'e', b'E') };
    let mut end = if hex { pos + 2 } else { pos };
    while let Some(&b) = src.get(end) {
        if b == exp_lower || b == exp_upper {
            end += 1;
            if matches!(src.get(end), Some(b'+' | b'-')) {
                end += 1;
            }
        } else if b.is_ascii_hexdigit() || b == b'.' {
            end += 1;
        } else {
            break;
        }
    }
    let touching_letter = src.get(end).is_some_and(|&b| is_name_start(b));
    let text = &src[pos..end];
    match (touching_letter, convert(text)) {
        (false, Some(tok)) => Ok((tok, end)),
        _ => {
            let shown = String::from_utf8_lossy(&src[pos..(end + 1).min(src.len())]);
            Err(ParseError::new(
                src,
                pos,
                format!("malformed number near '{shown}'"),
            ))
        }
    }
}

/// The value of a complete numeral, as Lua's `luaO_str2num` computes it.
fn convert(text: &[u8]) -> Option<Tok> {
    if let Some(digits) = text
        .strip_prefix(b"0x")
        .or_else(|| text.strip_prefix(b"0X"))
    {
        if !digits.is_empty() && digits.iter().all(u8::is_ascii_hexdigit) {
            // Hexadecimal integers wrap around modulo 2^64.
            let value = digits.iter().fold(0u64, |acc, &d| {
                acc.wrapping_mul(16).wrapping_add(hex_value(d))
            });
            return Some(Tok::Int(value as i64));
        }
        return hex_float(digits).map(Tok::Float);
    }
    if !text.is_empty() && text.iter().all(u8::is_ascii_digit) {
        // A decimal integer too large for i64 is read as a float.
        let s = std::str::from_utf8(text).ok()?;
        return match s.parse::<i64>() {
            Ok(i) => Some(Tok::Int(i)),
            Err(_) => s.parse::<f64>().ok().map(Tok::Float),
        };
    }
    decimal_float(text).map(Tok::Float)
}

fn hex_value(d: u8) -> u64 {
    (d as char).to_digit(16).map_or(0, u64::from)
}

/// `digits* [. digits*] [(e|E) [+|-] digits+]` with at least one mantissa
/// digit, read with correct rounding like C's `strtod`.
fn decimal_float(text: &[u8]) -> Option<f64> {
    let (mantissa, exponent) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut dots = 0;
    let mut digits = 0;
    for &b in mantissa {
        match b {
            b'.' => dots += 1,
            b'0'..=b'9' => digits += 1,
            _ => return None,
        }
    }
    if dots > 1 || digits == 0 {
        return None;
    }
    if let Some(exp) = exponent {
        let exp = exp
            .strip_prefix(b"+")
            .or_else(|| exp.strip_prefix(b"-"))
            .unwrap_or(exp);
        if exp.is_empty() || !exp.iter().all(u8::is_ascii_digit) {
            return None;
        }
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// The part after `0x` of a hexadecimal float such as `0x1.8p3`, computed
/// as Lua's `lua_strx2number` does.
fn hex_float(text: &[u8]) -> Option<f64> {
    const MAX_SIG_DIGITS: u32 = 30;
    let mut r = 0.0f64;
    let mut e: i64 = 0;
    let (mut sig, mut leading_zeros, mut seen_dot) = (0u32, 0u32, false);
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if b == b'.' {
            if seen_dot {
                return None;
            }
            seen_dot = true;
        } else if b.is_ascii_hexdigit() {
            if sig == 0 && b == b'0' {
                leading_zeros += 1;
            } else {
                sig += 1;
                if sig <= MAX_SIG_DIGITS {
                    r = r * 16.0 + hex_value(b) as f64;
                } else {
                    e += 1; // too many digits: ignore, but keep the scale
                }
            }
            if seen_dot {
                e -= 1;
            }
        } else {
            break;
        }
        i += 1;
    }
    if sig + leading_zeros == 0 {
        return None;
    }
    e *= 4;
    if let Some(&b) = text.get(i) {
        if b != b'p' && b != b'P' {
            return None;
        }
        let mut rest = &text[i + 1..];
        let negative = rest.first() == Some(&b'-');
        if matches!(rest.first(), Some(b'+' | b'-')) {
            rest = &rest[1..];
        }
        if rest.is_empty() || !rest.iter().all(u8::is_ascii_digit) {
            return None;
        }
        // Saturate: any exponent this large over- or underflows anyway.
        let exp = rest.iter().fold(0i64, |acc, &d| {
            (acc * 10 + i64::from(d - b'0')).min(1 << 20)
        });
        e += if negative { -exp } else { exp };
    }
    Some(ldexp(r, e))
}

/// `x * 2^e` without overflowing the power of two on the way.
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    let step_up = f64::from_bits(0x7FE0_0000_0000_0000); // 2^1023
    let step_down = f64::from_bits(0x0010_0000_0000_0000); // 2^-1022
    while e > 1023 && x.is_finite() && x != 0.0 {
        x *= step_up;
        e -= 1023;
    }
    while e < -1022 && x != 0.0 {
        x *= step_down;
        e += 1022;
    }
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let e = e.clamp(-1022, 1023);
    x * f64::from_bits(((e + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Tok {
        let (tok, end) = read(s.as_bytes(), 0).expect("reads");
        assert_eq!(end, s.len(), "{s}");
        tok
    }

    #[test]
    fn integers() {
        assert_eq!(num("0"), Tok::Int(0));
        assert_eq!(num("1795876775"), Tok::Int(1_795_876_775));
        assert_eq!(num("007"), Tok::Int(7));
        assert_eq!(num("999999999999999999"), Tok::Int(999_999_999_999_999_999));
        assert_eq!(
            num("1234567890123456789"),
            Tok::Int(1_234_567_890_123_456_789)
        );
        assert_eq!(num("9223372036854775807"), Tok::Int(i64::MAX));
        assert_eq!(num("0x10"), Tok::Int(16));
        assert_eq!(num("0XfF"), Tok::Int(255));
        assert_eq!(num("0xffffffffffffffff"), Tok::Int(-1));
        assert_eq!(num("0x10000000000000000"), Tok::Int(0));
    }

    #[test]
    fn floats() {
        assert_eq!(
            num("9223372036854775808"),
            Tok::Float(9_223_372_036_854_775_808.0)
        );
        assert_eq!(num("1.5"), Tok::Float(1.5));
        assert_eq!(num(".5"), Tok::Float(0.5));
        assert_eq!(num("5."), Tok::Float(5.0));
        assert_eq!(num("1e3"), Tok::Float(1000.0));
        assert_eq!(num("1E-2"), Tok::Float(0.01));
        assert_eq!(num("2.5e+1"), Tok::Float(25.0));
        assert_eq!(num("0.100000000000000006"), Tok::Float(0.1));
        assert_eq!(num("1e400"), Tok::Float(f64::INFINITY));
        assert_eq!(num("0x1p4"), Tok::Float(16.0));
        assert_eq!(num("0x.8"), Tok::Float(0.5));
        assert_eq!(num("0xA.8p1"), Tok::Float(21.0));
        assert_eq!(num("0x1P-1"), Tok::Float(0.5));
        assert_eq!(num("0x1p-1074"), Tok::Float(f64::from_bits(1)));
        assert_eq!(num("0x1p99999999999"), Tok::Float(f64::INFINITY));
    }

    #[test]
    fn malformed() {
        for bad in [
            "1e", "1e+", "3x", "1f", "1..2", "0x", "0x.", "0x1p", "1_000", "0x1.2.3", "08a",
        ] {
            assert!(read(bad.as_bytes(), 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn stops_before_other_symbols() {
        let (tok, end) = read(b"12, 3", 0).expect("reads");
        assert_eq!((tok, end), (Tok::Int(12), 2));
        let (tok, end) = read(b"1-2", 0).expect("reads");
        assert_eq!((tok, end), (Tok::Int(1), 1));
    }
}
