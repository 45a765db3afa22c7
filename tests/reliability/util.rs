//! Helpers shared by the reliability tests.

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use invitectl::lua;
use invitectl::token::TokenSource;
use invitectl::{Host, InviteRequest, Location, OpenMode, Target, Username};
use mysql::prelude::Queryable;
use rand::rngs::StdRng;
use rand::SeedableRng;

pub use crate::support::accounts::{is_root, nobody};
pub use crate::support::binary::{command, BIN};
use crate::support::data_files::read_table;
pub use crate::support::skip::skipped;
use crate::support::store::{host_folder_name, Schema, Store, HOST};

/// A seeded random generator; the seed comes from `INVITECTL_TEST_SEED`
/// when set (to replay a failure), else from the clock, and is printed.
pub fn rng(test: &str) -> StdRng {
    let seed = std::env::var("INVITECTL_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("{test}: seed {seed} (replay with INVITECTL_TEST_SEED={seed})");
    StdRng::seed_from_u64(seed)
}

/// Adds `count` invites to `store` (a SQLite file or a data folder)
/// through the library, created at `created` with lifetime `ttl_secs`: in
/// the past, they are expired.
pub fn seed_invites(store: &Store, count: u64, created: i64, ttl_secs: u64) {
    seed(&store.location(), count, created, ttl_secs, None);
}

/// [`seed_invites`] into the SQLite file or data folder at `path`.
pub fn seed_invites_at(path: &Path, count: u64, created: i64, ttl_secs: u64) {
    seed(
        &Location::from_path(path.into()),
        count,
        created,
        ttl_secs,
        None,
    );
}

/// Like [`seed_invites`], contact invites from `inviter` that also allow
/// registration: a host-level record and a per-user one each (on file
/// storage, two files).
pub fn seed_contact_invites(store: &Store, inviter: &str, count: u64, created: i64, ttl_secs: u64) {
    seed(&store.location(), count, created, ttl_secs, Some(inviter));
}

fn seed(location: &Location, count: u64, created: i64, ttl_secs: u64, inviter: Option<&str>) {
    let host = Host::parse(HOST).unwrap();
    let mut db = invitectl::Store::open(location, OpenMode::Existing).unwrap();
    let request = InviteRequest {
        ttl: Some(std::time::Duration::from_secs(ttl_secs)),
        target: inviter.map(|user| Target::Contact {
            inviter: Username::parse(user).unwrap(),
            allow_registration: true,
        }),
        ..InviteRequest::default()
    };
    let mut tokens = TokenSource::new();
    db.create(
        &host,
        count,
        || request.build_with_token(&host, created, tokens.next_token()?),
        |_| Ok(()),
    )
    .unwrap();
}

/// `PRAGMA integrity_check` of a store (opening it rolls a hot journal back).
pub fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    let rows: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.join("; ")
}

/// "ok" when the store is whole (see [`whole_record_counts`]), else what
/// is wrong.
pub fn store_integrity(store: &Store) -> String {
    match whole_record_counts(store) {
        Ok(_) => "ok".into(),
        Err(e) => e,
    }
}

/// [`record_counts`] of a whole store, or why it is not whole: for SQLite
/// what `PRAGMA integrity_check` finds; for a data folder, every `.dat`
/// file in it (the server's too) that does not read as a Lua table with
/// the library's reader, as the store reads them. Each file is read once.
pub fn whole_record_counts(store: &Store) -> Result<BTreeMap<String, i64>, String> {
    if store.schema.is_postgres() {
        return pg_index_check(store).map(|()| record_counts(store));
    }
    if store.schema.is_mysql() {
        return my_table_check(store).map(|()| record_counts(store));
    }
    if store.schema != Schema::Files {
        let check = integrity(store.path());
        return if check == "ok" {
            Ok(record_counts(store))
        } else {
            Err(check)
        };
    }
    let host_file = store.host_file();
    let user_folder = host_file.with_extension("");
    let mut counts = BTreeMap::new();
    let mut problems = Vec::new();
    for path in files_under(store.path()) {
        if path.extension().is_none_or(|e| e != "dat") {
            continue;
        }
        let table = match lua::parse(&std::fs::read(&path).unwrap()) {
            Ok(lua::Value::Table(table)) => table,
            Ok(other) => {
                problems.push(format!("{}: a {}", path.display(), other.type_name()));
                continue;
            }
            Err(e) => {
                problems.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let name = if path == host_file {
            String::new()
        } else if path.parent() == Some(user_folder.as_path()) {
            let stem = path.file_stem().unwrap().to_str().unwrap();
            stem.to_owned()
        } else {
            continue;
        };
        if !table.is_empty() {
            counts.insert(name, table.len() as i64);
        }
    }
    if problems.is_empty() {
        Ok(counts)
    } else {
        Err(problems.join("; "))
    }
}

/// Every regular file under `root`, at any depth.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(folder) = todo.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                todo.push(path);
            } else if meta.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// How many invite records of HOST a store holds, by user (`""` for the
/// host-level records): on file storage, by file (a user's file by its
/// encoded name).
pub fn record_counts(store: &Store) -> BTreeMap<String, i64> {
    if store.schema.is_postgres() {
        return store
            .pg()
            .query(
                r#"SELECT "user", count(*) FROM prosody WHERE "host" = $1 AND "store" = 'invite_token' GROUP BY "user""#,
                &[&HOST],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    }
    if store.schema.is_mysql() {
        return store
            .my()
            .exec::<(String, i64), _, _>(
                "SELECT `user`, count(*) FROM prosody WHERE BINARY `host` = ? AND BINARY `store` = 'invite_token' GROUP BY `user`",
                (HOST,),
            )
            .unwrap()
            .into_iter()
            .collect();
    }
    if store.schema == Schema::Files {
        return invite_tables(store)
            .into_iter()
            .filter(|(_, table)| !table.is_empty())
            .map(|(user, table)| (user, table.len() as i64))
            .collect();
    }
    store
        .conn()
        .prepare(
            "SELECT user, count(*) FROM prosody WHERE host = ?1 AND store = 'invite_token' GROUP BY user",
        )
        .unwrap()
        .query_map([HOST], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// HOST's invite files on file storage, read as the store reads them:
/// `""` for the host-level file, else the encoded user name of the file.
/// Missing files are left out.
fn invite_tables(store: &Store) -> BTreeMap<String, lua::Table> {
    let mut tables = BTreeMap::new();
    if store.host_file().exists() {
        tables.insert(String::new(), read_table(&store.host_file()));
    }
    let folder = store.host_file().with_extension("");
    if let Ok(entries) = std::fs::read_dir(&folder) {
        for entry in entries {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if let Some(stem) = name.strip_suffix(".dat") {
                tables.insert(stem.into(), read_table(&folder.join(&name)));
            }
        }
    }
    tables
}

/// How many invite records of HOST a store holds.
pub fn invite_count(store: &Store) -> i64 {
    record_counts(store).values().sum()
}

/// The tokens of HOST's invite records.
pub fn tokens_in(store: &Store) -> HashSet<String> {
    if store.schema.is_postgres() || store.schema.is_mysql() {
        return store
            .invite_rows()
            .into_iter()
            .map(|(_, key, _, _)| key)
            .collect();
    }
    if store.schema == Schema::Files {
        return invite_tables(store)
            .values()
            .flat_map(|table| table.keys().map(|k| k.as_str().unwrap().to_owned()))
            .collect();
    }
    store
        .conn()
        .prepare("SELECT key FROM prosody WHERE host = ?1 AND store = 'invite_token'")
        .unwrap()
        .query_map([HOST], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// What must never change: [`Store::foreign_state`], except on file
/// storage a scratch file (`invite_token.dat.invitectl~`) that a killed
/// command left beside the host-level file, which the next write of that
/// file uses again.
pub fn foreign_state(store: &Store) -> Vec<String> {
    let scratch = format!("{}/invite_token.dat.invitectl~|", host_folder_name());
    let mut state = store.foreign_state();
    state.retain(|line| !line.starts_with(&scratch));
    state
}

/// Checks that what a killed command left beside the store is no more
/// readable than the store: a hot journal is `0600` like the SQLite file;
/// a scratch `<file>~` of a data file has no permission for others. Returns
/// how many were left.
pub fn assert_leftovers_private(store: &Store, what: &str) -> usize {
    if store.schema.is_postgres() {
        assert_no_session_left(store, what);
        return 0;
    }
    if store.schema.is_mysql() {
        assert_no_mysql_session_left(store, what);
        return 0;
    }
    let leftovers: Vec<PathBuf> = if store.schema == Schema::Files {
        files_under(store.path())
            .into_iter()
            .filter(|p| p.as_os_str().as_encoded_bytes().ends_with(b"~"))
            .collect()
    } else {
        let journal = store.path().with_extension("sqlite-journal");
        journal.exists().then_some(journal).into_iter().collect()
    };
    for path in &leftovers {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        if store.schema == Schema::Files {
            assert_eq!(mode & 0o007, 0, "{what}: {} is {mode:o}", path.display());
        } else {
            assert_eq!(mode, 0o600, "{what}: journal mode {mode:o}");
        }
    }
    leftovers.len()
}

/// What `--store` names for a store, with the environment it needs:
/// cheap to clone into threads.
#[derive(Clone)]
pub struct StoreArg {
    value: std::ffi::OsString,
    env: Vec<(&'static str, String)>,
}

impl StoreArg {
    pub fn of(store: &Store) -> StoreArg {
        let (value, env) = store.store_arg();
        StoreArg { value, env }
    }

    /// `invitectl --store STORE HOST args...`, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = command();
        cmd.arg("--store")
            .arg(&self.value)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .arg(HOST)
            .args(args);
        cmd
    }

    /// `invitectl --store STORE HOST args...`, run to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

/// PostgreSQL's own check of the table's indexes against its rows
/// (`amcheck`), or what it found wrong.
fn pg_index_check(store: &Store) -> Result<(), String> {
    let mut admin = store.pg_database().superuser_client();
    admin
        .batch_execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        .map_err(|e| format!("amcheck: {e}"))?;
    let checked = admin
        .query(
            "SELECT bt_index_check(indexrelid, true) FROM pg_index WHERE indrelid = 'prosody'::regclass",
            &[],
        )
        .map_err(|e| format!("amcheck: {}", invitectl::store::describe_postgres_error(&e)))?;
    if checked.is_empty() {
        return Err("the prosody table has no index".into());
    }
    Ok(())
}

/// MariaDB's own check of the table and its indexes (`CHECK TABLE ...
/// EXTENDED`), or what it found wrong.
fn my_table_check(store: &Store) -> Result<(), String> {
    let rows: Vec<(String, String, String, String)> = store
        .my()
        .query("CHECK TABLE prosody EXTENDED")
        .map_err(|e| e.to_string())?;
    match rows.last() {
        Some((_, _, kind, text)) if kind == "status" && text == "OK" => Ok(()),
        _ => Err(format!("CHECK TABLE: {rows:?}")),
    }
}

/// As [`assert_no_session_left`], on MariaDB: the server ends a killed
/// client's session, rolling its transaction back and freeing its locks.
fn assert_no_mysql_session_left(store: &Store, what: &str) {
    let name = store.my_name();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let left: i64 = store
            .my()
            .exec_first(
                "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = ? AND USER = ? AND ID <> CONNECTION_ID()",
                (&name, crate::support::mariadb_server::LOGIN_USER),
            )
            .unwrap()
            .unwrap();
        if left == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: {left} sessions of invitectl still open"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A killed command's session goes with its connection: the server rolls
/// its transaction back and frees its locks. Waits (a few seconds at most)
/// for that, and fails if a session of invitectl stays.
fn assert_no_session_left(store: &Store, what: &str) {
    let name = store.pg_database().name.clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let left: i64 = store
            .pg()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'invitectl'",
                &[&name],
            )
            .unwrap()
            .get(0);
        if left == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: {left} sessions of invitectl still open"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `invitectl --store PATH HOST args...`, run to completion.
pub fn run(path: &Path, args: &[&str]) -> Output {
    command()
        .arg("--store")
        .arg(path)
        .arg(HOST)
        .args(args)
        .output()
        .unwrap()
}

/// A copy of the binary that `nobody` may run, wherever the build lives
/// (a checkout under /root is closed to other users).
fn binary_for_nobody() -> &'static Path {
    static COPY: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    &COPY
        .get_or_init(|| {
            use std::os::unix::fs::PermissionsExt;
            let dir = tempfile::tempdir().unwrap();
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let bin = dir.path().join("invitectl");
            std::fs::copy(BIN, &bin).unwrap();
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
            (dir, bin)
        })
        .1
}

/// The binary, run as `nobody` (the tests run as root, who ignores file
/// permissions); std drops supplementary groups as it switches.
pub fn as_nobody(path: &Path, args: &[&str]) -> Output {
    let (uid, gid) = nobody();
    let mut cmd = Command::new(binary_for_nobody());
    crate::support::binary::clean(&mut cmd);
    cmd.uid(uid)
        .gid(gid)
        .arg("--store")
        .arg(path)
        .arg(HOST)
        .args(args)
        .output()
        .unwrap()
}

pub fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
}

/// Checks a refusal: the exit code, nothing on stdout, one escaped line
/// on stderr starting `invitectl: `, no panic.
pub fn assert_one_line_error(out: &Output, code: i32, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{what}: stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.starts_with("invitectl: "), "{what}: {stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr:?}");
    assert!(stderr.ends_with('\n'), "{what}: {stderr:?}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert_no_terminal_controls(&stderr[..stderr.len() - 1], what);
}

/// No control character (the final newline aside) or bidirectional
/// override reaches the terminal.
pub fn assert_no_terminal_controls(text: &str, what: &str) {
    let bad = text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert!(
        bad.is_none(),
        "{what}: {bad:?} reached the terminal in {text:?}"
    );
}
