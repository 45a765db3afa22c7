//! The committed completions and man page must match what the binary
//! generates. Run with INVITECTL_BLESS=1 to rewrite them.

use std::path::Path;

use super::common::{invitectl, stdout_of};

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
    let page = stdout_of(&out);
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

/// Every `--option` that `invitectl [HOST SUBCOMMAND] --help` lists.
fn options_in_help(args: &[&str]) -> Vec<String> {
    let out = invitectl().args(args).arg("--help").assert().success();
    let help = stdout_of(&out);
    // In the "Options:" section, option lines begin with "-x, --name" or
    // "--name".
    let mut options: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Options:")
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| l.split([' ', ',', '=']).find(|w| w.starts_with("--")))
        .map(str::to_owned)
        .collect();
    options.sort();
    options.dedup();
    options
}

#[test]
fn man_renders_with_every_subcommand_option_exit_code_variable_and_file() {
    if !crate::support::tools::need("man", "man-db", "man_renders") {
        return;
    }
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("man/invitectl.1");
    let out = std::process::Command::new("man")
        .args(["--warnings", "-l"])
        .arg(&page)
        .env("MANWIDTH", "250")
        .env("MANPAGER", "cat")
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(out.status.success());
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(warnings.trim().is_empty(), "man warns: {warnings}");
    let text = String::from_utf8(out.stdout).unwrap();
    let section = |name: &str| {
        let start = text
            .lines()
            .position(|l| l == name)
            .unwrap_or_else(|| panic!("no {name} section"));
        text.lines()
            .skip(start + 1)
            .take_while(|l| l.is_empty() || l.starts_with(' '))
            .collect::<Vec<_>>()
            .join("\n")
    };
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
    for sub in subcommands {
        let body = section(&format!("COMMAND: {}", sub.to_uppercase()));
        for option in options_in_help(&["example.com", sub]) {
            assert!(
                body.contains(&option)
                    || [
                        "--help",
                        "--store",
                        "--config",
                        "--color",
                        "--via",
                        "--admin-socket",
                        "--verbose",
                    ]
                    .contains(&option.as_str()),
                "{sub}: {option} is not in the man page"
            );
        }
    }
    let options = section("OPTIONS");
    let global = options_in_help(&[]);
    assert!(global.len() >= 4, "{global:?}");
    for option in global {
        assert!(options.contains(&option), "{option} is not in OPTIONS");
    }
    let exit = section("EXIT STATUS");
    for code in ["0", "1", "2", "3"] {
        let documented = exit
            .lines()
            .any(|l| l.split_whitespace().next() == Some(code));
        assert!(documented, "exit code {code}");
    }
    let env = section("ENVIRONMENT");
    for var in [
        "INVITECTL_CONFIG",
        "INVITECTL_STORE",
        "INVITECTL_LANDING_PAGE",
        "INVITECTL_VIA",
        "NO_COLOR",
        "XDG_DATA_HOME",
    ] {
        assert!(env.contains(var), "{var}");
    }
    let files = section("FILES");
    assert!(files.contains("invitectl/invites.sqlite"));
    let output = section("OUTPUT");
    for rule in ["NO_COLOR", "progress bar", "--qr", "head -1", "committed"] {
        assert!(output.contains(rule), "OUTPUT lacks {rule}");
    }
}
