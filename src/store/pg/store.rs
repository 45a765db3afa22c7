//! The PostgreSQL store: opening it, checking the server's schema, and
//! the writes other than pruning.

use std::cell::RefCell;

use postgres::types::ToSql;
use postgres::{Client, Row, Transaction};

use super::{connect, PgTarget};
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::{self, Entry};
use crate::store::table::{self, Indexes};
use crate::store::writers::{self, Batch};
use crate::store::OpenMode;
use crate::token::Token;

/// Rows written per statement by `create`: few round trips, bounded
/// memory.
const BATCH: usize = 5_000;

/// Prosody 13's schema, for a database without the table.
const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS "prosody" ("host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "prosody_unique_index" ON "prosody" ("host", "user", "store", "key");
"#;

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
    // Every call on a connection needs it mutably; listings borrow it
    // while the store is shared, as SQLite's do.
    pub(super) client: RefCell<Client>,
    pub(super) target: PgTarget,
    created: bool,
    indexes: Indexes,
}

impl PgStore {
    /// Connects, and with [`OpenMode::CreateIfMissing`] creates the table
    /// (Prosody 13's schema) in a database that has none.
    pub fn open(target: &PgTarget, mode: OpenMode) -> Result<PgStore> {
        let client = connect::connect(target)?;
        let error = |source| Error::Postgres {
            store: target.to_string(),
            source,
            hint: String::new(),
        };
        let mut store = PgStore {
            client: RefCell::new(client),
            target: target.clone(),
            created: false,
            indexes: Indexes::default(),
        };
        let mut columns = store.columns()?;
        if columns.is_empty() && mode == OpenMode::CreateIfMissing {
            store
                .client
                .get_mut()
                .batch_execute(SCHEMA)
                .map_err(error)?;
            store.created = true;
            columns = store.columns()?;
        }
        store.check_schema(&columns)?;
        Ok(store)
    }

    /// Whether this open created the table.
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

    /// Whether this role may add, change and remove rows of the table.
    pub fn may_write(&self) -> Result<bool> {
        self.connection()?
            .query_one(
                "SELECT has_table_privilege(to_regclass('prosody'), 'INSERT, UPDATE, DELETE')",
                &[],
            )
            .map(|row| row.get(0))
            .map_err(|e| self.error(e))
    }

    /// The database, as shown in messages (never with a password).
    pub fn target(&self) -> &PgTarget {
        &self.target
    }

    fn error(&self, source: postgres::Error) -> Error {
        Error::Postgres {
            store: self.target.to_string(),
            source,
            hint: String::new(),
        }
    }

    /// The connection, unless a listing holds it.
    pub(super) fn connection(&self) -> Result<std::cell::RefMut<'_, Client>> {
        self.client.try_borrow_mut().map_err(|_| {
            Error::InvalidRequest("the store is busy with a listing that is still open".into())
        })
    }

    fn not_a_store(&self, reason: String) -> Error {
        Error::NotAStore {
            store: self.target.to_string(),
            reason,
        }
    }

    fn columns(&self) -> Result<Vec<(String, String)>> {
        let rows = self
            .connection()?
            .query(TABLE_COLUMNS, &[])
            .map_err(|e| self.error(e))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Refuses a database without Prosody's table (or with columns that
    /// are not text), and learns which index the server made.
    fn check_schema(&mut self, columns: &[(String, String)]) -> Result<()> {
        if columns.is_empty() {
            return Err(self.not_a_store(table::NO_TABLE.into()));
        }
        let is_text = |kind: &str| kind == "text" || kind.starts_with("character varying");
        if let Some(problem) = table::column_problem(columns, is_text) {
            return Err(self.not_a_store(problem));
        }
        let row = self
            .client
            .get_mut()
            .query_one(INDEXES, &[])
            .map_err(|e| self.error(e))?;
        self.indexes = Indexes {
            index_13: row.get(0),
            index_012: row.get(1),
        };
        Ok(())
    }

    /// Runs `work` in one transaction that holds the host's writer lock,
    /// and commits.
    fn write<T>(
        &mut self,
        host: &Host,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let target = self.target.to_string();
        let error = |source| Error::Postgres {
            store: target.clone(),
            source,
            hint: String::new(),
        };
        let mut tx = self.client.get_mut().transaction().map_err(error)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1)",
            &[&(writers::lock_key(host) as i64)],
        )
        .map_err(error)?;
        let value = work(&mut tx)?;
        tx.commit().map_err(error)?;
        Ok(value)
    }

    /// [`PgStore::write`], started again after a deadlock or a
    /// serialization failure. `work` must have no effect outside the
    /// transaction.
    pub(super) fn write_retrying<T>(
        &mut self,
        host: &Host,
        mut work: impl FnMut(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        writers::retrying(|| self.write(host, &mut work), is_transient)
    }

    pub(in crate::store) fn create(
        &mut self,
        host: &Host,
        count: u64,
        mut make: impl FnMut() -> Result<Invite>,
        mut each: impl FnMut(&Invite) -> std::io::Result<()>,
    ) -> Result<()> {
        let writer = Writer::new(self.indexes.index_13, self.target.to_string());
        self.write(host, |tx| {
            let mut batch = Batch::default();
            for _ in 0..count {
                let invite = make()?;
                if batch.would_repeat(&invite) {
                    writer.flush(tx, host, &mut batch, &mut each)?;
                }
                batch.push(invite);
                if batch.invites.len() == BATCH {
                    writer.flush(tx, host, &mut batch, &mut each)?;
                }
            }
            writer.flush(tx, host, &mut batch, &mut each)
        })
    }

    pub(in crate::store) fn get(&self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        find(&mut *self.connection()?, host, token).map_err(|e| self.error(e))
    }

    pub(in crate::store) fn revoke(
        &mut self,
        host: &Host,
        tokens: &[Token],
    ) -> Result<std::collections::HashSet<String>> {
        let target = self.target.to_string();
        let keys: Vec<&str> = tokens.iter().map(Token::as_str).collect();
        let removed = self.write_retrying(host, |tx| {
            let rows = tx
                .query(
                    r#"DELETE FROM prosody WHERE "host" = $1 AND "store" = 'invite_token' AND "key" = ANY($2) RETURNING "key""#,
                    &[&host.as_str(), &keys],
                )
                .map_err(|source| Error::Postgres {
                    store: target.clone(),
                    source,
                    hint: String::new(),
                })?;
            Ok(rows
                .iter()
                .map(|r| r.get::<_, String>(0))
                .collect::<std::collections::HashSet<_>>())
        })?;
        Ok(removed)
    }

    pub(in crate::store) fn redeem(
        &mut self,
        host: &Host,
        token: &Token,
        now: i64,
    ) -> Result<Invite> {
        let target = self.target.to_string();
        self.write_retrying(host, |tx| {
            let error = |source| Error::Postgres {
                store: target.clone(),
                source,
                hint: String::new(),
            };
            let invite = crate::redeem::check(find(tx, host, token).map_err(error)?, token, now)?;
            if !invite.reusable {
                for user in std::iter::once("").chain(invite.inviter()) {
                    tx.execute(
                        r#"DELETE FROM prosody WHERE "host" = $1 AND "user" = $2 AND "store" = 'invite_token' AND "key" = $3"#,
                        &[&host.as_str(), &user, &token.as_str()],
                    )
                    .map_err(error)?;
                }
            }
            Ok(invite)
        })
    }
}

/// A deadlock or serialization failure: the transaction may succeed if
/// tried again.
fn is_transient(error: &Error) -> bool {
    use postgres::error::SqlState;
    matches!(error, Error::Postgres { source, .. }
        if source.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
            || source.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE))
}

/// The statements `create` writes with.
struct Writer {
    upsert: bool,
    store: String,
}

impl Writer {
    fn new(upsert: bool, store: String) -> Writer {
        Writer { upsert, store }
    }

    /// Writes the batch (0.12's plain index: delete, then insert; 13's
    /// unique index: upsert), tells `each`, and empties the batch.
    fn flush(
        &self,
        tx: &mut Transaction<'_>,
        host: &Host,
        batch: &mut Batch,
        each: &mut impl FnMut(&Invite) -> std::io::Result<()>,
    ) -> Result<()> {
        if batch.invites.is_empty() {
            return Ok(());
        }
        let error = |source| Error::Postgres {
            store: self.store.clone(),
            source,
            hint: String::new(),
        };
        let on_conflict = if self.upsert {
            r#" ON CONFLICT ("host", "user", "store", "key") DO UPDATE SET "type" = excluded."type", "value" = excluded."value""#
        } else {
            ""
        };
        let (mut keys, mut values) = (Vec::new(), Vec::new());
        let (mut users, mut user_keys, mut expiries) = (Vec::new(), Vec::new(), Vec::new());
        for invite in &batch.invites {
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
            if !self.upsert {
                tx.execute(
                    r#"DELETE FROM prosody WHERE "host" = $1 AND "user" = '' AND "store" = 'invite_token' AND "key" = ANY($2)"#,
                    &[&host, &keys],
                )
                .map_err(error)?;
            }
            let sql = format!(
                r#"INSERT INTO prosody ("host", "user", "store", "key", "type", "value") SELECT $1, '', 'invite_token', t.k, 'json', t.v FROM unnest($2::text[], $3::text[]) AS t(k, v){on_conflict}"#
            );
            tx.execute(&sql, &[&host, &keys, &values]).map_err(error)?;
        }
        if !users.is_empty() {
            let params: [&(dyn ToSql + Sync); 3] = [&host, &users, &user_keys];
            if !self.upsert {
                tx.execute(
                    r#"DELETE FROM prosody WHERE "host" = $1 AND "store" = 'invite_token' AND ("user", "key") IN (SELECT * FROM unnest($2::text[], $3::text[]))"#,
                    &params,
                )
                .map_err(error)?;
            }
            let sql = format!(
                r#"INSERT INTO prosody ("host", "user", "store", "key", "type", "value") SELECT $1, t.u, 'invite_token', t.k, 'number', t.v FROM unnest($2::text[], $3::text[], $4::text[]) AS t(u, k, v){on_conflict}"#
            );
            tx.execute(&sql, &[&host, &users, &user_keys, &expiries])
                .map_err(error)?;
        }
        for invite in &batch.invites {
            each(invite).map_err(Error::Output)?;
        }
        batch.clear();
        Ok(())
    }
}

/// The record of `token`: the host-level one, else a per-user one (a
/// contact-only invite).
fn find(
    client: &mut impl postgres::GenericClient,
    host: &Host,
    token: &Token,
) -> Result<Option<Entry>, postgres::Error> {
    const HOST_LEVEL: &str = r#"SELECT "user", "key", "type", "value" FROM prosody WHERE "host" = $1 AND "user" = '' AND "store" = 'invite_token' AND "key" = $2 LIMIT 1"#;
    const PER_USER: &str = r#"SELECT "user", "key", "type", "value" FROM prosody WHERE "host" = $1 AND "user" <> '' AND "store" = 'invite_token' AND "key" = $2 ORDER BY "user" LIMIT 1"#;
    for sql in [HOST_LEVEL, PER_USER] {
        if let Some(row) = client.query_opt(sql, &[&host.as_str(), &token.as_str()])? {
            return Ok(Some(decode_row(host.as_str(), &row, 0)));
        }
    }
    Ok(None)
}

/// Reads `(user, key, type, value)` from column `first` on. A NULL (which
/// Prosody's schema forbids, but a changed one may allow) makes a
/// damaged entry.
pub(super) fn decode_row(host: &str, row: &Row, first: usize) -> Entry {
    let text = |i: usize| row.try_get::<_, Option<String>>(first + i).ok().flatten();
    let user = text(0).unwrap_or_default();
    let key = text(1).unwrap_or_default();
    let (kind, value) = match (text(2), text(3)) {
        (Some(kind), Some(value)) => (kind, value),
        _ => (String::new(), String::new()),
    };
    if user.is_empty() {
        record::decode_host_record(key, &kind, &value)
    } else {
        record::decode_user_record(host, user, key, &kind, &value)
    }
}
