//! Kill -9 at random moments: whatever instant a command dies, the store
//! is whole, the server's data is as it was, what the command left beside
//! the store is private, and the next command works at once.
//!
//! What "whole" means differs by backend, and each test asserts exactly
//! what its backend guarantees:
//! - SQLite and PostgreSQL: a command is one transaction, so the store holds every
//!   invite it held before or every invite the command meant to leave,
//!   never a mix.
//! - File storage: each file is replaced by a rename, so every `.dat` file
//!   holds its old table or its new one, never a torn one. A command that
//!   changes several files (a contact invite has a record in the
//!   host-level file and one in its inviter's file) renames the per-user
//!   files first and the host-level file last, and is not atomic across
//!   them: a kill between two renames may leave per-user files new and
//!   the host-level file old (the race README and the files module
//!   document), but never the host-level file new and a per-user file old.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::Rng;

use super::running::*;
use super::seeding::*;
use super::store_state::*;
use crate::support::store::{Schema, Store};

const TRIALS: usize = 20;

/// Sizes on file storage, smaller than on SQLite: a command reads and
/// writes whole files, and every check after a kill reads them again, so
/// these already take half a second to a second in a debug build.
const FILES_GENERATE: i64 = 10_000;
const FILES_EXPIRED: u64 = 2_000;
const FILES_LIVE: u64 = 3_000;

/// Sizes on PostgreSQL and MariaDB: each trial copies a database and has
/// the server check the table, so a smaller command keeps 20 trials short.
const PG_GENERATE: i64 = 20_000;
const PG_EXPIRED: u64 = 5_000;
const PG_LIVE: u64 = 5_000;

/// Record counts by user (SQL) or file (file storage); see
/// [`record_counts`].
type Counts = BTreeMap<String, i64>;

/// Which state a killed command left.
#[derive(Debug, PartialEq, Eq)]
enum Left {
    Before,
    After,
    /// File storage only: some per-user files new, the host-level one old.
    Midway,
}

/// Classifies `now` between `before` and `after`, or says why it is a
/// state the backend must never leave.
fn left(schema: Schema, before: &Counts, after: &Counts, now: &Counts) -> Result<Left, String> {
    if now == before {
        return Ok(Left::Before);
    }
    if now == after {
        return Ok(Left::After);
    }
    if schema != Schema::Files {
        return Err("neither the old state nor the new one".into());
    }
    let of = |counts: &Counts, file: &str| counts.get(file).copied().unwrap_or(0);
    let files = before.keys().chain(after.keys()).chain(now.keys());
    for file in files.clone() {
        let n = of(now, file);
        if n != of(before, file) && n != of(after, file) {
            return Err(format!(
                "file {file:?} holds {n} records, neither old nor new"
            ));
        }
    }
    let host_changed = of(before, "") != of(after, "");
    if host_changed && of(now, "") == of(after, "") {
        return Err("the host-level file is new but a per-user file is old".into());
    }
    Ok(Left::Midway)
}

/// Runs `args` on copies of `template`, killed with SIGKILL after a random
/// delay within the command's measured run time (and a little beyond),
/// and checks the invariants after each kill. `after` is the invite count
/// a full run leaves.
fn kill_trials(test: &str, template: &Store, args: &[&str], after: i64) {
    let mut rng = rng(test);
    let before = record_counts(template);
    let foreign = foreign_state(template);
    if !matches!(template.schema, Schema::Files)
        && !template.schema.is_postgres()
        && !template.schema.is_mysql()
    {
        // SQLite gives a journal the store's mode.
        std::fs::set_permissions(template.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // One full run: the command works, and how long it takes bounds the
    // delays.
    let store = template.copy();
    let started = Instant::now();
    let out = StoreArg::of(&store).run(args);
    let full = started.elapsed();
    assert!(
        out.status.success(),
        "{test}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(invite_count(&store), after, "{test}: a full run");
    let after = record_counts(&store);
    assert_ne!(before, after, "{test}: the command changes nothing");
    drop(store);

    let mut interrupted = 0;
    let mut outcomes = BTreeMap::<String, usize>::new();
    let mut leftovers = 0;
    for trial in 0..TRIALS {
        let store = template.copy();
        let delay = Duration::from_micros(rng.random_range(0..=(full.as_micros() as u64 * 3 / 2)));
        let mut child = StoreArg::of(&store)
            .command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let what = format!("{test} trial {trial} (killed after {delay:?}, {status})");
        if status.code().is_none() {
            interrupted += 1;
        } else {
            // What a command that ended by itself said (a line at most).
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            assert!(status.success(), "{what}: {stderr}");
        }
        leftovers += assert_leftovers_private(&store, &what);
        let now = whole_record_counts(&store).unwrap_or_else(|e| panic!("{what}: {e}"));
        let state = left(store.schema, &before, &after, &now)
            .unwrap_or_else(|e| panic!("{what}: {e}: {now:?}, before {before:?}, after {after:?}"));
        *outcomes.entry(format!("{state:?}")).or_default() += 1;
        assert_eq!(
            foreign_state(&store),
            foreign,
            "{what}: the server's data changed"
        );
        // The store is usable at once.
        let out = StoreArg::of(&store).run(&["list", "--all", "--json"]);
        assert!(out.status.success(), "{what}: list after the kill failed");
    }
    eprintln!(
        "{test}: {TRIALS} trials over {full:?}: {interrupted} killed mid-run, left {outcomes:?}, {leftovers} leftover journal or scratch files"
    );
    assert!(
        interrupted > 0,
        "{test}: no kill landed while the command ran"
    );
}

/// A store with 500 live account invites and 50 contact invites of
/// alice, whose file a `generate` of account invites leaves alone.
fn generate_template(schema: Schema) -> Store {
    let template = Store::new(schema);
    seed_invites(&template, 500, invitectl::now(), 86_400);
    seed_contact_invites(&template, "alice", 50, invitectl::now(), 86_400);
    template
}

#[test]
fn kill_generate_100000_leaves_all_or_none() {
    let template = generate_template(Schema::Prosody13);
    kill_trials(
        "kill_generate",
        &template,
        &["generate", "--count", "100000"],
        600 + 100_000,
    );
}

#[test]
fn kill_generate_on_file_storage_leaves_each_file_whole() {
    let template = generate_template(Schema::Files);
    kill_trials(
        "kill_generate_files",
        &template,
        &["generate", "--count", &FILES_GENERATE.to_string()],
        600 + FILES_GENERATE,
    );
}

/// `expired` expired account invites, expired contact invites of alice
/// (who keeps some live ones) and of bob (whose file goes away), and live
/// ones; `expire` leaves 1,100 invites, 1,200 records.
fn expire_template(schema: Schema, expired: u64) -> Store {
    let template = Store::new(schema);
    let now = invitectl::now();
    let month_ago = now - 30 * 86_400;
    seed_invites(&template, expired, month_ago, 86_400);
    seed_contact_invites(&template, "alice", 500, month_ago, 86_400);
    seed_contact_invites(&template, "bob", 200, month_ago, 86_400);
    seed_invites(&template, 1_000, now, 86_400);
    seed_contact_invites(&template, "alice", 100, now, 86_400);
    template
}

#[test]
fn kill_expire_leaves_all_or_none() {
    let template = expire_template(Schema::Prosody012, 20_000);
    kill_trials("kill_expire", &template, &["expire"], 1_200);
}

#[test]
fn kill_expire_on_file_storage_leaves_each_file_whole() {
    let template = expire_template(Schema::Files, FILES_EXPIRED);
    kill_trials("kill_expire_files", &template, &["expire"], 1_200);
}

/// Revokes 1,750 of `live` account invites and 250 of 500 contact
/// invites of alice, in one command.
fn kill_revoke(test: &str, schema: Schema, live: u64) {
    let template = Store::new(schema);
    seed_invites(&template, live, invitectl::now(), 86_400);
    let accounts = tokens_in(&template);
    seed_contact_invites(&template, "alice", 500, invitectl::now(), 86_400);
    let before = invite_count(&template);
    let contacts = &tokens_in(&template) - &accounts;
    let mut args = vec!["revoke"];
    args.extend(accounts.iter().take(1_750).map(String::as_str));
    args.extend(contacts.iter().take(250).map(String::as_str));
    // A contact invite is two records.
    kill_trials(test, &template, &args, before - 1_750 - 2 * 250);
}

#[test]
fn kill_revoke_leaves_all_or_none() {
    kill_revoke("kill_revoke", Schema::Prosody13, 20_000);
}

#[test]
fn kill_revoke_on_file_storage_leaves_each_file_whole() {
    kill_revoke("kill_revoke_files", Schema::Files, FILES_LIVE);
}

/// PostgreSQL: the server rolls back a transaction whose client died, and
/// frees its locks (the next command would wait for them otherwise).
#[test]
fn kill_generate_on_postgres_leaves_all_or_none() {
    if crate::support::postgres_cluster::cluster().is_none() {
        return;
    }
    let template = generate_template(Schema::Postgres13);
    kill_trials(
        "kill_generate_postgres",
        &template,
        &["generate", "--count", &PG_GENERATE.to_string()],
        600 + PG_GENERATE,
    );
}

#[test]
fn kill_expire_on_postgres_leaves_all_or_none() {
    if crate::support::postgres_cluster::cluster().is_none() {
        return;
    }
    let template = expire_template(Schema::Postgres012, PG_EXPIRED);
    kill_trials("kill_expire_postgres", &template, &["expire"], 1_200);
}

#[test]
fn kill_revoke_on_postgres_leaves_all_or_none() {
    if crate::support::postgres_cluster::cluster().is_none() {
        return;
    }
    kill_revoke("kill_revoke_postgres", Schema::Postgres13, PG_LIVE);
}

/// MariaDB: as PostgreSQL, and the table passes `CHECK TABLE ... EXTENDED`.
#[test]
fn kill_generate_on_mysql_leaves_all_or_none() {
    if crate::support::mariadb_server::server().is_none() {
        return;
    }
    let template = generate_template(Schema::Mysql13);
    kill_trials(
        "kill_generate_mysql",
        &template,
        &["generate", "--count", &PG_GENERATE.to_string()],
        600 + PG_GENERATE,
    );
}

#[test]
fn kill_expire_on_mysql_leaves_all_or_none() {
    if crate::support::mariadb_server::server().is_none() {
        return;
    }
    let template = expire_template(Schema::Mysql012, PG_EXPIRED);
    kill_trials("kill_expire_mysql", &template, &["expire"], 1_200);
}

#[test]
fn kill_revoke_on_mysql_leaves_all_or_none() {
    if crate::support::mariadb_server::server().is_none() {
        return;
    }
    kill_revoke("kill_revoke_mysql", Schema::Mysql13, PG_LIVE);
}
