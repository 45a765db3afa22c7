//! At a terminal (a pseudo-terminal made by `script`): the table fits and
//! is coloured, NO_COLOR and --color decide colour, and progress bars
//! appear on stderr only when it is a terminal. In pipes: no escapes.

use super::common::*;
use crate::support::pty::{has_sgr, strip_escapes, Pty};

/// Bright red and yellow, as the table writes them.
const RED: &str = "\x1b[38;5;9m";
const YELLOW: &str = "\x1b[38;5;11m";

const LONG: &str = "longnotelongnotelongnote";
const SOON: &str = "soonsoonsoonsoonsoonsoon";
const GONE: &str = "gonegonegonegonegonegone";

/// A store with an invite with a long note (6 days left), one expiring in
/// 2 hours and one expired 2 hours ago.
fn three_invites() -> Store {
    let store = Store::new(Schema::Prosody13);
    let now = now();
    store.put(
        "",
        LONG,
        "json",
        &with_note(LONG, now + 6 * 86_400 + 600, &"a long note ".repeat(12)),
    );
    store.put(
        "",
        SOON,
        "json",
        &prosody_row(SOON, now - 20, now + 2 * 3_600 + 600),
    );
    store.put(
        "",
        GONE,
        "json",
        &prosody_row(GONE, now - 30, now - 2 * 3_600 - 600),
    );
    store
}

fn with_note(token: &str, expires: i64, note: &str) -> String {
    let mut row: serde_json::Value =
        serde_json::from_str(&prosody_row(token, now() - 10, expires)).unwrap();
    row["additional_data"]["note"] = note.into();
    row.to_string()
}

fn line_with<'a>(text: &'a str, token: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(token))
        .unwrap_or_else(|| panic!("no line with {token} in {text}"))
}

#[test]
fn the_table_fits_the_terminal_and_marks_expiry_in_colour() {
    let Some(pty) = Pty::new("the_table_fits_the_terminal") else {
        return;
    };
    let store = three_invites();
    let screen = pty.size(80, 24).run(&store, &["list", "--all"]);
    assert_eq!(screen.code, 0, "{}", screen.text);
    let text = strip_escapes(&screen.text);
    // A header, its rule, three rows: no row wrapped, none wider than 80.
    assert_eq!(text.lines().count(), 5, "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    assert!(line_with(&text, LONG).contains("in 6 days"), "{text}");
    assert!(
        line_with(&text, LONG).ends_with('…'),
        "the note is cut: {text}"
    );
    assert!(line_with(&text, SOON).contains("in 2 hours"), "{text}");
    assert!(
        line_with(&text, GONE).contains("expired 2 hours ago"),
        "{text}"
    );
    // Expired in red, expiring within a day in yellow, the rest plain.
    assert!(
        line_with(&screen.text, GONE).contains(RED),
        "{:?}",
        screen.text
    );
    assert!(
        line_with(&screen.text, SOON).contains(YELLOW),
        "{:?}",
        screen.text
    );
    assert!(!line_with(&screen.text, LONG).contains("\x1b[38;5;"));

    // A wider terminal shows the whole note.
    let wide = Pty::new("wide")
        .unwrap()
        .size(250, 24)
        .run(&store, &["list"]);
    assert!(strip_escapes(&wide.text).contains(&"a long note ".repeat(11)));
}

#[test]
fn no_color_and_color_never_remove_colour_and_always_forces_it() {
    let Some(_) = Pty::new("no_color") else {
        return;
    };
    let store = three_invites();
    let run = |env: Option<&str>, args: &[&str]| {
        let mut pty = Pty::new("no_color").unwrap();
        if let Some(value) = env {
            pty = pty.env("NO_COLOR", value);
        }
        let mut all = vec!["list", "--all"];
        all.extend_from_slice(args);
        let screen = pty.run(&store, &all);
        assert_eq!(screen.code, 0);
        assert!(screen.text.contains(GONE), "still a table: {}", screen.text);
        screen.has_color()
    };
    assert!(run(None, &[]), "auto colours a terminal");
    assert!(!run(Some("1"), &[]), "NO_COLOR=1 removes colour");
    assert!(run(Some(""), &[]), "an empty NO_COLOR counts as unset");
    assert!(!run(None, &["--color", "never"]));
    assert!(
        run(Some("1"), &["--color", "always"]),
        "always beats NO_COLOR"
    );
}

#[test]
fn pipes_get_no_escape_codes_unless_asked() {
    let store = three_invites();
    let link = store.ok(&["generate", "--note", "x"]);
    let token = token_of(&link);
    for args in [
        &["list"][..],
        &["list", "--all"],
        &["list", "--all", "--json"],
        &["show", &token],
        &["show", &token, "--json"],
        &["generate", "--count", "1500"],
        &["generate", "--json"],
        &["expire", "--dry-run"],
        &["expire"],
    ] {
        let out = store.run(args).success();
        let out = out.get_output();
        assert!(!out.stdout.contains(&0x1b), "{args:?}: escape on stdout");
        assert!(!out.stderr.contains(&0x1b), "{args:?}: escape on stderr");
    }
    // --color always colours even a pipe: the expiry of expired invites.
    let store = three_invites();
    let colored = store.ok(&["--color", "always", "list", "--all"]);
    assert!(
        line_with(&colored, GONE).contains("\x1b[31m"),
        "{colored:?}"
    );
    assert!(
        line_with(&colored, SOON).contains("\x1b[33m"),
        "{colored:?}"
    );
    assert!(!line_with(&colored, LONG).contains('\x1b'));
    // JSON never.
    let json = store.ok(&["--color", "always", "list", "--all", "--json"]);
    assert!(!json.contains('\x1b'));
}

#[test]
fn generate_shows_progress_on_a_terminal_only() {
    let Some(pty) = Pty::new("generate_shows_progress") else {
        return;
    };
    let store = Store::new(Schema::Prosody13);
    let screen = pty.run(&store, &["generate", "--count", "1500"]);
    assert_eq!(screen.code, 0);
    assert!(screen.text.contains("creating invites"), "no bar");
    assert!(screen.text.contains("1,500"), "no count");
    assert!(has_sgr(&screen.text), "a coloured bar");
    let links = strip_escapes(&screen.text)
        .lines()
        .filter(|l| l.contains("xmpp:"))
        .count();
    assert_eq!(links, 1500);

    // stderr not a terminal: no bar, even though stdout is one.
    let dir = tempfile::tempdir().unwrap();
    let err = dir.path().join("err");
    let redirect = format!("2>{}", err.display());
    let screen = Pty::new("x")
        .unwrap()
        .then(&redirect)
        .run(&store, &["generate", "--count", "1500"]);
    assert_eq!(screen.code, 0);
    assert!(!screen.text.contains("creating invites"));
    assert_eq!(std::fs::read(&err).unwrap(), b"", "stderr stays empty");

    // stdout a pipe, stderr the terminal: the bar, and clean data.
    let screen = Pty::new("x")
        .unwrap()
        .then("| grep -c '^xmpp:'")
        .run(&store, &["generate", "--count", "1500"]);
    assert!(screen.text.contains("creating invites"));
    // The count follows the erased bar on the same line, after a '\r'.
    let text = strip_escapes(&screen.text);
    assert!(
        text.split(['\n', '\r']).any(|l| l.trim() == "1500"),
        "{text:?}"
    );

    // NO_COLOR: still a bar, without colour.
    let screen = Pty::new("x")
        .unwrap()
        .env("NO_COLOR", "1")
        .run(&store, &["generate", "--count", "1500"]);
    assert!(screen.text.contains("creating invites"));
    assert!(!screen.has_color(), "NO_COLOR removes the bar's colour");

    // A small run: no bar.
    let screen = Pty::new("x")
        .unwrap()
        .run(&store, &["generate", "--count", "3"]);
    assert!(!screen.text.contains("creating invites"));
}

#[test]
fn expire_shows_progress_on_large_stores_at_a_terminal_only() {
    let Some(pty) = Pty::new("expire_shows_progress") else {
        return;
    };
    let seeded = || {
        let store = Store::new(Schema::Prosody13);
        store.put_many((0..1500).map(|i| {
            let token = format!("expired{i:017}");
            let row = prosody_row(&token, 1, 2);
            (token, row)
        }));
        store
    };
    let store = seeded();
    let screen = pty.run(&store, &["expire"]);
    assert_eq!(screen.code, 0);
    assert!(screen.text.contains("removing expired invites"), "no bar");
    assert!(screen.text.contains("removed 1500 expired invites"));

    let store = seeded();
    let screen = Pty::new("x").unwrap().run(&store, &["expire", "--quiet"]);
    assert_eq!(screen.code, 0);
    assert_eq!(strip_escapes(&screen.text).trim(), "", "--quiet is silent");
    assert!(store.invite_rows().is_empty());

    let store = seeded();
    let out = store.run(&["expire"]).success();
    assert!(out.get_output().stderr.is_empty(), "no bar in a pipe");
}
