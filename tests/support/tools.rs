//! External tools some tests run (`script`, `bash`, `man`, `zbarimg`):
//! under CI=true a missing one fails the test; elsewhere the test says
//! SKIPPED and why, past the output capture, and passes.

use std::process::Command;

use super::skip;

/// Whether `tool` is on the PATH. When it is not, fails under CI and
/// otherwise prints why `test` is skipped (`package` has the tool).
pub fn need(tool: &str, package: &str, test: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return true;
    }
    let why = format!("{test}: {tool} is not installed (Debian package {package})");
    if skip::required() {
        panic!("{why}; CI=true needs it (.ci/run installs it)");
    }
    skip::skipped(&why);
    false
}

/// Quotes `word` for sh.
pub fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}
