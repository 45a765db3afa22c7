//! What a refusal looks like: its exit code, nothing on stdout, one
//! escaped line on stderr, no panic.

use std::process::Output;

/// Checks a refusal: the exit code, nothing on stdout, one escaped line
/// on stderr starting `invitectl: `, no panic.
pub fn assert_one_line_error(out: &Output, code: i32, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{what}: stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.starts_with("invitectl: "), "{what}: {stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr:?}");
    assert!(stderr.ends_with('\n'), "{what}: {stderr:?}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert_no_terminal_controls(&stderr[..stderr.len() - 1], what);
}

/// No control character (the final newline aside) or bidirectional
/// override reaches the terminal.
pub fn assert_no_terminal_controls(text: &str, what: &str) {
    let bad = text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert!(
        bad.is_none(),
        "{what}: {bad:?} reached the terminal in {text:?}"
    );
}
