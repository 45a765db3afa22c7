//! File names as Prosody's `util.datamanager` makes them from hosts and
//! usernames.

/// Every byte outside `[A-Za-z0-9]` as `%` and two lower-case hex digits:
/// `example.com` becomes `example%2ecom`.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// The name [`encode`] made `file_stem` from, or `None` when it is no such
/// name (another tool's file) or not UTF-8.
pub fn decode(file_stem: &str) -> Option<String> {
    let bytes = file_stem.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = file_stem.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_prosody_encodes() {
        assert_eq!(encode("example.com"), "example%2ecom");
        assert_eq!(encode("a-b_c@d"), "a%2db%5fc%40d");
        assert_eq!(encode("Zoë"), "Zo%c3%ab");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn decodes_what_it_encodes() {
        for name in ["example.com", "bob", "a b%c", "Zoë", "x~"] {
            assert_eq!(decode(&encode(name)).as_deref(), Some(name));
        }
        assert_eq!(decode("%2"), None);
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%ff"), None);
    }
}
