//! Hostile arguments, one table: every case gets its documented exit code,
//! nothing on stdout, one escaped line on stderr, and an unchanged store.
//! And text that other tools stored is escaped on the way to a terminal.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use super::refusals::*;
use super::running::*;
use crate::support::binary::command;
use crate::support::pty::Pty;
use crate::support::{
    output::json_lines,
    store::{Schema, Store, HOST},
};

const USAGE: i32 = 2;
const NOT_FOUND: i32 = 3;

/// One hostile command line: arguments after `--store PATH`, environment,
/// and the exit code it must end with.
struct Case {
    args: Vec<OsString>,
    env: Vec<(&'static str, OsString)>,
    code: i32,
}

fn case(args: &[&str], code: i32) -> Case {
    Case {
        args: args.iter().map(OsString::from).collect(),
        env: Vec::new(),
        code,
    }
}

fn bytes(args: Vec<Vec<u8>>, code: i32) -> Case {
    Case {
        args: args.into_iter().map(OsString::from_vec).collect(),
        env: Vec::new(),
        code,
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let long_label = format!("{}.com", "a".repeat(64));
    let long_host = format!("{}.com", vec!["a".repeat(60); 5].join("."));
    let very_long_host = "a.".repeat(2000) + "com";
    for host in [
        long_label.as_str(),
        &long_host,
        &very_long_host,
        "a\u{1b}[2J.com",
        "a\u{202e}b.com",
        "a\u{2066}b.com",
        "a\tb.com",
        "a\rb.com",
        "a\nb.com",
        "ex%ample.com",
        "*.example.com",
        "' OR 1=1 --",
        "example.com\u{7f}",
        "[::1]",
        "example.com:5222",
        "user@example.com",
        "example.com/resource",
    ] {
        cases.push(case(&[host, "list"], USAGE));
        cases.push(case(&[host, "generate"], USAGE));
    }
    let long_name = "é".repeat(1024);
    for name in [
        "\u{1b}[31mroot",
        "a\u{7}b",
        "a\rb",
        "a\nb",
        "a\u{7f}",
        "a\u{85}b",
        "a\u{202a}b",
        "a\u{2066}b",
        "a\u{200e}b",
        "a\u{e000}b",
        "a\u{fffd}b",
        "' OR 1=1 --",
        "alice@example.com",
        long_name.as_str(),
    ] {
        for flag in ["--username", "--reset", "--contact"] {
            cases.push(case(&[HOST, "generate", flag, name], USAGE));
        }
    }
    let huge_note = "n".repeat(100_000);
    for note in [
        huge_note.as_str(),
        &"é".repeat(1025),
        "\u{1b}[2J\u{1b}[Hall clear",
        "\u{1b}]0;owned\u{7}",
        "note\rreplaced",
        "two\nlines",
        "back\u{8}space",
        "\u{202e}txt.exe",
        "\u{2067}isolate",
        "c1 \u{9b}2J",
    ] {
        cases.push(case(&[HOST, "generate", "--note", note], USAGE));
    }
    for count in [
        "99999999999999999999",
        "18446744073709551616",
        "10000001",
        "-0",
        " 1",
        "0x10",
        "1_000",
        "١",
        "1e2",
        "",
        "∞",
    ] {
        cases.push(case(
            &[HOST, "generate", &format!("--count={count}")],
            USAGE,
        ));
    }
    let many_weeks = "1w".repeat(600);
    for ttl in [
        "18446744073709551615s",
        "9223372036854775807s",
        "18446744073709551615w1s",
        many_weeks.as_str(),
        "3650d1s",
        "1e9s",
        "٣d",
        "7d\u{202e}",
        "7\u{1b}d",
        "-0s",
        "0x10s",
        "PT1H",
        "1 fortnight",
        "NaNd",
    ] {
        cases.push(case(&[HOST, "generate", &format!("--ttl={ttl}")], USAGE));
    }
    let long_token = "A".repeat(129);
    for token in [
        "%",
        "*",
        "' OR 1=1 --",
        "%%%%%%%%",
        "********",
        "AAAAAAA%",
        "AAAA AAAA",
        "AAAA\u{1b}AAAA",
        "AAAAAAAA\n",
        "AAAA;DROP TABLE prosody",
        "\u{202e}AAAAAAAAA",
        "ＡＡＡＡＡＡＡＡ",
        "AAAA/../AAAA",
        long_token.as_str(),
    ] {
        cases.push(case(&[HOST, "show", token], USAGE));
        cases.push(case(&[HOST, "revoke", token], USAGE));
    }
    // Well-formed tokens that look like patterns match nothing.
    for token in ["________", "--------", "-AAAAAAAAAAAAAAAAAAAAAAA"] {
        cases.push(case(&[HOST, "show", token], NOT_FOUND));
        cases.push(case(&[HOST, "revoke", token], NOT_FOUND));
    }
    for template in [
        "https://{host}/{invite.secret}",
        "https://{host}/{INVITE.TOKEN}",
        "https://{host}/{invite.token }",
        "https://{host}/{{invite.token}}",
        "https://{host}/{invite.token}{",
        "https://{host}/}{invite.token}",
        "https://{host}/{}",
        "https://{host}/{invite.token}{invite.token.length}",
        "javascript:alert(1)//{invite.token}",
        "data:text/html,{invite.token}",
        "file:///{invite.token}",
        "https://{host}/a b/{invite.token}",
        "https://{host}/\u{1b}[2J/{invite.token}",
        "https://{host}/{invite.token}\n",
        "https://{host}/\u{202e}/{invite.token}",
        " ",
    ] {
        cases.push(case(&[HOST, "generate", "--landing-page", template], USAGE));
    }
    // Through the environment too.
    for template in [
        "https://{host}/{invite.secret}",
        "https://{host}/\u{1b}[2J{invite.token}",
    ] {
        let mut c = case(&[HOST, "generate"], USAGE);
        c.env.push(("INVITECTL_LANDING_PAGE", template.into()));
        cases.push(c);
    }
    // Bytes that are not UTF-8, in arguments and the environment.
    cases.push(bytes(
        vec![b"\xffexample.com".to_vec(), b"list".to_vec()],
        USAGE,
    ));
    for (flag, value) in [
        (&b"--username"[..], &b"a\xffb"[..]),
        (b"--note", b"\xff\xfe"),
        (b"--ttl", b"7d\xff"),
        (b"--landing-page", b"https://\xff/{invite.token}"),
        (b"--group", b"g\xc3"),
    ] {
        cases.push(bytes(
            vec![
                HOST.into(),
                b"generate".to_vec(),
                flag.to_vec(),
                value.to_vec(),
            ],
            USAGE,
        ));
    }
    cases.push(bytes(
        vec![HOST.into(), b"revoke".to_vec(), b"AAAAAAAA\xff".to_vec()],
        USAGE,
    ));
    let mut c = case(&[HOST, "generate"], USAGE);
    c.env.push((
        "INVITECTL_LANDING_PAGE",
        OsString::from_vec(b"https://{host}/\xff{invite.token}".to_vec()),
    ));
    cases.push(c);
    // Options and commands that do not exist, with escapes in them.
    cases.push(case(&[HOST, "\u{1b}[2Jlist"], USAGE));
    cases.push(case(&[HOST, "list", "--\u{1b}[2J"], USAGE));
    cases.push(case(&[HOST, "list", "--kind", "\u{202e}account"], USAGE));
    cases.push(case(&["--color", "\u{1b}[31m", HOST, "list"], USAGE));
    cases
}

/// Every hostile command line in the table, against a store holding
/// invites and the server's rows.
#[test]
fn hostile_arguments_are_refused_cleanly() {
    let store = Store::new(Schema::Prosody13);
    store.ok(&["generate", "--count", "3"]);
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let before = store.file_bytes();
    for (i, c) in cases.iter().enumerate() {
        let mut cmd = command();
        cmd.arg("--store").arg(store.path()).args(&c.args);
        for (key, value) in &c.env {
            cmd.env(key, value);
        }
        let out = cmd.output().unwrap();
        let what = format!("case {i}: {:?} {:?}", c.args, c.env);
        assert_one_line_error(&out, c.code, &what);
        assert!(store.file_bytes() == before, "{what} changed the store");
    }
    eprintln!("{} hostile command lines refused", cases.len());
}

/// NUL cannot reach invitectl at all: the operating system passes
/// arguments and environment as C strings, so the spawn itself fails.
#[test]
fn nul_bytes_cannot_be_passed() {
    let err = command().arg("a\0b").output().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let err = command()
        .env("INVITECTL_STORE", "a\0b")
        .output()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

/// Text another tool stored (a note, a username, a group, a damaged
/// record's type) reaches the terminal escaped, in every output: tables,
/// tab-separated lines, `show`; JSON keeps it exact.
#[test]
fn stored_text_cannot_rewrite_the_screen() {
    let store = Store::new(Schema::Prosody13);
    let evil = "\u{1b}[2J\u{1b}[H\u{1b}]0;owned\u{7}\rX\u{202e}gpj.exe\u{8}";
    let record = serde_json::json!({
        "jid": "example.com", "expires": 4102444800u64, "created_at": 1,
        "type": "register", "token": "evilNoteAAAAAAAAAAAAAAAA",
        "uri": format!("xmpp:example.com?register;preauth={evil}"),
        "additional_data": {"note": evil, "groups": [evil], "roles": [evil], "source": evil},
    });
    store.put("", "evilNoteAAAAAAAAAAAAAAAA", "json", &record.to_string());
    store.put(
        &format!("mallory{evil}"),
        "evilUserAAAAAAAAAAAAAAAA",
        "number",
        "4102444800",
    );
    store.put("", &format!("evilKey{evil}"), &format!("type{evil}"), "x");
    for args in [
        &["list", "--all"][..],
        &["show", "evilNoteAAAAAAAAAAAAAAAA"],
        &["show", "evilUserAAAAAAAAAAAAAAAA"],
        &["expire", "--dry-run"],
    ] {
        let out = run(store.path(), args);
        assert!(out.status.success(), "{args:?}");
        // Tabs separate the fields of piped lines; inside a field they
        // are escaped like the rest.
        let stdout = String::from_utf8(out.stdout).unwrap().replace('\t', " ");
        assert_no_terminal_controls(&stdout, &format!("{args:?}"));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_no_terminal_controls(&stderr, &format!("{args:?} stderr"));
    }
    // At a terminal: the table and show, without colour so that any escape
    // sequence on the screen came from the stored text.
    if let Some(pty) = Pty::new("stored_text_cannot_rewrite_the_screen") {
        let pty = pty.env("NO_COLOR", "1");
        for args in [
            &["list", "--all"][..],
            &["show", "evilNoteAAAAAAAAAAAAAAAA"],
        ] {
            let screen = pty.run(&store, args);
            assert_eq!(screen.code, 0, "{args:?}: {}", screen.text);
            assert!(
                screen.text.contains("evilNote"),
                "{args:?}: {}",
                screen.text
            );
            assert_no_terminal_controls(&screen.text, &format!("{args:?} at a terminal"));
        }
    }
    let lines = json_lines(&store.ok(&["list", "--all", "--json"]));
    let note = lines
        .iter()
        .find(|l| l["token"] == "evilNoteAAAAAAAAAAAAAAAA")
        .unwrap();
    assert_eq!(note["note"], evil, "JSON keeps the text exact");
    assert!(lines.iter().any(|l| l["kind"] == "damaged"));
}
