//! Prosody's SQL storage on MySQL or MariaDB: the same `prosody` table as
//! on SQLite, with the shape Prosody gives it there (`MEDIUMTEXT` values,
//! a plain index on the first 20 characters of each key column, utf8mb4
//! with binary collation), on the engine's connection
//! (`store::engine::mysql`: the writer lock, the transaction, the
//! retries).
//!
//! Neither Prosody generation makes the index unique on MySQL, so
//! invitectl writes as Prosody does: delete, then insert. `revoke`,
//! `expire` and a redemption are tried again after a deadlock or a lock
//! wait timeout; `generate` is not, and fails with nothing written.
//! Listings are one statement, a consistent read, whose rows are read
//! from the connection as they are used, never held whole.
//!
//! Every comparison of a key column is also made on its bytes: the
//! table's collation (`utf8mb4_bin`) ignores trailing spaces, and a row of
//! host `"example.com "` is not one of `example.com`'s.

mod listing;
mod prune;

use std::borrow::Cow;
use std::collections::HashSet;

use mysql::prelude::Queryable;
use mysql::{Row, TxOpts, Value};

use listing::MyListing;

use super::rows::{self, Lookup, RecordRow};
use super::table::{self, Indexes};
use super::INVITE_STORE;
use crate::error::Result;
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::{self, Entry};
use crate::store::backend::{Backend, Entries, NewInvites, Opened, Selection};
use crate::store::batch::write_in_batches;
use crate::store::engine::mysql::{
    failed, server_code, Connection, Statement, ACCESS_DENIED, DUPLICATE_KEY_NAME,
};
use crate::store::engine::Server;
use crate::store::OpenMode;
use crate::token::Token;

/// Invites written per statement by `create`, and keys per statement
/// elsewhere: few round trips, and a packet well below the smallest
/// `max_allowed_packet` a server ships with (4 MiB).
const BATCH: usize = 1_000;

/// Prosody 13's table on MySQL, for a database without one (util/sql.lua:
/// `MEDIUMTEXT` values, utf8mb4 with binary collation, and an index that is
/// not unique, on 20-character prefixes, as TEXT columns need).
const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS `prosody` (`host` TEXT NOT NULL, `user` TEXT NOT NULL, `store` TEXT NOT NULL, `key` TEXT NOT NULL, `type` TEXT NOT NULL, `value` MEDIUMTEXT NOT NULL) CHARACTER SET 'utf8mb4' COLLATE 'utf8mb4_bin'",
    "CREATE INDEX `prosody_unique_index` ON `prosody` (`host`(20), `user`(20), `store`(20), `key`(20))",
];

/// Appends the condition on the rows of one host's invite store.
fn host_store<'s>(st: &'s mut Statement, host: &Host) -> &'s mut Statement {
    st.sql("`host` = ")
        .bind(host.as_str())
        .sql(" AND BINARY `host` = ")
        .bind(host.as_str())
        .sql(concat!(
            " AND `store` = '",
            super::invite_store!(),
            "' AND BINARY `store` = '",
            super::invite_store!(),
            "'"
        ))
}

/// Host-level rows.
const HOST_LEVEL: &str = "`user` = '' AND BINARY `user` = ''";

/// Appends `` `column` IN (?, ...) AND BINARY `column` IN (?, ...) ``.
fn in_list<'s>(st: &'s mut Statement, column: &str, values: &[&str]) -> &'s mut Statement {
    st.sql(&format!("`{column}` IN ("))
        .list(values.iter().copied())
        .sql(&format!(") AND BINARY `{column}` IN ("))
        .list(values.iter().copied())
        .sql(")")
}

/// An open MySQL store.
pub struct MyStore {
    db: Connection,
    opened: Opened,
}

impl MyStore {
    /// Uses `db`, and with [`OpenMode::CreateIfMissing`] creates the
    /// table (Prosody 13's schema) in a database that has none.
    pub fn from_connection(mut db: Connection, mode: OpenMode) -> Result<MyStore> {
        let (columns, created) = table::columns_creating(&mut db, mode, columns, create_table)?;
        if columns.is_empty() {
            refuse_ejabberds(&mut db)?;
        }
        let indexes = check_schema(&mut db, &columns)?;
        Ok(MyStore {
            opened: table::opened(db.name(), created, indexes),
            db,
        })
    }
}

/// Refuses a database without Prosody's table (or with columns that are
/// not text, or an engine without transactions), and learns which index
/// the server made.
fn check_schema(db: &mut Connection, columns: &[(String, String)]) -> Result<Indexes> {
    let is_text = |kind: &str| {
        matches!(
            kind,
            "text" | "mediumtext" | "longtext" | "tinytext" | "varchar" | "char"
        )
    };
    table::check_columns(&db.name(), columns, table::NO_TABLE, is_text)?;
    let (conn, name) = db.parts();
    let engine: Option<Option<String>> = conn
        .query_first(
            "SELECT `ENGINE` FROM `information_schema`.`TABLES` \
             WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'prosody'",
        )
        .map_err(failed(name))?;
    let engine = engine.flatten().unwrap_or_default();
    if !engine.eq_ignore_ascii_case("InnoDB") {
        return Err(crate::Error::NotAStore {
            store: name.to_owned(),
            reason: format!(
                "the \"prosody\" table uses the {engine} engine, which has no transactions: invitectl writes InnoDB tables only (ALTER TABLE prosody ENGINE = InnoDB)"
            ),
        });
    }
    let indexes: Vec<String> = conn
        .query(
            "SELECT DISTINCT `INDEX_NAME` FROM `information_schema`.`STATISTICS` \
             WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'prosody'",
        )
        .map_err(failed(name))?;
    Ok(Indexes {
        index_012: indexes.iter().any(|i| i == "prosody_index"),
        index_13: indexes.iter().any(|i| i == "prosody_unique_index"),
    })
}

/// The `prosody` table's columns with their types.
fn columns(db: &mut Connection) -> Result<Vec<(String, String)>> {
    let (conn, name) = db.parts();
    conn.query_map(
        "SELECT `COLUMN_NAME`, `DATA_TYPE` FROM `information_schema`.`COLUMNS` \
         WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'prosody'",
        |(name, kind): (String, String)| (name, kind.to_ascii_lowercase()),
    )
    .map_err(failed(name))
}

/// Makes Prosody 13's table, unless someone made it meanwhile; returns
/// whether this call made it.
/// A database without Prosody's table but with ejabberd's is ejabberd's.
fn refuse_ejabberds(db: &mut Connection) -> Result<()> {
    let (conn, name) = db.parts();
    let ejabberds: Option<i64> = conn
        .query_first(
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = 'invite_token'",
        )
        .map_err(failed(name))?;
    if ejabberds.unwrap_or(0) > 0 {
        return Err(table::ejabberds_database(db.name()));
    }
    Ok(())
}

fn create_table(db: &mut Connection) -> Result<bool> {
    db.locked_for_schema(|db| {
        if !columns(db)?.is_empty() {
            return Ok(false);
        }
        refuse_ejabberds(db)?;
        let (conn, name) = db.parts();
        conn.query_drop(SCHEMA[0])
            .and_then(|()| match conn.query_drop(SCHEMA[1]) {
                // Someone made the table (and its index) at the same moment.
                Err(e) if server_code(&e) == Some(DUPLICATE_KEY_NAME) => Ok(()),
                other => other,
            })
            .map(|()| true)
            .map_err(failed(name))
    })
}

impl Backend for MyStore {
    fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Whether this user may add and remove rows of the table: the server
    /// checks both statements, which touch no row, and they are undone.
    fn may_write(&mut self) -> Result<Option<bool>> {
        let (conn, name) = self.db.parts();
        let mut tx = conn
            .start_transaction(TxOpts::default())
            .map_err(failed(name))?;
        for probe in [
            "DELETE FROM `prosody` WHERE 1 = 0",
            "INSERT INTO `prosody` SELECT * FROM `prosody` WHERE 1 = 0",
        ] {
            match tx.query_drop(probe) {
                Ok(()) => {}
                Err(e) if server_code(&e).is_some_and(|c| ACCESS_DENIED.contains(&c)) => {
                    return Ok(Some(false))
                }
                Err(e) => return Err(failed(name)(e)),
            }
        }
        tx.rollback().map_err(failed(name))?;
        Ok(Some(true))
    }

    fn write_needs(&self) -> &'static str {
        "the store is not writable by this user: it needs INSERT and DELETE on the prosody table"
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        self.db.write(host, |tx, name| {
            write_in_batches(invites, BATCH, |batch| {
                flush(tx, host, batch).map_err(failed(name))
            })
        })
    }

    fn listing<'s>(
        &'s mut self,
        host: &Host,
        selection: Selection,
    ) -> Result<Box<dyn Entries + 's>> {
        Ok(Box::new(MyListing::new(&mut self.db, host, selection)))
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        let (conn, name) = self.db.parts();
        find(conn, host, token, false).map_err(failed(name))
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        self.db.write_retrying(host, |tx, name| {
            let mut removed = HashSet::new();
            for chunk in tokens.chunks(BATCH) {
                let keys: Vec<&str> = chunk.iter().map(Token::as_str).collect();
                let condition = |verb: &str| {
                    let mut st = Statement::new(verb);
                    host_store(&mut st, host).sql(" AND ");
                    in_list(&mut st, "key", &keys);
                    st
                };
                let (sql, params) =
                    condition("SELECT DISTINCT `key` FROM `prosody` WHERE ").into_parts();
                let found: Vec<String> =
                    tx.exec(sql + " FOR UPDATE", params).map_err(failed(name))?;
                if !found.is_empty() {
                    let (sql, params) = condition("DELETE FROM `prosody` WHERE ").into_parts();
                    tx.exec_drop(sql, params).map_err(failed(name))?;
                }
                removed.extend(found);
            }
            Ok(removed)
        })
    }

    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        self.db.write_retrying(host, |tx, name| {
            super::prune::run(tx, &prune::Prune::new(host, now), progress).map_err(failed(name))
        })
    }

    fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        self.db.write_retrying(host, |tx, name| {
            let found = find(tx, host, token, true).map_err(failed(name))?;
            let invite = crate::redeem::check(found, token, now)?;
            if !invite.reusable {
                for user in std::iter::once("").chain(invite.inviter()) {
                    let mut st = Statement::new("DELETE FROM `prosody` WHERE ");
                    host_store(&mut st, host).sql(" AND ");
                    in_list(&mut st, "user", &[user]).sql(" AND ");
                    in_list(&mut st, "key", &[token.as_str()]);
                    let (sql, params) = st.into_parts();
                    tx.exec_drop(sql, params).map_err(failed(name))?;
                }
            }
            Ok(invite)
        })
    }
}

/// Writes a batch of new invites as Prosody writes on MySQL: delete, then
/// insert.
fn flush(tx: &mut impl Queryable, host: &Host, batch: &[Invite]) -> Result<(), mysql::Error> {
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    let mut per_user = Vec::new();
    for invite in batch {
        if invite.allow_registration {
            keys.push(invite.token.as_str());
            values.push(record::encode(invite));
        }
        if let Some(inviter) = invite.inviter() {
            per_user.push((inviter, invite.token.as_str(), invite.expires.to_string()));
        }
    }
    if !keys.is_empty() {
        // Deleting keys that are not there would still lock where they
        // would be; new tokens almost never are, so look first (a read
        // that locks nothing) and delete only those found.
        let where_keys = |verb: &str| {
            let mut st = Statement::new(verb);
            host_store(&mut st, host)
                .sql(" AND ")
                .sql(HOST_LEVEL)
                .sql(" AND ");
            in_list(&mut st, "key", &keys);
            st
        };
        let (sql, params) = where_keys("SELECT `key` FROM `prosody` WHERE ").into_parts();
        let found: Vec<String> = tx.exec(sql, params)?;
        if !found.is_empty() {
            let (sql, params) = where_keys("DELETE FROM `prosody` WHERE ").into_parts();
            tx.exec_drop(sql, params)?;
        }
        let rows = keys.iter().zip(&values).map(|(k, v)| ("", *k, v.as_str()));
        let (sql, params) = insert(host, "json", rows).into_parts();
        tx.exec_drop(sql, params)?;
    }
    if !per_user.is_empty() {
        let user_keys: Vec<&str> = per_user.iter().map(|(_, k, _)| *k).collect();
        let mut st = Statement::new("DELETE FROM `prosody` WHERE ");
        host_store(&mut st, host).sql(" AND ");
        in_list(&mut st, "key", &user_keys).sql(" AND (BINARY `user`, BINARY `key`) IN (");
        for (i, (user, key, _)) in per_user.iter().enumerate() {
            st.sql(if i == 0 { "(" } else { ", (" })
                .bind(*user)
                .sql(", ")
                .bind(*key)
                .sql(")");
        }
        st.sql(")");
        let (sql, params) = st.into_parts();
        tx.exec_drop(sql, params)?;
        let rows = per_user.iter().map(|(u, k, e)| (*u, *k, e.as_str()));
        let (sql, params) = insert(host, "number", rows).into_parts();
        tx.exec_drop(sql, params)?;
    }
    Ok(())
}

/// An `INSERT` of a record of type `kind` for each `(user, key, value)`.
fn insert<'a>(
    host: &Host,
    kind: &str,
    records: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
) -> Statement {
    let mut st = Statement::new(
        "INSERT INTO `prosody` (`host`, `user`, `store`, `key`, `type`, `value`) VALUES ",
    );
    let store = format!(", '{INVITE_STORE}', ");
    let kind = format!(", '{kind}', ");
    for (i, (user, key, value)) in records.enumerate() {
        st.sql(if i == 0 { "(" } else { ", (" })
            .list([host.as_str(), user])
            .sql(&store)
            .bind(key)
            .sql(&kind)
            .bind(value)
            .sql(")");
    }
    st
}

/// The record of `token` (see [`rows::Lookup`]). `lock` reads the rows as
/// they are now, and keeps them from changing until the transaction ends.
fn find(
    conn: &mut impl Queryable,
    host: &Host,
    token: &Token,
    lock: bool,
) -> Result<Option<Entry>, mysql::Error> {
    rows::find(|lookup| {
        let mut st = Statement::new("SELECT `user`, `key`, `type`, `value` FROM `prosody` WHERE ");
        host_store(&mut st, host).sql(" AND ");
        match lookup {
            Lookup::HostLevel => st.sql(HOST_LEVEL),
            Lookup::PerUser => st.sql("BINARY `user` <> ''"),
        };
        st.sql(" AND ");
        in_list(&mut st, "key", &[token.as_str()]);
        if lookup == Lookup::PerUser {
            st.sql(" ORDER BY BINARY `user`");
        }
        st.sql(" LIMIT 1");
        if lock {
            st.sql(" FOR UPDATE");
        }
        let (sql, params) = st.into_parts();
        let row: Option<Row> = conn.exec_first(sql, params)?;
        Ok(row.map(|row| rows::decode(host.as_str(), &row, 0)))
    })
}

/// Column `i` as text; NULL (which Prosody's schema forbids, but a
/// changed one may allow) is `None`.
fn text(row: &Row, i: usize) -> Option<Cow<'_, str>> {
    match row.as_ref(i)? {
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(bytes)),
        _ => None,
    }
}

/// A row as MySQL gives it: a NULL reads as an empty name, or makes a
/// damaged entry.
impl RecordRow for Row {
    type Error = std::convert::Infallible;

    fn name(&self, i: usize) -> Result<String, Self::Error> {
        Ok(text(self, i).map(Cow::into_owned).unwrap_or_default())
    }

    fn text(&self, i: usize) -> Option<Cow<'_, str>> {
        text(self, i)
    }
}
