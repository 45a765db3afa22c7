//! Prosody's SQL storage on SQLite: the `prosody` table, where invites are
//! the rows with `store = 'invite_token'`.
//!
//! Every statement names the host and the store, so no other row is ever
//! read or written. The connection (opening, `BEGIN IMMEDIATE`, errors) is
//! the engine's (`store::engine::sqlite`).

mod listing;
mod prune;

use std::collections::HashSet;
use std::path::Path;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::params;

use super::rows::{self, Lookup, RecordRow};
use super::table::{self, Indexes};
use super::INVITE_STORE;
use crate::error::Result;
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::{self, Entry};
use crate::store::backend::{Backend, Creation, Entries, NewInvites, Opened, Selection};
use crate::store::engine::sqlite::{failed, Connection};
use crate::store::OpenMode;
use crate::token::Token;

/// Invites made, then written, at a time by `create`.
const CHUNK: usize = 1_024;

/// Removes every record of the keys in the JSON array `?2`, returning
/// each key removed.
const DELETE_KEYS: &str = concat!(
    "DELETE FROM prosody WHERE host = ?1 AND store = '",
    super::invite_store!(),
    "' AND key IN (SELECT value FROM json_each(?2)) RETURNING key"
);

/// Removes user `?2`'s record of key `?3`, through the index.
const DELETE_RECORD: &str = concat!(
    "DELETE FROM prosody WHERE host = ?1 AND user = ?2 AND store = '",
    super::invite_store!(),
    "' AND key = ?3"
);

/// An open SQLite store.
pub struct SqlStore {
    db: Connection,
    opened: Opened,
    /// Which server generation's indexes the table has: 13's unique one
    /// allows an upsert, 0.12's plain one needs delete-then-insert.
    indexes: Indexes,
}

impl SqlStore {
    /// Opens (and with [`OpenMode::CreateIfMissing`] creates) a store.
    pub fn open(path: &Path, mode: OpenMode) -> Result<SqlStore> {
        let db = Connection::open(path, mode, add_reader_functions)?;
        let created = db.created.then(|| Creation {
            what: format!(
                "a new store at {} (Prosody reads it only when configured with storage = \"sql\" and this database)",
                db.name()
            ),
            whole_store: true,
        });
        let mut store = SqlStore {
            db,
            opened: Opened::default(),
            indexes: Indexes::default(),
        };
        if store.db.fresh {
            store
                .db
                .conn
                .execute_batch(table::SCHEMA)
                .map_err(|e| store.db.error(e))?;
        }
        store.check_schema()?;
        store.opened = Opened {
            name: store.db.name().to_owned(),
            created,
            made_for_012: Some(store.indexes.made_for_012()),
        };
        Ok(store)
    }

    /// Refuses a database without Prosody's table, and learns which index
    /// the server made.
    fn check_schema(&mut self) -> Result<()> {
        let db = &self.db;
        let mut stmt = db
            .conn
            .prepare("SELECT name, type FROM pragma_table_info('prosody')")
            .map_err(|e| db.error(e))?;
        let columns = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<(String, String)>>>())
            .map_err(|e| db.error(e))?;
        drop(stmt);
        // SQLite stores any value in any column: only names matter.
        table::check_columns(&db.name(), &columns, "it has no \"prosody\" table", |_| {
            true
        })?;
        let count = |sql: &str| {
            db.conn
                .query_row(sql, [], |row| row.get::<_, i64>(0))
                .map(|n| n > 0)
                .map_err(|e| db.error(e))
        };
        self.indexes = Indexes {
            index_13: count(
                "SELECT count(*) FROM pragma_index_list('prosody') AS l \
                 WHERE l.\"unique\" AND (SELECT group_concat(name, ',') FROM \
                    (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno)) = 'host,user,store,key'",
            )?,
            index_012: count(
                "SELECT count(*) FROM pragma_index_list('prosody') WHERE name = 'prosody_index'",
            )?,
        };
        Ok(())
    }
}

impl Backend for SqlStore {
    fn opened(&self) -> &Opened {
        &self.opened
    }

    fn write_needs(&self) -> &'static str {
        super::files::WRITE_NEEDS
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        let upsert = self.indexes.index_13;
        self.db.write(|tx, name| {
            let sqlite = failed(name);
            // The host-level record's empty user is written into the SQL,
            // not bound as a parameter: measured on a million invites, the
            // run then takes a quarter less CPU time (3.2 s against 4.1 to
            // 4.4 s), all of it saved in comparing index keys.
            let insert = |user: &str| {
                let sql = format!(
                    "INSERT INTO prosody (host, user, store, key, type, value) \
                     VALUES (?1, {user}, '{INVITE_STORE}', ?2, ?3, ?4)"
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
                     AND store = '{INVITE_STORE}' AND key = ?2"
                )
            };
            let mut insert_host = tx.prepare_cached(&insert("''")).map_err(&sqlite)?;
            let mut insert_user = tx.prepare_cached(&insert("?5")).map_err(&sqlite)?;
            let mut delete_host = tx.prepare_cached(&delete("''")).map_err(&sqlite)?;
            let mut delete_user = tx.prepare_cached(&delete("?3")).map_err(&sqlite)?;
            let host = host.as_str();
            let mut chunk = Vec::with_capacity(CHUNK);
            loop {
                invites.next_chunk(&mut chunk, CHUNK)?;
                if chunk.is_empty() {
                    break;
                }
                for invite in &chunk {
                    let token = invite.token.as_str();
                    if invite.allow_registration {
                        if !upsert {
                            delete_host.execute(params![host, token]).map_err(&sqlite)?;
                        }
                        let json = record::encode(invite);
                        insert_host
                            .execute(params![host, token, "json", json])
                            .map_err(&sqlite)?;
                    }
                    if let Some(inviter) = invite.inviter() {
                        if !upsert {
                            delete_user
                                .execute(params![host, token, inviter])
                                .map_err(&sqlite)?;
                        }
                        let expires = invite.expires.to_string();
                        insert_user
                            .execute(params![host, token, "number", expires, inviter])
                            .map_err(&sqlite)?;
                    }
                }
                invites.written(&chunk)?;
            }
            Ok(())
        })
    }

    fn listing<'s>(
        &'s mut self,
        host: &Host,
        selection: Selection,
    ) -> Result<Box<dyn Entries + 's>> {
        Ok(Box::new(self.prepare_listing(host, selection)?))
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        find(&self.db.conn, host.as_str(), token.as_str()).map_err(|e| self.db.error(e))
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        // The index leads with (host, user), so a key alone is no index
        // lookup: a statement per token would read all the host's records
        // once per token, holding the write lock for seconds. One pass
        // matches every token at once.
        let keys = serde_json::Value::from(tokens.iter().map(Token::as_str).collect::<Vec<_>>());
        self.db.write(|tx, name| {
            let sqlite = failed(name);
            let mut removed = HashSet::new();
            let mut delete = tx.prepare(DELETE_KEYS).map_err(&sqlite)?;
            let mut rows = delete
                .query(params![host.as_str(), keys.to_string()])
                .map_err(&sqlite)?;
            while let Some(row) = rows.next().map_err(&sqlite)? {
                removed.insert(row.get::<_, String>(0).map_err(&sqlite)?);
            }
            Ok(removed)
        })
    }

    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        self.prune_expired(host, now, progress)
    }

    fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        // Check and use under one lock, so two redeemers cannot both use
        // a single-use invite.
        self.db.write(|tx, name| {
            let sqlite = failed(name);
            let entry = find(tx, host.as_str(), token.as_str()).map_err(&sqlite)?;
            let invite = crate::redeem::check(entry, token, now)?;
            if !invite.reusable {
                // As the server uses an invite: its host-level record and the
                // inviter's per-user record, each found through the index.
                let mut delete = tx.prepare_cached(DELETE_RECORD).map_err(&sqlite)?;
                for user in std::iter::once("").chain(invite.inviter()) {
                    delete
                        .execute(params![host.as_str(), user, token.as_str()])
                        .map_err(&sqlite)?;
                }
            }
            Ok(invite)
        })
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
/// [`rows::decode_row`]. Direct only: the database's own triggers and views
/// cannot call them.
fn add_reader_functions(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("invitectl_created", 2, READER_FLAGS, |ctx| {
        Ok(record_text(ctx).and_then(|(kind, value)| record::host_record_created_at(kind, value)))
    })?;
    add_expired_function(
        conn,
        "invitectl_host_expired",
        record::host_record_is_expired,
    )?;
    add_expired_function(
        conn,
        "invitectl_user_expired",
        record::user_record_is_expired,
    )
}

/// Deterministic, of text, and callable from direct SQL only.
const READER_FLAGS: FunctionFlags = FunctionFlags::SQLITE_UTF8
    .union(FunctionFlags::SQLITE_DETERMINISTIC)
    .union(FunctionFlags::SQLITE_DIRECTONLY);

/// The `(type, value)` a reader function is called with, when both are
/// text.
fn record_text<'a>(ctx: &'a Context<'_>) -> Option<(&'a str, &'a str)> {
    Some((ctx.get_raw(0).as_str().ok()?, ctx.get_raw(1).as_str().ok()?))
}

/// `name(type, value, now)`: whether `expired` reads the record as an
/// invite expired at `now` (a generic, so each is called directly).
fn add_expired_function<F>(
    conn: &rusqlite::Connection,
    name: &str,
    expired: F,
) -> rusqlite::Result<()>
where
    F: Fn(&str, &str, i64) -> bool + Send + std::panic::UnwindSafe + 'static,
{
    conn.create_scalar_function(name, 3, READER_FLAGS, move |ctx| {
        let now: i64 = ctx.get(2)?;
        Ok(record_text(ctx).is_some_and(|(kind, value)| expired(kind, value, now)))
    })
}

/// The record of `token` (see [`rows::Lookup`]).
fn find(conn: &rusqlite::Connection, host: &str, token: &str) -> rusqlite::Result<Option<Entry>> {
    rows::find(|lookup| {
        let sql = match lookup {
            Lookup::HostLevel => concat!(
                "SELECT user, key, type, value FROM prosody WHERE host = ?1 AND user = '' AND store = '",
                super::invite_store!(),
                "' AND key = ?2 LIMIT 1"
            ),
            Lookup::PerUser => concat!(
                "SELECT user, key, type, value FROM prosody WHERE host = ?1 AND user <> '' AND store = '",
                super::invite_store!(),
                "' AND key = ?2 ORDER BY user LIMIT 1"
            ),
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![host, token])?;
        rows.next()?
            .map(|row| rows::decode_row(host, row, 0))
            .transpose()
    })
}

/// A row as SQLite gives it: a user or key that is not text fails the
/// read, as rusqlite reads a `String`.
impl RecordRow for rusqlite::Row<'_> {
    type Error = rusqlite::Error;

    fn name(&self, i: usize) -> rusqlite::Result<String> {
        self.get(i)
    }

    fn text(&self, i: usize) -> Option<std::borrow::Cow<'_, str>> {
        self.get_ref(i)
            .ok()?
            .as_str()
            .ok()
            .map(std::borrow::Cow::Borrowed)
    }
}
