//! ejabberd's `invite_token` table on SQLite, in either schema: the
//! multihost one (`sql/lite.new.sql`, with `server_host`) or the
//! single-host one (`sql/lite.sql`).
//!
//! Every statement names the host (in the single-host schema it binds the
//! host and matches every row, see the module above), so no other host's
//! row is read or written. The connection (`BEGIN IMMEDIATE`, the busy
//! timeout, errors) is the engine's (`store::engine::sqlite`).

use std::collections::HashSet;
use std::path::Path;

use rusqlite::params;

use super::{check, decode, encode, implied_invitee, Row, TABLE};
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::Entry;
use crate::store::backend::{Backend, Entries, NewInvites, Opened, Selection};
use crate::store::engine::holders;
use crate::store::engine::sqlite::{failed, Connection};
use crate::store::prosody::live::journal::{self, JournalMode};
use crate::token::Token;

/// Invites made, then written, at a time by `create`.
const CHUNK: usize = 1_024;

/// The columns every read selects, as text, in [`Row`]'s order.
const COLUMNS: &str = "CAST(token AS TEXT), CAST(username AS TEXT), CAST(invitee AS TEXT), \
    CAST(created_at AS TEXT), CAST(expires AS TEXT), CAST(type AS TEXT), CAST(account_name AS TEXT)";

/// Whether the database holds ejabberd's table, and not Prosody's: the
/// table decides the data model. A database with both tables is Prosody's
/// (the `prosody` table is Prosody's own, and invitectl has always read it
/// there); one with neither is Prosody's too, which `generate` creates.
pub fn holds_ejabberd(db: &Connection) -> Result<bool> {
    let count = |table: &str| {
        db.conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| db.error(e))
    };
    Ok(count(TABLE)? && !count("prosody")?)
}

/// Refuses a database that another process (a running ejabberd) has open
/// while it keeps a rollback journal. ejabberd's SQLite connection sets no
/// busy timeout, and there any reader's lock makes its commit fail; a
/// burst of failed commits exhausts its SQL supervisor, and the host then
/// has no database until ejabberd restarts (interop:
/// `ejabberd_reader_sqlite`). In WAL mode readers block no one, and a
/// write of ejabberd's that meets invitectl's fails and is over.
/// Nothing here takes a lock: the header and `/proc` tell.
pub fn refuse_beside_running_server(path: &Path) -> Result<()> {
    if journal::mode(path) == JournalMode::Wal {
        return Ok(());
    }
    match holders::other_holder(path) {
        Some(pid) => Err(Error::Busy {
            store: path.display().to_string(),
            reason: format!(
                "process {pid} (ejabberd?) has this database open, and it keeps a rollback journal, where any reader can make ejabberd's commits fail and a burst of them leaves the host without its database until ejabberd restarts: stop ejabberd, switch the database to WAL (sqlite3 {} 'PRAGMA journal_mode=WAL'), and start it again",
                path.display()
            ),
        }),
        None => Ok(()),
    }
}

/// The statements of one schema.
struct Statements {
    insert: String,
    get: String,
    list: String,
    expired_candidates: String,
    delete_keys: String,
    delete_used: String,
    mark_used: String,
}

impl Statements {
    fn new(multihost: bool) -> Statements {
        // `?1` is always the host.
        let host = if multihost {
            "server_host = ?1"
        } else {
            "?1 IS NOT NULL"
        };
        let insert = if multihost {
            "INSERT INTO invite_token (token, username, server_host, invitee, created_at, expires, type, account_name) \
             VALUES (?2, ?3, ?1, '', ?4, ?5, ?6, ?7)"
                .to_owned()
        } else {
            "INSERT INTO invite_token (token, username, invitee, created_at, expires, type, account_name) \
             VALUES (?2, ?3, '', ?4, ?5, ?6, ?7)"
                .to_owned()
        };
        Statements {
            insert,
            get: format!("SELECT {COLUMNS} FROM invite_token WHERE {host} AND token = ?2"),
            list: format!(
                "SELECT {COLUMNS} FROM invite_token WHERE {host} ORDER BY created_at DESC, rowid DESC"
            ),
            // Text in ejabberd's form sorts as time; rows in any other form
            // are decoded (as damaged) and left alone.
            expired_candidates: format!(
                "SELECT {COLUMNS} FROM invite_token WHERE {host} AND invitee = '' AND expires < ?2"
            ),
            delete_keys: format!(
                "DELETE FROM invite_token WHERE {host} AND token IN (SELECT value FROM json_each(?2)) RETURNING token"
            ),
            delete_used: format!("DELETE FROM invite_token WHERE {host} AND invitee <> ''"),
            mark_used: format!(
                "UPDATE invite_token SET invitee = ?3 WHERE {host} AND token = ?2 AND invitee = ''"
            ),
        }
    }
}

/// An open SQLite database with ejabberd's `invite_token` table.
pub struct EjabberdSqlite {
    db: Connection,
    opened: Opened,
    sql: Statements,
}

impl EjabberdSqlite {
    /// Uses `db`, which holds ejabberd's table (see [`holds_ejabberd`]);
    /// its columns tell the schema.
    pub fn from_connection(db: Connection) -> Result<EjabberdSqlite> {
        let mut stmt = db
            .conn
            .prepare("SELECT name FROM pragma_table_info('invite_token')")
            .map_err(|e| db.error(e))?;
        let columns = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<HashSet<String>>>())
            .map_err(|e| db.error(e))?;
        drop(stmt);
        let multihost = super::multihost(db.name(), &columns)?;
        Ok(EjabberdSqlite {
            opened: Opened {
                name: db.name().to_owned(),
                created: None,
                made_for_012: None,
            },
            db,
            sql: Statements::new(multihost),
        })
    }

    fn find(&self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        find(&self.db.conn, &self.sql.get, host, token).map_err(|e| self.db.error(e))
    }
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let text = |i| {
        row.get::<_, Option<String>>(i)
            .map(Option::unwrap_or_default)
    };
    Ok(Row {
        token: text(0)?,
        username: text(1)?,
        invitee: text(2)?,
        created_at: text(3)?,
        expires: text(4)?,
        kind: text(5)?,
        account_name: text(6)?,
    })
}

fn find(
    conn: &rusqlite::Connection,
    sql: &str,
    host: &Host,
    token: &Token,
) -> rusqlite::Result<Option<Entry>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![host.as_str(), token.as_str()])?;
    match rows.next()? {
        Some(row) => Ok(Some(decode(host.as_str(), read_row(row)?))),
        None => Ok(None),
    }
}

/// The unused invites among `candidates`'s rows that decode as expired at
/// `now`.
fn expired_tokens(
    tx: &rusqlite::Transaction<'_>,
    candidates: &str,
    host: &Host,
    now: i64,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = tx.prepare_cached(candidates)?;
    let rows = stmt.query_map(params![host.as_str(), super::format_time(now)], read_row)?;
    let mut tokens = Vec::new();
    for row in rows {
        let entry = decode(host.as_str(), row?);
        if entry.is_expired_invite(now) {
            tokens.push(entry.token().as_str().to_owned());
        }
    }
    Ok(tokens)
}

impl Backend for EjabberdSqlite {
    fn opened(&self) -> &Opened {
        &self.opened
    }

    fn write_needs(&self) -> &'static str {
        "write access to the database file and its folder (ejabberd's user, or root)"
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        let sql = &self.sql.insert;
        let h = host.as_str();
        self.db.write(|tx, name| {
            let sqlite = failed(name);
            let mut insert = tx.prepare_cached(sql).map_err(&sqlite)?;
            let mut chunk = Vec::with_capacity(CHUNK);
            loop {
                invites.next_chunk(&mut chunk, CHUNK)?;
                if chunk.is_empty() {
                    break;
                }
                for invite in &mut chunk {
                    let row = encode(invite, name, super::FOUR_DIGIT_YEARS)?;
                    let token = invite.token.as_str();
                    insert
                        .execute(params![
                            h,
                            token,
                            row.username,
                            row.created_at,
                            row.expires,
                            row.kind,
                            row.account_name
                        ])
                        .map_err(&sqlite)?;
                    // What the caller is told is the invite as ejabberd
                    // reads it back: its URI, its times to the second.
                    invite.uri = super::uri(row.kind, &row.username, &row.account_name, h, token);
                    invite.created_at = super::parse_time(&row.created_at);
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
        let (sql, now) = match selection {
            Selection::All => (&self.sql.list, None),
            Selection::ExpiredAt(now) => (&self.sql.expired_candidates, Some(now)),
        };
        let stmt = self.db.conn.prepare(sql).map_err(|e| self.db.error(e))?;
        Ok(Box::new(Listing {
            stmt,
            host: host.clone(),
            now,
            selection,
            name: self.db.name(),
        }))
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        self.find(host, token)
    }

    fn check(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        check(self.find(host, token)?, token, now)
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        let keys = serde_json::Value::from(tokens.iter().map(Token::as_str).collect::<Vec<_>>());
        let sql = &self.sql.delete_keys;
        self.db.write(|tx, name| {
            let sqlite = failed(name);
            let mut delete = tx.prepare(sql).map_err(&sqlite)?;
            let mut rows = delete
                .query(params![host.as_str(), keys.to_string()])
                .map_err(&sqlite)?;
            let mut removed = HashSet::new();
            while let Some(row) = rows.next().map_err(&sqlite)? {
                removed.insert(row.get::<_, String>(0).map_err(&sqlite)?);
            }
            Ok(removed)
        })
    }

    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        self.prune_rows(host, now, false, progress)
    }

    fn prune_including_used(
        &mut self,
        host: &Host,
        now: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64> {
        self.prune_rows(host, now, true, progress)
    }

    fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        self.redeem_as(host, token, now, None)
    }

    fn redeem_by(&mut self, host: &Host, token: &Token, now: i64, invitee: &str) -> Result<Invite> {
        self.redeem_as(host, token, now, Some(invitee))
    }
}

impl EjabberdSqlite {
    fn prune_rows(
        &mut self,
        host: &Host,
        now: i64,
        used: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64> {
        let sql = &self.sql;
        let removed = self.db.write(|tx, name| {
            let sqlite = failed(name);
            let tokens = expired_tokens(tx, &sql.expired_candidates, host, now).map_err(&sqlite)?;
            let keys = serde_json::Value::from(tokens).to_string();
            let mut removed = tx
                .prepare_cached(&sql.delete_keys)
                .and_then(|mut s| {
                    s.query_map(params![host.as_str(), keys], |_| Ok(()))?
                        .count_ok()
                })
                .map_err(&sqlite)?;
            if used {
                removed += tx
                    .execute(&sql.delete_used, params![host.as_str()])
                    .map_err(&sqlite)? as u64;
            }
            Ok(removed)
        })?;
        progress(removed, removed);
        Ok(removed)
    }

    fn redeem_as(
        &mut self,
        host: &Host,
        token: &Token,
        now: i64,
        invitee: Option<&str>,
    ) -> Result<Invite> {
        let sql = &self.sql;
        self.db.write(|tx, name| {
            let sqlite = failed(name);
            let entry = find(tx, &sql.get, host, token).map_err(&sqlite)?;
            let mut invite = check(entry, token, now)?;
            let invitee = match invitee {
                Some(jid) => jid.to_owned(),
                None => implied_invitee(&invite)?,
            };
            let changed = tx
                .execute(
                    &sql.mark_used,
                    params![host.as_str(), token.as_str(), invitee],
                )
                .map_err(&sqlite)?;
            if changed != 1 {
                return Err(Error::NotFound(token.to_string()));
            }
            invite.used_by = Some(invitee);
            Ok(invite)
        })
    }
}

/// Counting what a statement returned.
trait CountOk {
    fn count_ok(self) -> rusqlite::Result<u64>;
}

impl<I: Iterator<Item = rusqlite::Result<()>>> CountOk for I {
    fn count_ok(mut self) -> rusqlite::Result<u64> {
        self.try_fold(0, |n, r| r.map(|()| n + 1))
    }
}

/// A prepared listing of one host's rows.
struct Listing<'s> {
    stmt: rusqlite::Statement<'s>,
    host: Host,
    now: Option<i64>,
    selection: Selection,
    name: &'s str,
}

impl Entries for Listing<'_> {
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let name = self.name;
        let host = self.host.as_str().to_owned();
        let decode_row = move |row: &rusqlite::Row<'_>| Ok(decode(&host, read_row(row)?));
        let rows = match self.now {
            Some(now) => self.stmt.query_map(
                params![self.host.as_str(), super::format_time(now)],
                decode_row,
            ),
            None => self.stmt.query_map(params![self.host.as_str()], decode_row),
        }
        .map_err(failed(name))?;
        let selection = self.selection;
        Ok(Box::new(
            rows.map(move |row| row.map_err(failed(name)))
                .filter(move |entry| selection.keeps(entry)),
        ))
    }
}
