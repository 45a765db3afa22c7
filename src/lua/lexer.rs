//! Splits Lua source into tokens (Lua 5.4's lexical rules).
//!
//! The lexer knows every Lua token, not only the ones data files use, so the
//! configuration reader can step over code it does not understand.

use super::error::ParseError;
use super::{numeral, string_literal};

/// One token and the bytes it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
}

/// The kinds of token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An identifier that is not a keyword.
    Name(String),
    /// A reserved word such as `return` or `nil`.
    Keyword(&'static str),
    /// An integer numeral (hexadecimal ones wrap around, as in Lua).
    Int(i64),
    /// A float numeral, or a decimal integer numeral too large for `i64`.
    Float(f64),
    /// A string literal, escapes resolved.
    Str(Vec<u8>),
    /// An operator or punctuation, e.g. `=`, `..`, `{`.
    Symbol(&'static str),
    /// The end of the input.
    Eof,
}

const KEYWORDS: [&str; 22] = [
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
    "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

// Longest first, so that `...` wins over `..` and `.`.
const SYMBOLS: [&str; 33] = [
    "...", "..", "==", "~=", "<=", ">=", "<<", ">>", "//", "::", "+", "-", "*", "/", "%", "^", "#",
    "&", "~", "|", "<", ">", "=", "(", ")", "{", "}", "[", "]", ";", ":", ",", ".",
];

/// Lua's `isspace` in the C locale.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Letters and `_`: what may start a name.
pub(crate) fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Splits all of `src` into tokens, ending with [`Tok::Eof`].
pub(crate) fn tokenize(src: &[u8]) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer::new(src);
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let end = token.tok == Tok::Eof;
        tokens.push(token);
        if end {
            return Ok(tokens);
        }
    }
}

/// Reads tokens one at a time, so that a data file is never held as a
/// list of tokens (ten times its size).
pub(crate) struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a [u8]) -> Self {
        Self { src, pos: 0 }
    }

    /// The next token; [`Tok::Eof`] at the end, and again after it.
    pub(crate) fn next_token(&mut self) -> Result<Token, ParseError> {
        let src = self.src;
        let mut pos = skip_space_and_comments(src, self.pos)?;
        let Some(&b) = src.get(pos) else {
            self.pos = pos;
            return Ok(Token {
                tok: Tok::Eof,
                start: src.len(),
                end: src.len(),
            });
        };
        let start = pos;
        let next = src.get(pos + 1).copied();
        let tok = if is_name_start(b) {
            while src.get(pos).is_some_and(|&c| is_name_char(c)) {
                pos += 1;
            }
            let word = &src[start..pos];
            match keyword(word) {
                Some(k) => Tok::Keyword(k),
                None => Tok::Name(String::from_utf8_lossy(word).into_owned()),
            }
        } else if b.is_ascii_digit() || (b == b'.' && next.is_some_and(|c| c.is_ascii_digit())) {
            let (tok, end) = numeral::read(src, pos)?;
            pos = end;
            tok
        } else if b == b'"' || b == b'\'' {
            let (s, end) = string_literal::read_quoted(src, pos)?;
            pos = end;
            Tok::Str(s)
        } else if let Some(level) = string_literal::long_bracket(src, pos) {
            let (s, end) = string_literal::read_long(src, pos, level)?;
            pos = end;
            Tok::Str(s)
        } else if b == b'[' && next == Some(b'=') {
            return Err(ParseError::new(src, pos, "invalid long string delimiter"));
        } else {
            let Some(sym) = symbol(&src[pos..]) else {
                return Err(ParseError::new(
                    src,
                    pos,
                    format!("unexpected character {}", describe_byte(b)),
                ));
            };
            pos += sym.len();
            Tok::Symbol(sym)
        };
        self.pos = pos;
        Ok(Token {
            tok,
            start,
            end: pos,
        })
    }
}

/// The keyword `word` is, if it is one.
fn keyword(word: &[u8]) -> Option<&'static str> {
    // Every keyword is 2 to 8 bytes long and starts with a lower-case
    // letter: most names are ruled out before any comparison.
    if !(2..=8).contains(&word.len()) || !word[0].is_ascii_lowercase() {
        return None;
    }
    KEYWORDS.iter().copied().find(|k| k.as_bytes() == word)
}

/// The symbol `rest` starts with (the longest one), if any.
fn symbol(rest: &[u8]) -> Option<&'static str> {
    // The common one-byte punctuation of data files first.
    let single = match rest.first()? {
        b'{' => Some("{"),
        b'}' => Some("}"),
        b']' => Some("]"),
        b';' => Some(";"),
        b',' => Some(","),
        b'(' => Some("("),
        b')' => Some(")"),
        b'[' => Some("["),
        b'=' if rest.get(1) != Some(&b'=') => Some("="),
        _ => None,
    };
    if single.is_some() {
        return single;
    }
    SYMBOLS
        .iter()
        .copied()
        .find(|s| rest.starts_with(s.as_bytes()))
}

/// A byte for an error message: printable ones quoted, others in hex.
pub(crate) fn describe_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("0x{b:02x}")
    }
}

fn skip_space_and_comments(src: &[u8], mut pos: usize) -> Result<usize, ParseError> {
    loop {
        while src.get(pos).is_some_and(|&b| is_space(b)) {
            pos += 1;
        }
        if !src[pos.min(src.len())..].starts_with(b"--") {
            return Ok(pos);
        }
        let body = pos + 2;
        if let Some(level) = string_literal::long_bracket(src, body) {
            pos = string_literal::read_long(src, body, level)?.1;
            continue;
        }
        pos = body;
        while src.get(pos).is_some_and(|&b| b != b'\n' && b != b'\r') {
            pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src.as_bytes())
            .expect("tokenizes")
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn all_kinds_of_token() {
        assert_eq!(
            toks("return x_1 ... .. . 0x10 1.5 'a' [[b]] ~= ~ [x"),
            [
                Tok::Keyword("return"),
                Tok::Name("x_1".into()),
                Tok::Symbol("..."),
                Tok::Symbol(".."),
                Tok::Symbol("."),
                Tok::Int(16),
                Tok::Float(1.5),
                Tok::Str(b"a".to_vec()),
                Tok::Str(b"b".to_vec()),
                Tok::Symbol("~="),
                Tok::Symbol("~"),
                Tok::Symbol("["),
                Tok::Name("x".into()),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn comments_are_skipped() {
        assert_eq!(
            toks("a -- line\n--[[ long\n ]] b --[==[ x ]] ]==] c --[ not long\nd --"),
            [
                Tok::Name("a".into()),
                Tok::Name("b".into()),
                Tok::Name("c".into()),
                Tok::Name("d".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn positions_are_byte_ranges() {
        let t = tokenize(b"  ab = 1").expect("tokenizes");
        assert_eq!((t[0].start, t[0].end), (2, 4));
        assert_eq!((t[3].start, t[3].end), (8, 8));
    }

    #[test]
    fn bad_input_is_an_error_with_position() {
        let e = tokenize(b"a\n  $").expect_err("fails");
        assert_eq!((e.line(), e.column()), (2, 3));
        assert!(tokenize(b"--[[ open").is_err());
        assert!(tokenize(b"\"open").is_err());
        assert!(tokenize("é".as_bytes()).is_err());
        assert!(tokenize(b"[=x").is_err());
        assert!(tokenize(b"--[=x\n").is_ok());
    }
}
