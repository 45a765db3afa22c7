//! Invites for programs, and text made safe for a terminal.
//!
//! [`json`] is the machine contract (one object per line), with times in
//! ISO 8601 ([`iso8601`]). Every text that came from the store is escaped
//! ([`escape_for_terminal`]) before it reaches a terminal, so a note cannot
//! rewrite the admin's screen; the library refuses such characters in notes
//! and landing-page templates it is given.
//!
//! What people read (the `list` table, tab-separated lines, relative times,
//! QR codes on the terminal and as PNG or SVG files) is drawn by the
//! `invitectl` command (`src/cli/render/`), so the library does not pull in
//! its table, QR and image crates.

pub mod json;
mod time;

pub use time::iso8601;

use std::borrow::Cow;
use std::fmt::Write;

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
