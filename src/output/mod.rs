//! Rendering invites for people and for programs.
//!
//! [`json`] is the machine contract (one object per line); [`table`] and
//! [`plain`] are for people at a terminal and in pipes; [`qr`] draws
//! links as QR codes, and [`qr_file`] writes them as images. Every text that
//! came from the store is escaped before it reaches a terminal, so a note
//! cannot rewrite the admin's screen.

pub mod json;
pub mod plain;
pub mod qr;
pub mod qr_file;
pub mod table;
mod time;

pub use time::{iso8601, relative};

use std::borrow::Cow;
use std::fmt::Write;

/// How long before expiry an invite counts as expiring soon.
pub const SOON: i64 = 86_400;

/// Escapes control characters and Unicode bidirectional controls as
/// `\u{…}`, so that stored text is shown, never obeyed, by a terminal.
pub fn escape_for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_on_terminal(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` must not reach a terminal as is.
pub(crate) fn is_unsafe_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes() {
        assert_eq!(escape_for_terminal("plain note"), "plain note");
        assert_eq!(escape_for_terminal("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape_for_terminal("x\u{202e}y\nz"), "x\\u{202e}y\\u{a}z");
    }
}
