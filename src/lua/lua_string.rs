//! Lua strings: byte strings that are usually, but not always, UTF-8.

use std::borrow::Cow;
use std::fmt;

/// A Lua string: any sequence of bytes.
///
/// Lua strings carry no encoding, and Prosody stores whatever bytes it was
/// given, so a string read from a data file is kept byte for byte. Use
/// [`LuaString::to_str`] when UTF-8 text is expected.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LuaString(Vec<u8>);

impl LuaString {
    /// Wraps the given bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Unwraps the raw bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The string as UTF-8 text, or `None` when the bytes are not UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The string as text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string has no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for LuaString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}

/// Shows the string as text, replacing invalid UTF-8 with U+FFFD.
impl fmt::Display for LuaString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl AsRef<[u8]> for LuaString {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for LuaString {
    fn from(s: &str) -> Self {
        Self(s.as_bytes().to_vec())
    }
}

impl From<String> for LuaString {
    fn from(s: String) -> Self {
        Self(s.into_bytes())
    }
}

impl From<&[u8]> for LuaString {
    fn from(b: &[u8]) -> Self {
        Self(b.to_vec())
    }
}

impl From<Vec<u8>> for LuaString {
    fn from(b: Vec<u8>) -> Self {
        Self(b)
    }
}

impl PartialEq<str> for LuaString {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for LuaString {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_non_utf8_bytes() {
        let s = LuaString::new(vec![b'a', 0xff, 0]);
        assert_eq!(s.as_bytes(), b"a\xff\0");
        assert_eq!(s.to_str(), None);
        assert_eq!(s.to_string_lossy(), "a\u{fffd}\0");
        assert_eq!(format!("{s:?}"), "\"a\\xff\\x00\"");
    }

    #[test]
    fn compares_with_text() {
        assert_eq!(LuaString::from("jid"), "jid");
        assert_eq!(LuaString::from("é").to_str(), Some("é"));
    }
}
