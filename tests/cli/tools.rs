//! External tools some tests run (`script`, `bash`, `man`, `zbarimg`):
//! under CI=true a missing one fails the test; elsewhere the test says
//! SKIPPED and why, past the output capture, and passes.

use std::io::Write;
use std::process::Command;

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
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}; CI=true needs it (.ci/run installs it)");
    }
    // Straight to the process's stderr: libtest captures eprintln! of
    // passing tests, and a skip must be seen.
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
    false
}

/// Quotes `word` for sh.
pub fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}
