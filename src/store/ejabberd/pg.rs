//! ejabberd's `invite_token` table on PostgreSQL, in either schema: the
//! multihost one (`sql/pg.new.sql`, with `server_host`) or the
//! single-host one (`sql/pg.sql`), on the engine's connection
//! (`store::engine::pg`: the writer lock, the transaction, the retries).
//!
//! Here `created_at` and `expires` are `timestamp` columns, which
//! ejabberd writes from its text form (`to_timestamp(..., 'YYYY-MM-DD
//! HH24:MI:SS')`) and reads back as a wall-clock time: invitectl writes
//! and reads the same text, so the two agree to the second. `revoke`,
//! `expire` and a redemption are tried again after a deadlock or a
//! serialization failure; `generate` is not, and fails with nothing
//! written.

use std::collections::HashSet;

use postgres::types::ToSql;
use postgres::GenericClient;

use super::{check, decode, encode, implied_invitee, Row, FOUR_DIGIT_YEARS};
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::Entry;
use crate::store::backend::{Backend, Entries, NewInvites, Opened, Selection};
use crate::store::engine::pg::{failed, portal, Connection};
use crate::store::engine::Server;
use crate::token::Token;

/// Rows written per statement by `create`: few round trips, bounded
/// memory.
const BATCH: usize = 5_000;

/// The columns every read selects, as text, in [`Row`]'s order.
const COLUMNS: &str = "token::text, username::text, invitee::text, \
    to_char(created_at, 'YYYY-MM-DD HH24:MI:SS'), to_char(expires, 'YYYY-MM-DD HH24:MI:SS'), \
    type::text, account_name::text";

/// The table's columns, in the schema the search path finds.
const TABLE_COLUMNS: &str = "SELECT a.attname::text FROM pg_attribute AS a \
    WHERE a.attrelid = to_regclass('invite_token') AND a.attnum > 0 AND NOT a.attisdropped";

/// Whether the database holds ejabberd's table, and not Prosody's: the
/// table decides the data model, as on SQLite (see
/// `ejabberd::sqlite::holds_ejabberd`).
pub fn holds_ejabberd(db: &mut Connection) -> Result<bool> {
    let (client, name) = db.parts();
    client
        .query_one(
            "SELECT to_regclass('invite_token') IS NOT NULL AND to_regclass('prosody') IS NULL",
            &[],
        )
        .map(|row| row.get(0))
        .map_err(failed(name))
}

/// The statements of one schema; `$1` is always the host.
struct Statements {
    insert: String,
    get: String,
    lock: String,
    list: String,
    expired_candidates: String,
    lock_expired_candidates: String,
    delete_keys: String,
    delete_used: String,
    mark_used: String,
}

impl Statements {
    fn new(multihost: bool) -> Statements {
        // The single-host schema's rows are all the host's; the host is
        // still bound, so that every statement takes the same parameters.
        let host = if multihost {
            "server_host = $1"
        } else {
            "$1::text IS NOT NULL"
        };
        let (host_column, host_value) = if multihost {
            ("server_host, ", "$1, ")
        } else {
            ("", "")
        };
        let get = format!("SELECT {COLUMNS} FROM invite_token WHERE {host} AND token = $2");
        Statements {
            insert: format!(
                "INSERT INTO invite_token (token, username, {host_column}invitee, created_at, expires, type, account_name) \
                 SELECT t, u, {host_value}'', c::timestamp, e::timestamp, k, a \
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS r(t, u, c, e, k, a) \
                 WHERE $1::text IS NOT NULL"
            ),
            lock: format!("{get} FOR UPDATE"),
            get,
            list: format!(
                "SELECT {COLUMNS} FROM invite_token WHERE {host} ORDER BY created_at DESC, ctid DESC"
            ),
            expired_candidates: format!(
                "SELECT {COLUMNS} FROM invite_token WHERE {host} AND invitee = '' AND expires < $2::text::timestamp"
            ),
            lock_expired_candidates: format!(
                "SELECT {COLUMNS} FROM invite_token WHERE {host} AND invitee = '' AND expires < $2::text::timestamp FOR UPDATE"
            ),
            delete_keys: format!(
                "DELETE FROM invite_token WHERE {host} AND token = ANY($2::text[]) RETURNING token::text"
            ),
            delete_used: format!("DELETE FROM invite_token WHERE {host} AND invitee <> ''"),
            mark_used: format!(
                "UPDATE invite_token SET invitee = $3 WHERE {host} AND token = $2 AND invitee = ''"
            ),
        }
    }
}

/// An open PostgreSQL database with ejabberd's `invite_token` table.
pub struct EjabberdPg {
    db: Connection,
    opened: Opened,
    sql: Statements,
}

impl EjabberdPg {
    /// Uses `db`, which holds ejabberd's table (see [`holds_ejabberd`]);
    /// its columns tell the schema.
    pub fn from_connection(mut db: Connection) -> Result<EjabberdPg> {
        let (client, name) = db.parts();
        let columns: HashSet<String> = client
            .query(TABLE_COLUMNS, &[])
            .map_err(failed(name))?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let multihost = super::multihost(name, &columns)?;
        Ok(EjabberdPg {
            opened: Opened {
                name: name.to_owned(),
                created: None,
                made_for_012: None,
            },
            sql: Statements::new(multihost),
            db,
        })
    }
}

fn read_row(row: &postgres::Row) -> Row {
    let text = |i| row.get::<_, Option<String>>(i).unwrap_or_default();
    Row {
        token: text(0),
        username: text(1),
        invitee: text(2),
        created_at: text(3),
        expires: text(4),
        kind: text(5),
        account_name: text(6),
    }
}

/// The entry `sql` (one of `get`, `lock`) finds.
fn find(
    client: &mut impl GenericClient,
    sql: &str,
    host: &Host,
    token: &Token,
) -> std::result::Result<Option<Entry>, postgres::Error> {
    let row = client.query_opt(sql, &[&host.as_str(), &token.as_str()])?;
    Ok(row.map(|row| decode(host.as_str(), read_row(&row))))
}

impl Backend for EjabberdPg {
    fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Whether this role may add, change and remove rows of the table.
    fn may_write(&mut self) -> Result<Option<bool>> {
        let (client, name) = self.db.parts();
        client
            .query_one(
                "SELECT has_table_privilege(to_regclass('invite_token'), 'INSERT, UPDATE, DELETE')",
                &[],
            )
            .map(|row| Some(row.get(0)))
            .map_err(failed(name))
    }

    fn write_needs(&self) -> &'static str {
        "the store is not writable by this role: it needs INSERT, UPDATE and DELETE on the invite_token table"
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        let sql = &self.sql.insert;
        let h = host.as_str();
        self.db.write(host, |tx, name| {
            let error = failed(name);
            let insert = tx.prepare(sql).map_err(&error)?;
            let mut chunk = Vec::with_capacity(BATCH);
            let mut columns: [Vec<String>; 6] = Default::default();
            loop {
                invites.next_chunk(&mut chunk, BATCH)?;
                if chunk.is_empty() {
                    break;
                }
                columns.iter_mut().for_each(Vec::clear);
                for invite in &mut chunk {
                    let row = encode(invite, name, FOUR_DIGIT_YEARS)?;
                    let token = invite.token.as_str();
                    // What the caller is told is the invite as ejabberd
                    // reads it back: its URI, its times to the second.
                    invite.uri = super::uri(row.kind, &row.username, &row.account_name, h, token);
                    invite.created_at = super::parse_time(&row.created_at);
                    let values = [
                        token.to_owned(),
                        row.username,
                        row.created_at,
                        row.expires,
                        row.kind.to_owned(),
                        row.account_name,
                    ];
                    for (column, value) in columns.iter_mut().zip(values) {
                        column.push(value);
                    }
                }
                let [t, u, c, e, k, a] = &columns;
                let params: [&(dyn ToSql + Sync); 7] = [&h, t, u, c, e, k, a];
                tx.execute(&insert, &params).map_err(&error)?;
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
        Ok(Box::new(Listing {
            db: &mut self.db,
            sql: &self.sql,
            host: host.as_str().to_owned(),
            selection,
        }))
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        let (client, name) = self.db.parts();
        find(client, &self.sql.get, host, token).map_err(failed(name))
    }

    fn check(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        check(self.get(host, token)?, token, now)
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        let keys: Vec<&str> = tokens.iter().map(Token::as_str).collect();
        let sql = &self.sql.delete_keys;
        self.db.write_retrying(host, |tx, name| {
            let rows = tx
                .query(sql, &[&host.as_str(), &keys])
                .map_err(failed(name))?;
            Ok(rows.iter().map(|row| row.get(0)).collect())
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

impl EjabberdPg {
    /// Removes the unused invites that decode as expired at `now` (the
    /// candidates are locked, so none is used meanwhile) and, with
    /// `used`, every used one.
    fn prune_rows(
        &mut self,
        host: &Host,
        now: i64,
        used: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64> {
        let sql = &self.sql;
        let h = host.as_str();
        let removed = self.db.write_retrying(host, |tx, name| {
            let error = failed(name);
            let expired: Vec<String> = tx
                .query(
                    &sql.lock_expired_candidates,
                    &[&h, &super::format_time(now)],
                )
                .map_err(&error)?
                .iter()
                .map(|row| decode(h, read_row(row)))
                .filter(|entry| entry.is_expired_invite(now))
                .map(|entry| entry.token().as_str().to_owned())
                .collect();
            let mut removed = tx
                .query(&sql.delete_keys, &[&h, &expired])
                .map_err(&error)?
                .len() as u64;
            if used {
                removed += tx.execute(&sql.delete_used, &[&h]).map_err(&error)?;
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
        self.db.write_retrying(host, |tx, name| {
            let error = failed(name);
            let entry = find(tx, &sql.lock, host, token).map_err(&error)?;
            let mut invite = check(entry, token, now)?;
            let invitee = match invitee {
                Some(jid) => jid.to_owned(),
                None => implied_invitee(&invite)?,
            };
            let changed = tx
                .execute(&sql.mark_used, &[&host.as_str(), &token.as_str(), &invitee])
                .map_err(&error)?;
            if changed != 1 {
                return Err(Error::NotFound(token.to_string()));
            }
            invite.used_by = Some(invitee);
            Ok(invite)
        })
    }
}

/// A prepared listing of one host's rows, which holds the connection.
struct Listing<'s> {
    db: &'s mut Connection,
    sql: &'s Statements,
    host: String,
    selection: Selection,
}

impl Entries for Listing<'_> {
    /// Streams the listing, a page of rows per round trip.
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let (client, name) = self.db.parts();
        let host = self.host.as_str();
        let decode_row = move |row: &postgres::Row| decode(host, read_row(row));
        let pages = match self.selection {
            Selection::All => portal::stream(
                client,
                name,
                &self.sql.list,
                &[&host],
                self.selection,
                decode_row,
            )?,
            Selection::ExpiredAt(now) => portal::stream(
                client,
                name,
                &self.sql.expired_candidates,
                &[&host, &super::format_time(now)],
                self.selection,
                decode_row,
            )?,
        };
        Ok(Box::new(pages))
    }
}
