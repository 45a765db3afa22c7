//! Reading what the binary printed.

use serde_json::Value;

/// Parses JSON Lines.
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The token at the end of a link such as `xmpp:h?register;preauth=T`.
pub fn token_of(link: &str) -> String {
    let start = link.find("preauth=").unwrap() + "preauth=".len();
    link[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// A finished command's stdout, as text.
pub fn stdout_of(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// A finished command's stderr, as text.
pub fn stderr_of(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(out.get_output().stderr.clone()).unwrap()
}
