//! Kill -9 at random moments: whatever instant a command dies, the store
//! is intact, holds every invite it held before or every invite the
//! command meant to leave, never a mix, and the server's rows are as they
//! were. (File storage `.dat` files: not built yet, so not tested here.)

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::common::{Schema, Store};
use crate::util::*;

const TRIALS: usize = 20;

/// Runs `args` on copies of `template`, killed with SIGKILL after a random
/// delay within the command's measured run time (and a little beyond),
/// and checks the invariants after each kill.
fn kill_trials(test: &str, template: &Store, args: &[&str], after: i64) {
    let mut rng = rng(test);
    let before = invite_count(template);
    let foreign = template.foreign_state();
    std::fs::set_permissions(&template.path, std::fs::Permissions::from_mode(0o600)).unwrap();

    // One full run: the command works, and how long it takes bounds the
    // delays.
    let store = template.copy();
    let started = Instant::now();
    let out = run(&store.path, args);
    let full = started.elapsed();
    assert!(
        out.status.success(),
        "{test}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(invite_count(&store), after, "{test}: a full run");
    drop(store);

    let (mut interrupted, mut finished_before, mut finished_after) = (0, 0, 0);
    for trial in 0..TRIALS {
        let store = template.copy();
        let delay = Duration::from_micros(rng.random_range(0..=(full.as_micros() as u64 * 3 / 2)));
        let mut child = command()
            .arg("--store")
            .arg(&store.path)
            .arg(crate::common::HOST)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let what = format!("{test} trial {trial} (killed after {delay:?}, {status})");
        if status.code().is_none() {
            interrupted += 1;
        } else {
            assert!(status.success(), "{what}");
        }
        // A hot journal left behind is as private as the store.
        let journal = store.path.with_extension("sqlite-journal");
        if let Ok(meta) = std::fs::metadata(&journal) {
            assert_eq!(
                meta.permissions().mode() & 0o777,
                0o600,
                "{what}: journal mode"
            );
        }
        assert_eq!(integrity(&store.path), "ok", "{what}");
        let count = invite_count(&store);
        assert!(
            count == before || count == after,
            "{what}: {count} invites, expected {before} or {after}"
        );
        if count == before {
            finished_before += 1;
        } else {
            finished_after += 1;
        }
        assert_eq!(
            store.foreign_state(),
            foreign,
            "{what}: the server's rows changed"
        );
        // The store is usable at once.
        let out = run(&store.path, &["list", "--all", "--json"]);
        assert!(out.status.success(), "{what}: list after the kill failed");
    }
    eprintln!(
        "{test}: {TRIALS} trials over {full:?}: {interrupted} killed mid-run, {finished_before} left the old state, {finished_after} the new one"
    );
    assert!(
        interrupted > 0,
        "{test}: no kill landed while the command ran"
    );
}

#[test]
fn kill_generate_100000_leaves_all_or_none() {
    let template = Store::new(Schema::Prosody13);
    seed_invites(&template.path, 500, invitectl::now(), 86_400);
    kill_trials(
        "kill_generate",
        &template,
        &["generate", "--count", "100000"],
        500 + 100_000,
    );
}

#[test]
fn kill_expire_leaves_all_or_none() {
    let template = Store::new(Schema::Prosody012);
    let now = invitectl::now();
    seed_invites(&template.path, 20_000, now - 30 * 86_400, 86_400);
    seed_invites(&template.path, 1_000, now, 86_400);
    kill_trials("kill_expire", &template, &["expire"], 1_000);
}

#[test]
fn kill_revoke_leaves_all_or_none() {
    let template = Store::new(Schema::Prosody13);
    seed_invites(&template.path, 20_000, invitectl::now(), 86_400);
    let tokens: Vec<String> = tokens_in(&template).into_iter().take(2_000).collect();
    let mut args = vec!["revoke"];
    args.extend(tokens.iter().map(String::as_str));
    kill_trials("kill_revoke", &template, &args, 18_000);
}
