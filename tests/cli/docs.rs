//! The committed completions and man page must match what the binary
//! generates. Run with INVITECTL_BLESS=1 to rewrite them.

use std::path::Path;

use crate::common::invitectl;

fn check(args: &[&str], file: &str) {
    let out = invitectl().args(args).assert().success();
    let generated = out.get_output().stdout.clone();
    assert!(!generated.is_empty());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    if std::env::var_os("INVITECTL_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{file} is stale: run `INVITECTL_BLESS=1 cargo test --test cli docs` and commit it"
    );
}

#[test]
fn completions_are_fresh() {
    for (shell, file) in [
        ("bash", "completions/invitectl.bash"),
        ("zsh", "completions/_invitectl"),
        ("fish", "completions/invitectl.fish"),
        ("elvish", "completions/invitectl.elv"),
        ("powershell", "completions/_invitectl.ps1"),
    ] {
        check(&["completions", shell], file);
    }
}

#[test]
fn man_page_is_fresh() {
    check(&["man"], "man/invitectl.1");
}

#[test]
fn man_page_documents_exit_codes_and_environment() {
    let out = invitectl().arg("man").assert().success();
    let page = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for needle in [
        "EXIT STATUS",
        "INVITECTL_STORE",
        "NO_COLOR",
        "COMMAND: GENERATE",
        "\\-\\-roles\\-format",
        "COMMAND: EXPIRE",
    ] {
        assert!(page.contains(needle), "man page lacks {needle}");
    }
}
