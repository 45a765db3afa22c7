//! QR codes: drawn on a terminal they scan back to the printed link;
//! written as PNG or SVG they decode to it; and they never change what a
//! pipe receives or leave anything behind when a run fails.

use std::path::Path;

use super::common::*;
use super::qr_decode::{decode_drawings, decode_png, zbarimg};
use crate::support::pty::{strip_escapes, Pty};
use crate::support::tools::need;

const LANDING: &str = "https://{host}/invite/{invite.token}/";

fn links(text: &str) -> Vec<String> {
    strip_escapes(text)
        .lines()
        .filter(|l| l.starts_with("xmpp:") || l.starts_with("https:"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn generate_qr_on_a_terminal_scans_back_to_the_printed_link() {
    let Some(_) = Pty::new("generate_qr_on_a_terminal") else {
        return;
    };
    let store = Store::new(Schema::Prosody13);
    for (color, landing) in [("always", false), ("never", false), ("auto", true)] {
        let mut args = vec!["--color", color, "generate", "--qr"];
        if landing {
            args.extend(["--landing-page", LANDING]);
        }
        let screen = Pty::new("x").unwrap().run(&store, &args);
        assert_eq!(screen.code, 0, "{}", screen.text);
        let links = links(&screen.text);
        assert_eq!(links.len(), 1, "{}", screen.text);
        assert_eq!(links[0].starts_with("https://example.com/invite/"), landing);
        assert_eq!(decode_drawings(&screen.text), links, "{color}");
        assert_eq!(screen.has_color(), color != "never");
    }
    // --count: each link followed by its code.
    let screen = Pty::new("x")
        .unwrap()
        .size(80, 60)
        .run(&store, &["generate", "--count", "3", "--qr"]);
    let links = links(&screen.text);
    assert_eq!(links.len(), 3);
    assert_eq!(decode_drawings(&screen.text), links);
}

#[test]
fn the_code_is_sized_to_fit_the_terminal() {
    let Some(_) = Pty::new("the_code_is_sized_to_fit") else {
        return;
    };
    let store = Store::new(Schema::Prosody13);
    let width = |columns: u16, rows: u16| {
        let screen = Pty::new("x")
            .unwrap()
            .size(columns, rows)
            .run(&store, &["generate", "--qr"]);
        let text = strip_escapes(&screen.text);
        let art: Vec<&str> = text.lines().filter(|l| l.contains('█')).collect();
        assert_eq!(decode_drawings(&screen.text), links(&screen.text));
        let widest = art.iter().map(|l| l.chars().count()).max().unwrap();
        (widest, art.len(), text)
    };
    let (big, big_rows, _) = width(200, 100);
    let (small, small_rows, _) = width(80, 24);
    assert!(big > small, "a bigger terminal, a bigger code");
    assert!(small <= 80 && small_rows <= 22, "{small}×{small_rows}");
    assert!(big <= 200 && big_rows <= 98);
    // Too small for any code: drawn anyway, with a note saying so.
    let (_, _, text) = width(30, 10);
    assert!(text.contains("invitectl: the QR code needs"), "{text}");
}

#[test]
fn qr_goes_to_stderr_when_stdout_is_a_pipe_and_is_refused_without_a_terminal() {
    let Some(pty) = Pty::new("qr_goes_to_stderr") else {
        return;
    };
    let store = Store::new(Schema::Prosody13);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let screen = pty
        .then(&format!(">{}", out.display()))
        .run(&store, &["generate", "--qr"]);
    assert_eq!(screen.code, 0);
    let data = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        data.lines().count(),
        1,
        "only the link in the pipe: {data:?}"
    );
    assert!(!data.contains('█') && !data.contains('\x1b'));
    assert_eq!(decode_drawings(&screen.text), [data.trim_end()]);

    // Neither stream a terminal: a usage error, and nothing written.
    let rows = store.invite_rows();
    let failed = store.run(&["generate", "--qr"]).code(2);
    let err = String::from_utf8(failed.get_output().stderr.clone()).unwrap();
    assert!(
        err.starts_with("invitectl: --qr draws on a terminal"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    assert!(failed.get_output().stdout.is_empty());
    assert_eq!(store.invite_rows(), rows);
}

#[test]
fn show_qr_draws_the_invites_link() {
    let Some(pty) = Pty::new("show_qr") else {
        return;
    };
    let store = Store::new(Schema::Prosody13);
    let link = store.ok(&["generate", "--landing-page", LANDING]);
    let token = link.trim_end().rsplit('/').nth(1).unwrap().to_owned();
    let screen = pty.run(&store, &["show", &token, "--qr"]);
    assert_eq!(screen.code, 0, "{}", screen.text);
    assert!(strip_escapes(&screen.text).contains(&format!("token         {token}")));
    assert_eq!(decode_drawings(&screen.text), [link.trim_end()]);
}

#[test]
fn qr_files_decode_to_the_exact_link() {
    let store = Store::new(Schema::Prosody13);
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("invite.png");
    let svg = dir.path().join("invite.SVG");
    let link = store.ok(&["generate", "--qr-file", png.to_str().unwrap()]);
    let link = link.trim_end();
    assert_eq!(decode_png(&png), link, "rqrr reads the PNG");
    let shown = store.ok(&["show", &token_of(link), "--qr-file", svg.to_str().unwrap()]);
    assert!(shown.contains(link));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    // An independent reader for both formats, as a phone would read them.
    let test = "qr_files_decode_to_the_exact_link";
    if let Some(text) = zbarimg(&png, test) {
        assert_eq!(text, link);
        // zbarimg reads SVG through ImageMagick, which needs rsvg-convert.
        if need("rsvg-convert", "librsvg2-bin", test) {
            assert_eq!(zbarimg(&svg, test).unwrap(), link);
        }
    }
}

#[test]
fn with_count_qr_file_takes_a_folder_or_a_pattern() {
    let store = Store::new(Schema::Prosody13);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("made/by/invitectl/");
    let printed = store.ok(&[
        "generate",
        "--count",
        "3",
        "--landing-page",
        LANDING,
        "--qr-file",
        folder.to_str().unwrap(),
    ]);
    let printed: Vec<&str> = printed.lines().collect();
    assert_eq!(printed.len(), 3);
    for link in &printed {
        let token = link.rsplit('/').nth(1).unwrap();
        assert_eq!(decode_png(&folder.join(format!("{token}.png"))), *link);
    }
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 3);

    let pattern = dir.path().join("invite-{n}.png");
    let printed = store.ok(&[
        "generate",
        "--count",
        "12",
        "--qr-file",
        pattern.to_str().unwrap(),
    ]);
    for (i, link) in printed.lines().enumerate() {
        let path = dir.path().join(format!("invite-{:02}.png", i + 1));
        assert_eq!(decode_png(&path), link, "{}", path.display());
    }
    let svgs = dir.path().join("{token}.svg");
    let printed = store.ok(&[
        "generate",
        "--count",
        "2",
        "--qr-file",
        svgs.to_str().unwrap(),
    ]);
    for link in printed.lines() {
        assert!(dir.path().join(format!("{}.svg", token_of(link))).exists());
    }
}

#[test]
fn a_bad_qr_file_is_refused_and_nothing_is_written() {
    let store = Store::new(Schema::Prosody13);
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let before = store.invite_rows();
    let refused: [(&[&str], &str, &str); 4] = [
        (&[], "invite.gif", "must end in .png or .svg"),
        (
            &["--count", "2"],
            "one.png",
            "with --count, give a folder or a pattern",
        ),
        (&[], "missing/invite.png", "no folder"),
        // Found only while the invites are written: all are rolled back.
        (&["--count", "3"], "{token}/x.png", "no folder"),
    ];
    for (options, file, message) in refused {
        let file = path(file);
        let mut all = vec!["generate"];
        all.extend_from_slice(options);
        all.extend(["--qr-file", &file]);
        let out = store.run(&all).code(2);
        let err = stderr_of(&out);
        assert!(
            err.starts_with("invitectl: ") && err.contains(message),
            "{all:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1);
        assert!(out.get_output().stdout.is_empty());
        assert_eq!(store.invite_rows(), before, "{all:?} wrote to the store");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
    assert!(!Path::new(&path("invite.gif")).exists());
}
