//! String literals: quoted strings with Lua 5.4's escapes, and long
//! brackets (`[[...]]`, `[==[...]==]`), which also delimit long comments.

use super::error::ParseError;
use super::lexer::{describe_byte, is_space};

/// If a long bracket `[`, `=`*level, `[` opens at `pos`, its level.
pub(crate) fn long_bracket(src: &[u8], pos: usize) -> Option<usize> {
    if src.get(pos) != Some(&b'[') {
        return None;
    }
    let level = src
        .get(pos + 1..)?
        .iter()
        .take_while(|&&b| b == b'=')
        .count();
    (src.get(pos + 1 + level) == Some(&b'[')).then_some(level)
}

/// Reads the long string whose bracket of `level` opens at `pos`; returns
/// its content and the offset after the closing bracket. As in Lua, a line
/// break right after the opening bracket is dropped and every line break
/// inside becomes `\n`.
pub(crate) fn read_long(
    src: &[u8],
    pos: usize,
    level: usize,
) -> Result<(Vec<u8>, usize), ParseError> {
    let mut i = pos + level + 2;
    i = skip_newline(src, i).unwrap_or(i);
    let mut out = Vec::new();
    loop {
        match src.get(i) {
            None => {
                return Err(ParseError::new(
                    src,
                    pos,
                    "unfinished long string or comment",
                ))
            }
            Some(b']') if closes(src, i, level) => return Ok((out, i + level + 2)),
            Some(b'\n' | b'\r') => {
                out.push(b'\n');
                i = skip_newline(src, i).unwrap_or(i + 1);
            }
            Some(&b) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

fn closes(src: &[u8], i: usize, level: usize) -> bool {
    let eq = src.get(i + 1..i + 1 + level);
    eq.is_some_and(|s| s.iter().all(|&b| b == b'=')) && src.get(i + 1 + level) == Some(&b']')
}

/// If a line break (`\n`, `\r`, `\r\n` or `\n\r`) starts at `i`, the
/// offset after it.
fn skip_newline(src: &[u8], i: usize) -> Option<usize> {
    let first = *src.get(i)?;
    if first != b'\n' && first != b'\r' {
        return None;
    }
    match src.get(i + 1) {
        Some(&second) if (second == b'\n' || second == b'\r') && second != first => Some(i + 2),
        _ => Some(i + 1),
    }
}

/// Reads the quoted string opening at `pos`; returns its bytes (escapes
/// resolved) and the offset after the closing quote.
pub(crate) fn read_quoted(src: &[u8], pos: usize) -> Result<(Vec<u8>, usize), ParseError> {
    let quote = src.get(pos).copied().unwrap_or(b'"');
    let body = src.get(pos + 1..).unwrap_or_default();
    // Most strings have no escape: their bytes are taken in one copy.
    let plain = body
        .iter()
        .position(|&b| b == quote || b == b'\\' || b == b'\n' || b == b'\r')
        .unwrap_or(body.len());
    if body.get(plain) == Some(&quote) {
        return Ok((body[..plain].to_vec(), pos + 1 + plain + 1));
    }
    let mut out = body[..plain].to_vec();
    let mut i = pos + 1 + plain;
    loop {
        match src.get(i) {
            None | Some(b'\n' | b'\r') => {
                return Err(ParseError::new(src, pos, "unfinished string"));
            }
            Some(&b) if b == quote => return Ok((out, i + 1)),
            Some(b'\\') => i = read_escape(src, i, &mut out)?,
            Some(&b) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// Resolves the escape sequence whose backslash is at `i`; returns the
/// offset after it.
fn read_escape(src: &[u8], i: usize, out: &mut Vec<u8>) -> Result<usize, ParseError> {
    let err = |at: usize, msg: &str| Err(ParseError::new(src, at, msg));
    let Some(&c) = src.get(i + 1) else {
        return err(i, "unfinished string");
    };
    let simple = match c {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' | b'"' | b'\'' => Some(c),
        _ => None,
    };
    if let Some(byte) = simple {
        out.push(byte);
        return Ok(i + 2);
    }
    match c {
        b'\n' | b'\r' => {
            out.push(b'\n');
            Ok(skip_newline(src, i + 1).unwrap_or(i + 2))
        }
        b'x' => {
            let hex = src.get(i + 2..i + 4).and_then(|h| {
                let h = std::str::from_utf8(h).ok()?;
                u8::from_str_radix(h, 16)
                    .ok()
                    .filter(|_| !h.starts_with('+'))
            });
            match hex {
                Some(byte) => {
                    out.push(byte);
                    Ok(i + 4)
                }
                None => err(i, "hexadecimal digit expected in \\x escape"),
            }
        }
        b'z' => {
            let mut j = i + 2;
            while src.get(j).is_some_and(|&b| is_space(b)) {
                j += 1;
            }
            Ok(j)
        }
        b'u' => read_utf8_escape(src, i, out),
        b'0'..=b'9' => {
            let digits = src[i + 1..]
                .iter()
                .take(3)
                .take_while(|b| b.is_ascii_digit());
            let (mut value, mut n) = (0u32, 0);
            for &d in digits {
                value = value * 10 + u32::from(d - b'0');
                n += 1;
            }
            match u8::try_from(value) {
                Ok(byte) => {
                    out.push(byte);
                    Ok(i + 1 + n)
                }
                Err(_) => err(i, "decimal escape too large"),
            }
        }
        other => err(
            i,
            &format!("invalid escape sequence \\{}", describe_byte(other)),
        ),
    }
}

/// `\u{XXX}`: a code point up to 2^31 - 1, encoded as (extended) UTF-8.
fn read_utf8_escape(src: &[u8], i: usize, out: &mut Vec<u8>) -> Result<usize, ParseError> {
    if src.get(i + 2) != Some(&b'{') {
        return Err(ParseError::new(src, i, "missing '{' in \\u{xxxx}"));
    }
    let mut j = i + 3;
    let mut value: u32 = 0;
    let mut digits = 0;
    while let Some(d) = src.get(j).and_then(|&b| (b as char).to_digit(16)) {
        value = match value.checked_mul(16).map(|v| v + d) {
            Some(v) if v <= 0x7FFF_FFFF => v,
            _ => return Err(ParseError::new(src, i, "UTF-8 value too large")),
        };
        digits += 1;
        j += 1;
    }
    if digits == 0 {
        return Err(ParseError::new(src, i, "hexadecimal digit expected"));
    }
    if src.get(j) != Some(&b'}') {
        return Err(ParseError::new(src, i, "missing '}' in \\u{xxxx}"));
    }
    push_utf8(out, value);
    Ok(j + 1)
}

/// Lua's `luaO_utf8esc`: UTF-8, extended to 6 bytes for values up to
/// 2^31 - 1 (and without refusing surrogates).
fn push_utf8(out: &mut Vec<u8>, mut x: u32) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut tail = Vec::with_capacity(5);
    let mut first_max: u32 = 0x3f;
    loop {
        tail.push(0x80 | (x & 0x3f) as u8);
        x >>= 6;
        first_max >>= 1;
        if x <= first_max {
            break;
        }
    }
    out.push(((!first_max << 1) | x) as u8);
    out.extend(tail.iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(src: &str) -> Vec<u8> {
        read_quoted(src.as_bytes(), 0).expect("reads").0
    }

    #[test]
    fn escapes() {
        assert_eq!(
            quoted(r#""\a\b\f\n\r\t\v\\\"\'""#),
            b"\x07\x08\x0c\n\r\t\x0b\\\"'"
        );
        assert_eq!(quoted(r#"'\0\65\0655\255'"#), b"\0A\x415\xff");
        assert_eq!(quoted(r#""\x41\xfF""#), b"A\xff");
        assert_eq!(quoted("\"a\\z  \n\t b\""), b"ab");
        assert_eq!(quoted("\"a\\\r\nb\\\nc\""), b"a\nb\nc");
        assert_eq!(
            quoted(r#""\u{48}\u{e9}\u{20AC}\u{1F600}""#),
            "Hé€😀".as_bytes()
        );
        assert_eq!(quoted(r#""\u{7FFFFFFF}""#), b"\xfd\xbf\xbf\xbf\xbf\xbf");
        assert_eq!(quoted(r#""\u{D800}""#), b"\xed\xa0\x80");
    }

    #[test]
    fn bad_escapes() {
        for bad in [
            r#""\256""#,
            r#""\x4""#,
            r#""\x+1""#,
            r#""\q""#,
            r#""\u{80000000}""#,
            r#""\u{}""#,
            r#""\u48""#,
            r#""\u{48""#,
            "\"a\nb\"",
            "\"abc",
            "\"abc\\",
        ] {
            assert!(read_quoted(bad.as_bytes(), 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn long_strings() {
        let src = b"[==[\r\nfirst]]\n\rx]=]]==]tail";
        let level = long_bracket(src, 0).expect("long bracket");
        let (s, end) = read_long(src, 0, level).expect("reads");
        assert_eq!(s, b"first]]\nx]=]");
        assert_eq!(&src[end..], b"tail");
        assert_eq!(long_bracket(b"[=x", 0), None);
        assert_eq!(long_bracket(b"[", 0), None);
        assert!(read_long(b"[[open", 0, 0).is_err());
    }
}
