//! The committed bash completion, loaded in a real bash: it completes
//! subcommands after the host, options, and the values of --kind,
//! --color and --roles-format.

use std::path::Path;
use std::process::Command;

use crate::support::tools::{need, sh_quote};

/// What bash offers for the words of a command line, the last one being
/// completed.
fn complete(words: &[&str]) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/invitectl.bash");
    let words: Vec<String> = words.iter().map(|w| sh_quote(w)).collect();
    let driver = format!(
        r#"source {script} || exit 9
complete -p invitectl >/dev/null || exit 8
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
_invitectl invitectl "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        script = sh_quote(script.to_str().unwrap()),
        words = words.join(" "),
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &driver])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn has_all(offered: &[String], wanted: &[&str]) {
    for w in wanted {
        assert!(
            offered.iter().any(|o| o == w),
            "{w} not offered: {offered:?}"
        );
    }
}

#[test]
fn bash_completes_subcommands_options_and_values() {
    if !need("bash", "bash", "bash_completes") {
        return;
    }
    let subcommands = [
        "generate",
        "list",
        "show",
        "revoke",
        "expire",
        "check-config",
        "completions",
        "man",
    ];
    has_all(&complete(&["invitectl", ""]), &subcommands);
    has_all(&complete(&["invitectl", "example.com", ""]), &subcommands);
    assert_eq!(complete(&["invitectl", "example.com", "gen"]), ["generate"]);
    has_all(
        &complete(&["invitectl", "example.com", "generate", "--"]),
        &[
            "--count",
            "--qr",
            "--qr-file",
            "--roles-format",
            "--landing-page",
            "--json",
            "--color",
            "--config",
        ],
    );
    has_all(
        &complete(&["invitectl", "example.com", "show", "--"]),
        &["--qr", "--qr-file", "--json"],
    );
    assert_eq!(
        complete(&["invitectl", "example.com", "list", "--kind", ""]),
        ["account", "reset", "contact", "group"]
    );
    assert_eq!(
        complete(&["invitectl", "--color", ""]),
        ["auto", "always", "never"]
    );
    assert_eq!(
        complete(&["invitectl", "example.com", "list", "--color", "a"]),
        ["auto", "always"]
    );
    assert_eq!(
        complete(&["invitectl", "example.com", "generate", "--roles-format", ""]),
        ["auto", "list", "map"]
    );
}
