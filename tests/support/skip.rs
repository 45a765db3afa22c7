//! Tests that need what a machine may lack (a server, a tool, root): on
//! CI a missing one fails the test; elsewhere the test says SKIPPED and
//! why, and passes.

use std::io::Write;

/// Whether what is missing must fail the test (on CI) rather than skip it.
pub fn required() -> bool {
    matches!(
        std::env::var("CI").as_deref(),
        Ok("true") | Ok("1") | Ok("yes")
    )
}

/// Says loudly that a test skipped its check, and why.
pub fn skipped(why: &str) {
    // Straight to the process's stderr: libtest captures eprintln! of
    // passing tests, and a skip must be seen.
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
}
