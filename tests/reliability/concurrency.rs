//! Commands running together: writers in a loop, `expire` every 100 ms,
//! readers in a loop. Every command succeeds (on SQLite the busy timeout
//! and short `BEGIN IMMEDIATE` transactions, on file storage invitectl's
//! lock on the data folder), every printed token is in the store or was
//! consumed, and the server's rows or files stay byte-identical.
//!
//! A real Prosody writing at the same time is left out: its SQLite
//! connection sets no busy timeout, so it fails whenever it meets a lock
//! (interop scenario 14), which no tool on the other side can prevent; on
//! file storage it takes no lock, and what remains of that race is
//! documented in the files module.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::running::*;
use super::seeding::*;
use super::store_state::*;
use crate::support::{
    output::{json_lines, token_of},
    store::{Schema, Store},
};

/// How long the commands run together.
const RUN_FOR: Duration = Duration::from_secs(4);
/// A bound on every loop, whatever the clock says.
const MAX_ROUNDS: usize = 400;

/// What a command printed when it failed.
fn failure(args: &[&str], out: &std::process::Output) -> String {
    format!(
        "{args:?} exited {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run_together(schema: Schema) {
    let store = Store::new(schema);
    let now = invitectl::now();
    seed_invites(&store, 300, now - 30 * 86_400, 86_400);
    seed_invites(&store, 300, now, 86_400);
    let foreign = foreign_state(&store);
    let path = Arc::new(StoreArg::of(&store));
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    // token -> the lifetime it was made with, for every printed token.
    let printed = Arc::new(Mutex::new(HashMap::<String, &'static str>::new()));
    let revoked = Arc::new(Mutex::new(HashSet::<String>::new()));
    let removed_by_expire = Arc::new(Mutex::new(0u64));
    let started = Instant::now();
    let mut threads = Vec::new();

    // Writers: three generate loops (one making invites that expire at
    // once, one revoking what it made the round before).
    for (writer, ttl) in [(0, "7d"), (1, "1s"), (2, "1d")] {
        let (path, stop, errors, printed, revoked) = (
            path.clone(),
            stop.clone(),
            errors.clone(),
            printed.clone(),
            revoked.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let mut last = None;
            for _ in 0..MAX_ROUNDS {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let args = ["generate", "--count", "3", "--ttl", ttl];
                let out = path.run(&args);
                if !out.status.success() || !out.stderr.is_empty() {
                    errors.lock().unwrap().push(failure(&args, &out));
                    continue;
                }
                let text = String::from_utf8(out.stdout).unwrap();
                let tokens: Vec<String> = text.lines().map(token_of).collect();
                assert_eq!(tokens.len(), 3, "{text}");
                let mut map = printed.lock().unwrap();
                for t in &tokens {
                    map.insert(t.clone(), ttl);
                }
                drop(map);
                if writer == 2 {
                    if let Some(old) = last.replace(tokens[0].clone()) {
                        let args = ["revoke", old.as_str()];
                        let out = path.run(&args);
                        if out.status.success() {
                            revoked.lock().unwrap().insert(old);
                        } else {
                            errors.lock().unwrap().push(failure(&args, &out));
                        }
                    }
                }
            }
        }));
    }
    // expire every 100 ms.
    {
        let (path, stop, errors, removed) = (
            path.clone(),
            stop.clone(),
            errors.clone(),
            removed_by_expire.clone(),
        );
        threads.push(std::thread::spawn(move || {
            for _ in 0..MAX_ROUNDS {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let round = Instant::now();
                let args = ["expire", "--json"];
                let out = path.run(&args);
                if out.status.success() {
                    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
                    *removed.lock().unwrap() += lines[0]["removed"].as_u64().unwrap();
                } else {
                    errors.lock().unwrap().push(failure(&args, &out));
                }
                if let Some(rest) = Duration::from_millis(100).checked_sub(round.elapsed()) {
                    std::thread::sleep(rest);
                }
            }
        }));
    }
    // list --json in a loop: every line is a whole invite, none damaged.
    {
        let (path, stop, errors) = (path.clone(), stop.clone(), errors.clone());
        threads.push(std::thread::spawn(move || {
            for _ in 0..MAX_ROUNDS {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let args = ["list", "--all", "--json"];
                let out = path.run(&args);
                if !out.status.success() {
                    errors.lock().unwrap().push(failure(&args, &out));
                    continue;
                }
                for line in json_lines(&String::from_utf8(out.stdout).unwrap()) {
                    if line["kind"] == "damaged" {
                        errors.lock().unwrap().push(format!("list saw {line}"));
                    }
                }
            }
        }));
    }
    while started.elapsed() < RUN_FOR && threads.iter().any(|t| !t.is_finished()) {
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let errors = errors.lock().unwrap();
    assert!(
        errors.is_empty(),
        "{} failures, first: {}",
        errors.len(),
        errors[0]
    );

    // One last prune, after every short invite has expired.
    let last = invitectl::now() + 2;
    while invitectl::now() < last {
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = StoreArg::of(&store).run(&["expire", "--json"]);
    assert!(out.status.success());
    let removed = *removed_by_expire.lock().unwrap()
        + json_lines(&String::from_utf8(out.stdout).unwrap())[0]["removed"]
            .as_u64()
            .unwrap();

    let printed = printed.lock().unwrap();
    let revoked = revoked.lock().unwrap();
    let stored = tokens_in(&store);
    let mut short = 0;
    for (token, ttl) in printed.iter() {
        match *ttl {
            "1s" => {
                assert!(
                    !stored.contains(token),
                    "{token} expired but was not pruned"
                );
                short += 1;
            }
            _ if revoked.contains(token) => {
                assert!(!stored.contains(token), "{token} revoked but stored")
            }
            _ => assert!(
                stored.contains(token),
                "printed {token} is not in the store"
            ),
        }
    }
    // expire removed exactly the seeded expired invites and the short ones.
    assert_eq!(removed, 300 + short, "expire's counts");
    assert_eq!(
        stored.len(),
        300 + printed.len() - short as usize - revoked.len()
    );
    assert!(
        printed.len() >= 30,
        "only {} invites made in {RUN_FOR:?}",
        printed.len()
    );
    assert_eq!(store_integrity(&store), "ok");
    assert_eq!(foreign_state(&store), foreign);
    assert_eq!(
        assert_leftovers_private(&store, "after the run"),
        0,
        "every command finished, yet left a journal or scratch file"
    );
    eprintln!(
        "{schema:?}: {} invites made, {} revoked, {removed} pruned, in {:?}",
        printed.len(),
        revoked.len(),
        started.elapsed()
    );
}

#[test]
fn concurrent_commands_all_succeed_prosody13() {
    run_together(Schema::Prosody13);
}

#[test]
fn concurrent_commands_all_succeed_prosody012() {
    run_together(Schema::Prosody012);
}

#[test]
fn concurrent_commands_all_succeed_on_file_storage() {
    run_together(Schema::Files);
}

#[test]
fn concurrent_commands_all_succeed_on_postgres() {
    if crate::support::postgres_cluster::cluster().is_some() {
        run_together(Schema::Postgres13);
    }
}

#[test]
fn concurrent_commands_all_succeed_on_mysql() {
    if crate::support::mariadb_server::server().is_some() {
        run_together(Schema::Mysql13);
    }
}

/// Many processes creating the same missing store at once: all succeed,
/// and it gets one schema.
#[test]
fn concurrent_creation_of_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite");
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || run(&path, &["generate"]))
        })
        .collect();
    for t in threads {
        let out = t.join().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(objects, 2, "one table and its unique index");
    let invites: i64 = conn
        .query_row("SELECT count(*) FROM prosody", [], |r| r.get(0))
        .unwrap();
    assert_eq!(invites, 6);
}

/// A bulk revoke reads the host's records once, not once per token, so it
/// holds the write lock for a moment, not for longer than other commands
/// wait (it took 14 s for 2,000 tokens among 20,000 invites in a debug
/// build; about 0.2 s now).
#[test]
fn a_bulk_revoke_is_one_short_transaction() {
    let store = Store::new(Schema::Prosody13);
    seed_invites(&store, 20_000, invitectl::now(), 86_400);
    let tokens: Vec<String> = tokens_in(&store).into_iter().take(2_000).collect();
    let mut args = vec!["revoke"];
    args.extend(tokens.iter().map(String::as_str));
    args.push("AAAAAAAAAAAAAAAAAAAAAAAA");
    let started = Instant::now();
    let out = run(store.path(), &args);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "invitectl: no invite with token AAAAAAAAAAAAAAAAAAAAAAAA\n"
    );
    assert_eq!(invite_count(&store), 18_000);
    assert!(took < Duration::from_secs(4), "revoke took {took:?}");
}

/// Writers started together on one data folder: file storage has no
/// transaction, and without invitectl's lock they renamed each other's
/// scratch file away (exit 1), wrote into it at once and renamed a torn
/// file into place, or wrote over each other's invites. Every one succeeds
/// and every printed invite is stored.
#[test]
fn writers_together_on_file_storage_lose_nothing() {
    let store = Store::new(Schema::Files);
    seed_contact_invites(&store, "alice", 50, invitectl::now(), 86_400);
    let before = tokens_in(&store);
    let foreign = foreign_state(&store);
    let start = Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (path, start) = (store.path().to_path_buf(), start.clone());
            std::thread::spawn(move || {
                let args: &[&str] = match i % 4 {
                    0 => &["generate", "--count", "20", "--contact", "alice"],
                    1 => &["generate", "--count", "20", "--contact", "bob"],
                    _ => &["generate", "--count", "20"],
                };
                start.wait();
                let out = run(&path, args);
                assert!(out.status.success(), "{}", failure(args, &out));
                String::from_utf8(out.stdout).unwrap()
            })
        })
        .collect();
    let mut printed = HashSet::new();
    for t in threads {
        printed.extend(t.join().unwrap().lines().map(token_of));
    }
    assert_eq!(printed.len(), 160);
    let stored = tokens_in(&store);
    let lost: Vec<&String> = printed.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} printed invites lost: {lost:?}",
        lost.len()
    );
    assert_eq!(stored.len(), before.len() + 160);
    // A contact invite is in its inviter's file and the host-level one.
    assert_eq!(invite_count(&store), 50 * 2 + 80 * 2 + 80);
    assert_eq!(store_integrity(&store), "ok");
    assert_eq!(foreign_state(&store), foreign);
}
