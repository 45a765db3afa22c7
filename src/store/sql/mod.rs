//! Prosody's SQL storage on SQLite: the `prosody` table, where invites are
//! the rows with `store = 'invite_token'`.
//!
//! The schema, journal mode, owner and permissions of an existing database
//! belong to the server and are left as they are. Every statement names
//! the host and the store, so no other row is ever read or written.

mod listing;
mod prune;

pub use listing::SqlListing;

use std::fs::OpenOptions;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, TransactionBehavior};

use super::table::Indexes;
use super::OpenMode;
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::{self, Entry};
use crate::token::Token;

/// How long a command waits for the server to release a lock. The server's
/// own transactions are short; this only has to outlast a busy moment.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The page cache, in KiB (SQLite reads a negative size as KiB).
const CACHE_KIB: i64 = -16 * 1024;

/// Prosody 13's schema, for a database that invitectl creates.
const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS "prosody" ("host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "prosody_unique_index" ON "prosody" ("host", "user", "store", "key");
"#;

/// An open SQLite store.
pub struct SqlStore {
    conn: Connection,
    path: PathBuf,
    created: bool,
    /// Which server generation's indexes the table has: 13's unique one
    /// allows an upsert, 0.12's plain one needs delete-then-insert.
    indexes: Indexes,
}

impl SqlStore {
    /// Opens (and with [`OpenMode::CreateIfMissing`] creates) a store.
    pub fn open(path: &Path, mode: OpenMode) -> Result<SqlStore> {
        let created = match mode {
            OpenMode::CreateIfMissing => create_file(path)?,
            OpenMode::Existing => false,
        };
        if !created && !path.exists() {
            return Err(Error::Io {
                path: path.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no store here (generate creates one)",
                ),
            });
        }
        // A device, a pipe or a folder is no store: SQLite would read it
        // as an empty database and, given /dev/null, make /dev/null-journal.
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return Err(Error::NotAStore {
                store: path.display().to_string(),
                reason: "not a regular file".into(),
            });
        }
        let sqlite = |source| Error::Sqlite {
            path: path.to_owned(),
            source,
        };
        // NO_MUTEX: a store is used from one thread; URI off so a path is a path.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sqlite)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
        // This connection's page cache only; nothing persists. Bulk inserts
        // into the random-keyed index thrash the 2 MiB default.
        conn.pragma_update(None, "cache_size", CACHE_KIB)
            .map_err(sqlite)?;
        add_reader_functions(&conn).map_err(sqlite)?;
        let mut store = SqlStore {
            conn,
            path: path.to_owned(),
            created,
            indexes: Indexes::default(),
        };
        // Only a file of no bytes at all becomes a store, and only for a
        // command that may create one: SQLite also reads a file cut short
        // (under one page) as empty, and nothing may write over that. The
        // size is taken after the first read, which rolls back a hot
        // journal left by a creation that was killed.
        if created
            || (mode == OpenMode::CreateIfMissing
                && store.is_empty_database()?
                && std::fs::metadata(path).is_ok_and(|m| m.len() == 0))
        {
            store.conn.execute_batch(SCHEMA).map_err(sqlite)?;
        }
        store.check_schema()?;
        Ok(store)
    }

    /// Whether this open created the database file.
    pub fn was_created(&self) -> bool {
        self.created
    }

    /// Whether the table has Prosody 13's unique index (0.12 makes a plain
    /// one), which allows an upsert.
    pub fn has_unique_index(&self) -> bool {
        self.indexes.index_13
    }

    /// Whether a Prosody 0.12 uses the database, as its indexes tell:
    /// 0.12's `prosody_index` is there, or 13's index is not.
    pub fn made_for_012(&self) -> bool {
        self.indexes.made_for_012()
    }

    fn sqlite(&self, source: rusqlite::Error) -> Error {
        if let rusqlite::Error::SqliteFailure(e, _) = &source {
            if e.code == rusqlite::ErrorCode::NotADatabase {
                return Error::NotAStore {
                    store: self.path.display().to_string(),
                    reason: "not a SQLite database".into(),
                };
            }
        }
        Error::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn is_empty_database(&self) -> Result<bool> {
        self.conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|n| n == 0)
            .map_err(|e| self.sqlite(e))
    }

    /// Refuses a database without Prosody's table, and learns which index
    /// the server made.
    fn check_schema(&mut self) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, type FROM pragma_table_info('prosody')")
            .map_err(|e| self.sqlite(e))?;
        let columns = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<(String, String)>>>())
            .map_err(|e| self.sqlite(e))?;
        drop(stmt);
        if columns.is_empty() {
            return Err(self.not_a_store("it has no \"prosody\" table"));
        }
        // SQLite stores any value in any column: only names matter.
        if let Some(problem) = super::table::column_problem(&columns, |_| true) {
            return Err(self.not_a_store(&problem));
        }
        self.indexes.index_13 = self
            .conn
            .query_row(
                "SELECT count(*) FROM pragma_index_list('prosody') AS l \
                 WHERE l.\"unique\" AND (SELECT group_concat(name, ',') FROM \
                    (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno)) = 'host,user,store,key'",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map_err(|e| self.sqlite(e))?
            > 0;
        self.indexes.index_012 = self
            .conn
            .query_row(
                "SELECT count(*) FROM pragma_index_list('prosody') WHERE name = 'prosody_index'",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map_err(|e| self.sqlite(e))?
            > 0;
        Ok(())
    }

    fn not_a_store(&self, reason: &str) -> Error {
        Error::NotAStore {
            store: self.path.display().to_string(),
            reason: reason.to_owned(),
        }
    }

    fn begin(&mut self) -> Result<rusqlite::Transaction<'_>> {
        let path = self.path.clone();
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| Error::Sqlite { path, source })
    }

    pub(super) fn create(
        &mut self,
        host: &Host,
        count: u64,
        mut make: impl FnMut() -> Result<Invite>,
        mut each: impl FnMut(&Invite) -> std::io::Result<()>,
    ) -> Result<()> {
        let upsert = self.indexes.index_13;
        let path = self.path.clone();
        let sqlite = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.begin()?;
        {
            // The host-level record's empty user is written into the SQL,
            // not bound as a parameter: measured on a million invites, the
            // run then takes a quarter less CPU time (3.2 s against 4.1 to
            // 4.4 s), all of it saved in comparing index keys.
            let insert = |user: &str| {
                let sql = format!(
                    "INSERT INTO prosody (host, user, store, key, type, value) \
                     VALUES (?1, {user}, 'invite_token', ?2, ?3, ?4)"
                );
                if upsert {
                    sql + " ON CONFLICT (host, user, store, key) \
                        DO UPDATE SET type = excluded.type, value = excluded.value"
                } else {
                    sql
                }
            };
            let delete = |user: &str| {
                format!(
                    "DELETE FROM prosody WHERE host = ?1 AND user = {user} \
                     AND store = 'invite_token' AND key = ?2"
                )
            };
            let mut insert_host = tx.prepare_cached(&insert("''")).map_err(sqlite)?;
            let mut insert_user = tx.prepare_cached(&insert("?5")).map_err(sqlite)?;
            let mut delete_host = tx.prepare_cached(&delete("''")).map_err(sqlite)?;
            let mut delete_user = tx.prepare_cached(&delete("?3")).map_err(sqlite)?;
            let host = host.as_str();
            for _ in 0..count {
                let invite = make()?;
                let token = invite.token.as_str();
                if invite.allow_registration {
                    if !upsert {
                        delete_host.execute(params![host, token]).map_err(sqlite)?;
                    }
                    let json = record::encode(&invite);
                    insert_host
                        .execute(params![host, token, "json", json])
                        .map_err(sqlite)?;
                }
                if let Some(inviter) = invite.inviter() {
                    if !upsert {
                        delete_user
                            .execute(params![host, token, inviter])
                            .map_err(sqlite)?;
                    }
                    let expires = invite.expires.to_string();
                    insert_user
                        .execute(params![host, token, "number", expires, inviter])
                        .map_err(sqlite)?;
                }
                each(&invite).map_err(Error::Output)?;
            }
        }
        tx.commit().map_err(sqlite)
    }

    pub(super) fn get(&self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        find(&self.conn, host.as_str(), token.as_str()).map_err(|e| self.sqlite(e))
    }

    pub(super) fn revoke(
        &mut self,
        host: &Host,
        tokens: &[Token],
    ) -> Result<std::collections::HashSet<String>> {
        let path = self.path.clone();
        let sqlite = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        // The index leads with (host, user), so a key alone is no index
        // lookup: a statement per token would read all the host's records
        // once per token, holding the write lock for seconds. One pass
        // matches every token at once.
        let keys = serde_json::Value::from(tokens.iter().map(Token::as_str).collect::<Vec<_>>());
        let tx = self.begin()?;
        let mut removed = std::collections::HashSet::new();
        {
            let mut delete = tx
                .prepare(
                    "DELETE FROM prosody WHERE host = ?1 AND store = 'invite_token' \
                     AND key IN (SELECT value FROM json_each(?2)) RETURNING key",
                )
                .map_err(sqlite)?;
            let mut rows = delete
                .query(params![host.as_str(), keys.to_string()])
                .map_err(sqlite)?;
            while let Some(row) = rows.next().map_err(sqlite)? {
                removed.insert(row.get::<_, String>(0).map_err(sqlite)?);
            }
        }
        tx.commit().map_err(sqlite)?;
        Ok(removed)
    }

    pub(super) fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        let path = self.path.clone();
        let sqlite = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        // Check and use under one lock, so two redeemers cannot both use
        // a single-use invite.
        let tx = self.begin()?;
        let entry = find(&tx, host.as_str(), token.as_str()).map_err(sqlite)?;
        let invite = crate::redeem::check(entry, token, now)?;
        if !invite.reusable {
            // As the server uses an invite: its host-level record and the
            // inviter's per-user record, each found through the index.
            let mut delete = tx
                .prepare_cached(
                    "DELETE FROM prosody WHERE host = ?1 AND user = ?2 \
                     AND store = 'invite_token' AND key = ?3",
                )
                .map_err(sqlite)?;
            for user in std::iter::once("").chain(invite.inviter()) {
                delete
                    .execute(params![host.as_str(), user, token.as_str()])
                    .map_err(sqlite)?;
            }
        }
        tx.commit().map_err(sqlite)?;
        Ok(invite)
    }
}

/// Lets SQL ask the reader about a row: `invitectl_created(type, value)`,
/// the creation time `list` shows for a host-level record (NULL if none),
/// which `list` sorts by; `invitectl_host_expired(type,
/// value, now)` and `invitectl_user_expired(type, value, now)`, whether a
/// host-level or per-user record reads as an invite expired at `now`,
/// which is what `expire` deletes. Asked inside the statement, the reader
/// decides each row without the row leaving SQLite, and without SQLite
/// parsing the JSON as well. A value that is not text is damaged, as in
/// [`decode_row`]. Direct only: the database's own triggers and views
/// cannot call them.
fn add_reader_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::{Context, FunctionFlags};
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_DIRECTONLY;
    fn text<'a>(ctx: &'a Context<'_>, i: usize) -> Option<&'a str> {
        ctx.get_raw(i).as_str().ok()
    }
    conn.create_scalar_function("invitectl_created", 2, flags, |ctx| {
        Ok(match (text(ctx, 0), text(ctx, 1)) {
            (Some(kind), Some(value)) => record::host_record_created_at(kind, value),
            _ => None,
        })
    })?;
    conn.create_scalar_function("invitectl_host_expired", 3, flags, |ctx| {
        let now: i64 = ctx.get(2)?;
        Ok(match (text(ctx, 0), text(ctx, 1)) {
            (Some(kind), Some(value)) => record::host_record_is_expired(kind, value, now),
            _ => false,
        })
    })?;
    conn.create_scalar_function("invitectl_user_expired", 3, flags, |ctx| {
        let now: i64 = ctx.get(2)?;
        Ok(match (text(ctx, 0), text(ctx, 1)) {
            (Some(kind), Some(value)) => record::user_record_is_expired(kind, value, now),
            _ => false,
        })
    })
}

/// Creates the database file, readable by its owner only, unless it
/// exists. Returns whether it was created.
fn create_file(path: &Path) -> Result<bool> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    // Folders it makes are its user's alone, whatever the umask: in a
    // folder others may write to, they could swap the store for a file
    // of their own and read every invite written into it.
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(io)?;
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io(e)),
    }
}

/// The record of `token`: the host-level one, found through the server's
/// index, else a per-user one (a contact-only invite, whose user is not
/// known, so the host's records are searched).
fn find(conn: &Connection, host: &str, token: &str) -> rusqlite::Result<Option<Entry>> {
    const HOST_LEVEL: &str = "SELECT user, key, type, value FROM prosody \
        WHERE host = ?1 AND user = '' AND store = 'invite_token' AND key = ?2 LIMIT 1";
    const PER_USER: &str = "SELECT user, key, type, value FROM prosody \
        WHERE host = ?1 AND user <> '' AND store = 'invite_token' AND key = ?2 \
        ORDER BY user LIMIT 1";
    for sql in [HOST_LEVEL, PER_USER] {
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![host, token])?;
        if let Some(row) = rows.next()? {
            return decode_row(host, row).map(Some);
        }
    }
    Ok(None)
}

/// Reads one row of `(user, key, type, value)`. A `type` or `value` that
/// is not text makes a damaged entry, not an error.
fn decode_row(host: &str, row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let user: String = row.get(0)?;
    let key: String = row.get(1)?;
    let (kind, value) = match (row.get_ref(2)?.as_str(), row.get_ref(3)?.as_str()) {
        (Ok(kind), Ok(value)) => (kind, value),
        _ => ("", ""),
    };
    Ok(if user.is_empty() {
        record::decode_host_record(key, kind, value)
    } else {
        record::decode_user_record(host, user, key, kind, value)
    })
}
