//! Prosody's SQL storage on PostgreSQL: the same `prosody` table as on
//! SQLite, on a database server, on the engine's connection
//! (`store::engine::pg`: the writer lock, the transaction, the retries).
//!
//! `revoke`, `expire` and a redemption are tried again after a deadlock
//! or a serialization failure; `generate` is not, and fails with nothing
//! written. Listings read one consistent snapshot through a portal, a page
//! at a time.

mod listing;
mod prune;

use std::borrow::Cow;
use std::collections::HashSet;

use postgres::types::ToSql;
use postgres::{Row, Transaction};

use super::invite_store;
use listing::PgListing;

use super::rows::{self, Lookup, RecordRow};
use super::table::{self, Indexes};
use crate::error::Result;
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::{self, Entry};
use crate::store::backend::{Backend, Entries, NewInvites, Opened, Selection};
use crate::store::batch::write_in_batches;
use crate::store::engine::pg::{failed, Connection};
use crate::store::engine::Server;
use crate::store::OpenMode;
use crate::token::Token;

/// Rows written per statement by `create`: few round trips, bounded
/// memory.
const BATCH: usize = 5_000;

/// The columns of the `prosody` table the search path finds, with their
/// types.
const TABLE_COLUMNS: &str = "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) \
    FROM pg_attribute AS a WHERE a.attrelid = to_regclass('prosody') \
    AND a.attnum > 0 AND NOT a.attisdropped";

/// Which server generation's indexes the table has, in one round trip:
/// a unique index on exactly (host, user, store, key), which `ON CONFLICT`
/// can use (13's), and 0.12's plain `prosody_index`.
const INDEXES: &str = "SELECT EXISTS (SELECT 1 FROM pg_index AS i \
    WHERE i.indrelid = to_regclass('prosody') AND i.indisunique \
    AND i.indpred IS NULL AND i.indexprs IS NULL \
    AND ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
        JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
        ORDER BY k.n) = ARRAY['host', 'user', 'store', 'key']), \
    EXISTS (SELECT 1 FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid \
    WHERE i.indrelid = to_regclass('prosody') AND c.relname = 'prosody_index')";

/// An open PostgreSQL store.
pub struct PgStore {
    db: Connection,
    opened: Opened,
    /// 13's unique index is there, which allows an upsert.
    upsert: bool,
}

impl PgStore {
    /// Uses `db`, and with [`OpenMode::CreateIfMissing`] creates the
    /// table (Prosody 13's schema) in a database that has none.
    pub fn from_connection(mut db: Connection, mode: OpenMode) -> Result<PgStore> {
        let (columns, created) = table::columns_creating(&mut db, mode, columns, |db| {
            refuse_ejabberds(db)?;
            let (client, name) = db.parts();
            client.batch_execute(table::SCHEMA).map_err(failed(name))?;
            Ok(true)
        })?;
        if columns.is_empty() {
            refuse_ejabberds(&mut db)?;
        }
        let indexes = check_schema(&mut db, &columns)?;
        Ok(PgStore {
            opened: table::opened(db.name(), created, indexes),
            upsert: indexes.index_13,
            db,
        })
    }
}

/// A database without Prosody's table but with ejabberd's is ejabberd's.
fn refuse_ejabberds(db: &mut Connection) -> Result<()> {
    let (client, name) = db.parts();
    let ejabberds: bool = client
        .query_one("SELECT to_regclass('invite_token') IS NOT NULL", &[])
        .map_err(failed(name))?
        .get(0);
    if ejabberds {
        return Err(table::ejabberds_database(db.name()));
    }
    Ok(())
}

fn columns(db: &mut Connection) -> Result<Vec<(String, String)>> {
    let (client, name) = db.parts();
    let rows = client.query(TABLE_COLUMNS, &[]).map_err(failed(name))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Refuses a database without Prosody's table (or with columns that are
/// not text), and learns which index the server made.
fn check_schema(db: &mut Connection, columns: &[(String, String)]) -> Result<Indexes> {
    let is_text = |kind: &str| kind == "text" || kind.starts_with("character varying");
    table::check_columns(&db.name(), columns, table::NO_TABLE, is_text)?;
    let (client, name) = db.parts();
    let row = client.query_one(INDEXES, &[]).map_err(failed(name))?;
    Ok(Indexes {
        index_13: row.get(0),
        index_012: row.get(1),
    })
}

impl Backend for PgStore {
    fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Whether this role may add, change and remove rows of the table.
    fn may_write(&mut self) -> Result<Option<bool>> {
        let (client, name) = self.db.parts();
        client
            .query_one(
                "SELECT has_table_privilege(to_regclass('prosody'), 'INSERT, UPDATE, DELETE')",
                &[],
            )
            .map(|row| Some(row.get(0)))
            .map_err(failed(name))
    }

    fn write_needs(&self) -> &'static str {
        "the store is not writable by this role: it needs INSERT, UPDATE and DELETE on the prosody table"
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        let upsert = self.upsert;
        self.db.write(host, |tx, name| {
            write_in_batches(invites, BATCH, |batch| {
                flush(tx, host, upsert, batch).map_err(failed(name))
            })
        })
    }

    fn listing<'s>(
        &'s mut self,
        host: &Host,
        selection: Selection,
    ) -> Result<Box<dyn Entries + 's>> {
        Ok(Box::new(PgListing::new(&mut self.db, host, selection)))
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        let (client, name) = self.db.parts();
        find(client, host, token).map_err(failed(name))
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        let keys: Vec<&str> = tokens.iter().map(Token::as_str).collect();
        self.db.write_retrying(host, |tx, name| {
            let rows = tx
                .query(
                    concat!(
                        r#"DELETE FROM prosody WHERE "host" = $1 AND "store" = '"#,
                        invite_store!(),
                        r#"' AND "key" = ANY($2) RETURNING "key""#
                    ),
                    &[&host.as_str(), &keys],
                )
                .map_err(failed(name))?;
            Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
        })
    }

    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        self.db.write_retrying(host, |tx, name| {
            let steps = prune::Prune {
                host: host.as_str(),
                now,
            };
            super::prune::run(tx, &steps, progress).map_err(failed(name))
        })
    }

    fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        self.db.write_retrying(host, |tx, name| {
            let entry = find(tx, host, token).map_err(failed(name))?;
            let invite = crate::redeem::check(entry, token, now)?;
            if !invite.reusable {
                for user in std::iter::once("").chain(invite.inviter()) {
                    tx.execute(
                        concat!(
                            r#"DELETE FROM prosody WHERE "host" = $1 AND "user" = $2 AND "store" = '"#,
                            invite_store!(),
                            r#"' AND "key" = $3"#
                        ),
                        &[&host.as_str(), &user, &token.as_str()],
                    )
                    .map_err(failed(name))?;
                }
            }
            Ok(invite)
        })
    }
}

/// Writes a batch of new invites (0.12's plain index: delete, then
/// insert; 13's unique index: upsert).
fn flush(
    tx: &mut Transaction<'_>,
    host: &Host,
    upsert: bool,
    batch: &[Invite],
) -> Result<(), postgres::Error> {
    let on_conflict = if upsert {
        r#" ON CONFLICT ("host", "user", "store", "key") DO UPDATE SET "type" = excluded."type", "value" = excluded."value""#
    } else {
        ""
    };
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    let (mut users, mut user_keys, mut expiries) = (Vec::new(), Vec::new(), Vec::new());
    for invite in batch {
        if invite.allow_registration {
            keys.push(invite.token.as_str());
            values.push(record::encode(invite));
        }
        if let Some(inviter) = invite.inviter() {
            users.push(inviter);
            user_keys.push(invite.token.as_str());
            expiries.push(invite.expires.to_string());
        }
    }
    let host = host.as_str();
    if !keys.is_empty() {
        if !upsert {
            tx.execute(
                concat!(
                    r#"DELETE FROM prosody WHERE "host" = $1 AND "user" = '' AND "store" = '"#,
                    invite_store!(),
                    r#"' AND "key" = ANY($2)"#
                ),
                &[&host, &keys],
            )?;
        }
        let sql = format!(
            r#"INSERT INTO prosody ("host", "user", "store", "key", "type", "value") SELECT $1, '', '{store}', t.k, 'json', t.v FROM unnest($2::text[], $3::text[]) AS t(k, v){on_conflict}"#,
            store = super::INVITE_STORE
        );
        tx.execute(&sql, &[&host, &keys, &values])?;
    }
    if !users.is_empty() {
        let params: [&(dyn ToSql + Sync); 3] = [&host, &users, &user_keys];
        if !upsert {
            tx.execute(
                concat!(
                    r#"DELETE FROM prosody WHERE "host" = $1 AND "store" = '"#,
                    invite_store!(),
                    r#"' AND ("user", "key") IN (SELECT * FROM unnest($2::text[], $3::text[]))"#
                ),
                &params,
            )?;
        }
        let sql = format!(
            r#"INSERT INTO prosody ("host", "user", "store", "key", "type", "value") SELECT $1, t.u, '{store}', t.k, 'number', t.v FROM unnest($2::text[], $3::text[], $4::text[]) AS t(u, k, v){on_conflict}"#,
            store = super::INVITE_STORE
        );
        tx.execute(&sql, &[&host, &users, &user_keys, &expiries])?;
    }
    Ok(())
}

/// The record of `token` (see [`rows::Lookup`]).
fn find(
    client: &mut impl postgres::GenericClient,
    host: &Host,
    token: &Token,
) -> Result<Option<Entry>, postgres::Error> {
    rows::find(|lookup| {
        let sql = match lookup {
            Lookup::HostLevel => concat!(
                r#"SELECT "user", "key", "type", "value" FROM prosody WHERE "host" = $1 AND "user" = '' AND "store" = '"#,
                invite_store!(),
                r#"' AND "key" = $2 LIMIT 1"#
            ),
            Lookup::PerUser => concat!(
                r#"SELECT "user", "key", "type", "value" FROM prosody WHERE "host" = $1 AND "user" <> '' AND "store" = '"#,
                invite_store!(),
                r#"' AND "key" = $2 ORDER BY "user" LIMIT 1"#
            ),
        };
        let row = client.query_opt(sql, &[&host.as_str(), &token.as_str()])?;
        Ok(row.map(|row| rows::decode(host.as_str(), &row, 0)))
    })
}

/// A row as PostgreSQL gives it: a NULL (which Prosody's schema forbids,
/// but a changed one may allow) reads as an empty name, or makes a
/// damaged entry.
impl RecordRow for Row {
    type Error = std::convert::Infallible;

    fn name(&self, i: usize) -> Result<String, Self::Error> {
        Ok(self.text(i).map(Cow::into_owned).unwrap_or_default())
    }

    fn text(&self, i: usize) -> Option<Cow<'_, str>> {
        self.try_get::<_, Option<&str>>(i)
            .ok()
            .flatten()
            .map(Cow::Borrowed)
    }
}
