//! Damaged and hostile stores: truncated files, read-only files and
//! folders, a full disk, and invite rows nobody can read. Every command
//! ends in a clear one-line error or a `damaged` marker, never a panic,
//! and never deletes a row it cannot read.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use super::refusals::*;
use super::running::*;
use super::seeding::*;
use super::store_state::*;
use crate::support::accounts::{is_root, nobody};
use crate::support::binary::command;
use crate::support::skip::skipped;
use crate::support::{
    output::json_lines,
    store::{Schema, Store, HOST},
};

/// The commands every damaged store is tried with.
fn every_command(token: &str) -> Vec<Vec<String>> {
    [
        vec!["generate"],
        vec!["generate", "--count", "50"],
        vec!["list", "--all", "--json"],
        vec!["list", "--all"],
        vec!["show", token],
        vec!["expire"],
        vec!["expire", "--dry-run", "--json"],
        vec!["revoke", token],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A failure is exit 1 with one line; a success prints whole JSON lines.
fn clear_outcome(out: &Output, what: &str) {
    assert_ne!(out.status.code(), Some(101), "{what}: panicked");
    if out.status.success() {
        let stdout = String::from_utf8_lossy(&out.stdout);
        if what.contains("--json") {
            for line in stdout.lines() {
                serde_json::from_str::<Value>(line)
                    .unwrap_or_else(|e| panic!("{what}: {e}: {line}"));
            }
        }
    } else {
        // Output already printed by a listing that met the damage midway
        // is allowed; the error must still be one clear line.
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(1) | Some(3)),
            "{what}: {stderr}"
        );
        assert!(stderr.starts_with("invitectl: "), "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
        assert_no_terminal_controls(stderr.trim_end(), what);
    }
}

/// A store cut short (a partial copy, a torn write): every command ends in
/// one clear line, exit 1, and leaves the file as it was.
#[test]
fn a_truncated_store() {
    let full = Store::new(Schema::Prosody13);
    seed_invites(&full, 3_000, invitectl::now() - 30 * 86_400, 86_400);
    let token = tokens_in(&full).into_iter().next().unwrap();
    let size = std::fs::metadata(full.path()).unwrap().len();
    for cut in [size / 2, size / 10, 4096 * 3 + 100, 100, 1] {
        for command in every_command(&token) {
            let store = full.copy();
            std::fs::OpenOptions::new()
                .write(true)
                .open(store.path())
                .unwrap()
                .set_len(cut)
                .unwrap();
            let before = store.file_bytes();
            let out = run(store.path(), &args(&command));
            let what = format!("cut to {cut}: {command:?}");
            clear_outcome(&out, &what);
            // SQLite sees the cut (the header tells the size), so every
            // command refuses the store, and nothing is written.
            assert_one_line_error(&out, 1, &what);
            assert!(store.file_bytes() == before, "{what}: the file changed");
        }
    }
}

/// Read-only files and folders, for a user who is not root (root ignores
/// permissions, so the binary runs as `nobody`): writes fail in one line
/// and change nothing; reads work.
#[test]
fn read_only_files_and_folders() {
    if !is_root() {
        skipped("read_only_files_and_folders switches to nobody, which needs root (tests/cli/bad_input.rs covers a read-only file for a plain user)");
        return;
    }
    let (uid, gid) = nobody();
    let template = Store::new(Schema::Prosody13);
    seed_invites(&template, 20, invitectl::now() - 30 * 86_400, 86_400);
    let token = tokens_in(&template).into_iter().next().unwrap();
    for (case, file_mode, dir_mode) in [
        ("read-only file", 0o400, 0o700),
        ("read-only folder", 0o600, 0o500),
        ("read-only both", 0o400, 0o500),
    ] {
        let store = template.copy();
        let dir = store.path().parent().unwrap();
        chown(dir, uid, gid);
        chown(store.path(), uid, gid);
        std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(file_mode)).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(dir_mode)).unwrap();
        let before = store.file_bytes();
        for write in [
            vec!["generate"],
            vec!["expire"],
            vec!["revoke", token.as_str()],
        ] {
            let out = as_nobody(store.path(), &write);
            assert_one_line_error(&out, 1, &format!("{case}: {write:?}"));
            assert!(store.file_bytes() == before, "{case}: {write:?}");
        }
        let out = as_nobody(store.path(), &["list", "--all", "--json"]);
        assert!(
            out.status.success(),
            "{case}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            json_lines(&String::from_utf8(out.stdout).unwrap()).len(),
            20
        );
        // A new store in a folder nobody may write: refused, nothing made.
        let new = dir.join("new.sqlite");
        if dir_mode == 0o500 {
            assert_one_line_error(&as_nobody(&new, &["generate"]), 1, case);
            assert!(!new.exists());
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}

/// The disk fills up in the middle of a write (the file size limit, which
/// any user can set, stands in for a full disk): the command fails in one
/// line, prints no link (none of them would work), and the store holds what
/// it held before.
#[test]
fn a_write_that_runs_out_of_space() {
    let store = Store::new(Schema::Prosody13);
    seed_invites(&store, 2_000, invitectl::now() - 30 * 86_400, 86_400);
    let before = invite_count(&store);
    let foreign = store.foreign_state();
    let limit = std::fs::metadata(store.path()).unwrap().len() + 16 * 1024;
    for write in [
        &["generate", "--count", "2000"][..],
        &["generate", "--count", "2000", "--json"],
    ] {
        let mut cmd = command();
        cmd.arg("--store").arg(store.path()).arg(HOST).args(write);
        // SAFETY: setrlimit and signal are async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                let rlimit = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit);
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                Ok(())
            });
        }
        let out = cmd.output().unwrap();
        assert_one_line_error(&out, 1, &format!("{write:?}"));
        assert_eq!(integrity(store.path()), "ok");
        assert_eq!(invite_count(&store), before);
        assert_eq!(store.foreign_state(), foreign);
    }
    // With room again, the same store works.
    assert_eq!(
        store.ok(&["generate", "--count", "2000"]).lines().count(),
        2000
    );
}

/// A real full disk: a small tmpfs, filled up; `generate` and an
/// `expire` with invites to remove both need room. Needs root and a kernel
/// that lets this process mount; skipped loudly otherwise (the test above
/// runs everywhere).
#[test]
fn a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mount = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(dir.path())
        .output();
    match mount {
        Ok(out) if out.status.success() => {}
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                Err(e) => e.to_string(),
            };
            skipped(&format!("a_full_disk cannot mount a tmpfs here ({why}); a_write_that_runs_out_of_space covers a failing write"));
            return;
        }
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(dir.path());
    let path = dir.path().join("prosody.sqlite");
    assert!(run(&path, &["generate", "--count", "1000"])
        .status
        .success());
    seed_invites_at(&path, 500, invitectl::now() - 30 * 86_400, 86_400);
    let count_before = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM prosody", [], |r| r.get::<_, i64>(0))
        .unwrap();
    // Fill what is left.
    let filler = dir.path().join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        for _ in 0..10_000 {
            if f.write_all(&block).is_err() {
                break;
            }
        }
    }
    let before = std::fs::read(&path).unwrap();
    for write in [&["generate", "--count", "5000"][..], &["expire"]] {
        let out = run(&path, write);
        assert_one_line_error(&out, 1, &format!("full disk: {write:?}"));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("full"),
            "{out:?}"
        );
        assert!(
            std::fs::read(&path).unwrap() == before,
            "the full store changed"
        );
    }
    assert_eq!(integrity(&path), "ok");
    let count_after = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM prosody", [], |r| r.get::<_, i64>(0))
        .unwrap();
    assert_eq!(count_after, count_before);
    std::fs::remove_file(&filler).unwrap();
    assert!(run(&path, &["generate", "--count", "10"]).status.success());
}
/// Rows the reader and the pruner might see differently. `expire` removes
/// exactly the rows that `list --all` shows as expired invites and
/// `expire --dry-run` announces: never one `list` calls damaged.
#[test]
fn expire_removes_exactly_what_list_calls_expired() {
    let store = Store::new(Schema::Prosody012);
    let now = invitectl::now();
    let future = now + 86_400;
    let host_values = [
        r#"{"jid":"example.com","expires":1}"#.to_owned(),
        r#"{"jid":"example.com","expires":1.5}"#.to_owned(),
        r#"{"jid":"example.com","expires":-5}"#.to_owned(),
        r#"{"jid":"example.com","expires":1e3}"#.to_owned(),
        r#"{"jid":"example.com","expires":-1e300}"#.to_owned(),
        r#"{"jid":"example.com","expires":1e300}"#.to_owned(),
        r#"{"jid":"example.com","expires":9223372036854775807}"#.to_owned(),
        r#"{"jid":"example.com","expires":"1"}"#.to_owned(),
        r#"{"jid":"example.com","expires":true}"#.to_owned(),
        r#"{"jid":"example.com","expires":null}"#.to_owned(),
        r#"{"jid":"example.com","expires":[1]}"#.to_owned(),
        r#"{"jid":"example.com"}"#.to_owned(),
        r#"{"expires":1}"#.to_owned(),
        r#"{"jid":5,"expires":1}"#.to_owned(),
        r#"{"jid":"example.com","expires":1,"type":"frobnicate"}"#.to_owned(),
        r#"{"jid":"example.com","expires":1,"expires":2}"#.to_owned(),
        r#"{"jid":"example.com","expires":1,"uri":5}"#.to_owned(),
        r#"{"jid":"example.com","expires":1,"additional_data":"x"}"#.to_owned(),
        r#"{"jid":"example.com","expires":1,"created_at":"yesterday"}"#.to_owned(),
        r#"[{"expires":1}]"#.to_owned(),
        r#"{"jid":"example.com","expires":1"#.to_owned(),
        "".to_owned(),
        format!(r#"{{"jid":"example.com","expires":{future}}}"#),
        format!(r#"{{"jid":"example.com","expires":{}}}"#, now - 1),
    ];
    let number_values = [
        "1",
        "1.0",
        "1.5",
        "5.",
        ".5",
        "-5",
        "+5",
        "1e3",
        " 1",
        "1 ",
        "0x10",
        "",
        "abc",
        "12abc",
        "inf",
        "NaN",
        "1.2.3",
        "99999999999999999999",
        "-0",
        "00001",
    ];
    let mut key = 0;
    let mut next_key = || {
        key += 1;
        format!("weird{key:019}")
    };
    for value in &host_values {
        store.put("", &next_key(), "json", value);
    }
    store.put("", &next_key(), "number", "1");
    store.put(
        "",
        &next_key(),
        "string",
        r#"{"jid":"example.com","expires":1}"#,
    );
    for value in number_values {
        store.put("dave", &next_key(), "number", value);
    }
    store.put("dave", &next_key(), "json", "1");
    store.put("dave", &next_key(), "string", "1");
    // A blob and a number where text belongs.
    let conn = store.conn();
    conn.execute(
        "INSERT INTO prosody VALUES (?1, '', 'invite_token', ?2, 'json', CAST(?3 AS BLOB))",
        [HOST, &next_key(), r#"{"jid":"example.com","expires":1}"#],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO prosody VALUES (?1, 'erin', 'invite_token', ?2, 'number', 1)",
        [HOST, &next_key()],
    )
    .unwrap();
    drop(conn);

    let keys = |lines: &[Value], pick: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        lines
            .iter()
            .filter(|l| pick(l))
            .map(|l| l["token"].as_str().unwrap().to_owned())
            .collect()
    };
    let listed = json_lines(&store.ok(&["list", "--all", "--json"]));
    let expired = keys(&listed, &|l| l["kind"] != "damaged" && l["expired"] == true);
    let damaged = keys(&listed, &|l| l["kind"] == "damaged");
    let dry_run = keys(
        &json_lines(&store.ok(&["expire", "--dry-run", "--json"])),
        &|_| true,
    );
    let rows_before: BTreeSet<String> = tokens_in(&store).into_iter().collect();
    let removed: u64 = json_lines(&store.ok(&["expire", "--json"]))[0]["removed"]
        .as_u64()
        .unwrap();
    let rows_after: BTreeSet<String> = tokens_in(&store).into_iter().collect();
    let gone: BTreeSet<String> = rows_before.difference(&rows_after).cloned().collect();
    assert!(
        gone.is_disjoint(&damaged),
        "expire removed damaged rows: {:?}",
        gone.intersection(&damaged).collect::<Vec<_>>()
    );
    assert_eq!(gone, dry_run, "expire --dry-run announced something else");
    assert_eq!(gone, expired, "expire and list disagree");
    assert_eq!(removed as usize, gone.len());
    assert!(!damaged.is_empty() && !expired.is_empty());
}

/// A store path that is a device or a pipe: every command is
/// refused in one line, and nothing is made beside it (SQLite, given
/// /dev/null, would make /dev/null-journal).
#[test]
fn a_store_that_is_no_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.sqlite");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    // A folder is no such store: it names Prosody's data folder, with
    // file storage (tests/cli/bad_input.rs).
    let mut paths: Vec<std::path::PathBuf> = vec!["/dev/null".into(), "/dev/zero".into()];
    if made.is_ok_and(|s| s.success()) {
        paths.push(fifo);
    }
    for path in &paths {
        let journal = format!("{}-journal", path.display());
        let journal_was_there = Path::new(&journal).exists();
        for command in every_command("AAAAAAAAAAAAAAAAAAAAAAAA") {
            let out = run(path, &args(&command));
            assert_one_line_error(&out, 1, &format!("{path:?} {command:?}"));
        }
        if !journal_was_there {
            assert!(!Path::new(&journal).exists(), "{journal} was made");
        }
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(names.len() <= 1, "{names:?}");
}
