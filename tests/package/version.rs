//! `invitectl --version`: the crate's version and, built from a git
//! checkout, the commit and its date, as build.rs finds them; `-V` and the
//! man page name the version alone.

use std::process::Command;

use crate::deb::run;

const BIN: &str = env!("CARGO_BIN_EXE_invitectl");

/// HEAD of the checkout this crate is the top of, as `0123abc 2026-01-31`.
fn head_commit() -> Option<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let same = std::fs::canonicalize(top).ok()? == std::fs::canonicalize(dir).ok()?;
    same.then(|| git(&["log", "-1", "--format=%h %cs"]))?
}

#[test]
fn long_version_names_the_commit_built_from() {
    let version = run(BIN, &["--version"]);
    let expected = match head_commit() {
        Some(commit) => format!("invitectl {} ({commit})\n", env!("CARGO_PKG_VERSION")),
        None => format!("invitectl {}\n", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(version, expected);
}

#[test]
fn short_version_and_man_page_name_the_release_only() {
    assert_eq!(
        run(BIN, &["-V"]),
        format!("invitectl {}\n", env!("CARGO_PKG_VERSION"))
    );
    let page = run(BIN, &["man"]);
    let release = format!("\"invitectl {}\"", env!("CARGO_PKG_VERSION"));
    assert!(page
        .lines()
        .any(|l| l.starts_with(".TH") && l.contains(&release)));
    assert!(page.contains(&format!("\nv{}\n", env!("CARGO_PKG_VERSION"))));
}
