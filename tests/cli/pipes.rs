//! In pipes: a reader that stops early is no error, and every line read
//! is an invite that already works.

use std::process::Command;

use super::common::*;
use crate::support::tools::sh_quote;

/// Runs `invitectl --store STORE HOST <args>` followed by `then`, in bash
/// with pipefail, so the exit status is invitectl's own.
fn pipeline(store: &Store, args: &str, then: &str) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("invitectl");
    let cmd = format!(
        "set -o pipefail; {} --store {} {HOST} {args} {then}",
        sh_quote(bin.to_str().unwrap()),
        sh_quote(store.path().to_str().unwrap()),
    );
    Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &cmd])
        .env_remove("INVITECTL_STORE")
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

#[test]
fn a_reader_that_stops_early_is_no_error() {
    let store = Store::new(Schema::Prosody13);
    let now = now();
    // Far more than a pipe holds, so invitectl meets the closed pipe.
    store.put_many((0..20_000).map(|i| {
        let token = format!("pipe{i:020}");
        // Half expired, for expire --dry-run.
        let expires = if i % 2 == 0 {
            now + 86_400 * 3
        } else {
            now - 10
        };
        let row = prosody_row(&token, now - i, expires);
        (token, row)
    }));
    for args in [
        "list --json",
        "list",
        "list --all",
        "expire --dry-run --json",
    ] {
        let out = pipeline(&store, args, "| head -1");
        assert_eq!(out.status.code(), Some(0), "{args}");
        assert!(
            out.stderr.is_empty(),
            "{args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
    }
    // generate too: all invites are made, the reader takes one.
    let out = pipeline(&store, "generate --count 20000", "| head -1");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    assert_eq!(store.invite_rows().len(), 40_000);
}

#[test]
fn each_line_a_loop_reads_is_an_invite_that_works() {
    let store = Store::new(Schema::Prosody13);
    let show = format!(
        "{} --store {} {HOST} show",
        sh_quote(assert_cmd::cargo::cargo_bin("invitectl").to_str().unwrap()),
        sh_quote(store.path().to_str().unwrap())
    );
    // Each link is shown as it is read: it was committed before printing.
    let then = format!(r#"| while read -r link; do {show} "${{link##*=}}" --json || exit 9; done"#);
    let out = pipeline(&store, "generate --count 5", &then);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(shown.len(), 5);
    assert!(shown.iter().all(|s| s["expired"] == false));
}

#[test]
fn qr_images_are_kept_when_the_reader_stops_early() {
    let store = Store::new(Schema::Prosody13);
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("{n}.svg");
    // JSON lines, to be sure to outrun the pipe and meet it closed.
    let args = format!(
        "generate --count 600 --json --qr-file {}",
        sh_quote(pattern.to_str().unwrap())
    );
    let out = pipeline(&store, &args, "| head -1");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 600, "every image, and nothing else");
    assert!(names
        .iter()
        .all(|n| n.ends_with(".svg") && !n.starts_with('.')));
}
