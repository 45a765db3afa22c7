//! What a store holds after a command, however the command ended: whole
//! or not, how many invites, which tokens, what must never change, and
//! what a killed command left beside it.

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use invitectl::lua;
use mysql::prelude::Queryable;

use crate::support::data_files::read_table;
use crate::support::store::{host_folder_name, Schema, Store, HOST};

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
    until_no_session_left(what, || {
        store
            .my()
            .exec_first(
                "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = ? AND USER = ? AND ID <> CONNECTION_ID()",
                (&name, crate::support::mariadb_server::LOGIN_USER),
            )
            .unwrap()
            .unwrap()
    });
}

/// A killed command's session goes with its connection: the server rolls
/// its transaction back and frees its locks. Waits (a few seconds at most)
/// for that, and fails if a session of invitectl stays.
fn assert_no_session_left(store: &Store, what: &str) {
    let name = store.pg_database().name.clone();
    until_no_session_left(what, || {
        store
            .pg()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'invitectl'",
                &[&name],
            )
            .unwrap()
            .get(0)
    });
}

/// Asks `sessions` until it counts none, for 10 s at most; then fails.
fn until_no_session_left(what: &str, mut sessions: impl FnMut() -> i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let left = sessions();
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
