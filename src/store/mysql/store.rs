//! The MySQL store: opening it, checking the server's schema, and the
//! writes other than pruning.

use std::cell::RefCell;

use mysql::prelude::Queryable;
use mysql::{Conn, Row, Transaction, TxOpts, Value};

use super::connect::{self, is_transient};
use super::MyTarget;
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::{self, Entry};
use crate::store::table::{self, Indexes};
use crate::store::writers::{self, Batch};
use crate::store::OpenMode;
use crate::token::Token;

/// Invites written per statement by `create`, and keys per statement
/// elsewhere: few round trips, and a packet well below the smallest
/// `max_allowed_packet` a server ships with (4 MiB).
pub(super) const BATCH: usize = 1_000;

/// How long a writer waits for another invitectl writing the same
/// host, in seconds; as long as on SQLite.
const LOCK_WAIT: i64 = 10;

/// Prosody 13's table on MySQL, for a database without one (util/sql.lua:
/// `MEDIUMTEXT` values, utf8mb4 with binary collation, and an index that is
/// not unique, on 20-character prefixes, as TEXT columns need).
const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS `prosody` (`host` TEXT NOT NULL, `user` TEXT NOT NULL, `store` TEXT NOT NULL, `key` TEXT NOT NULL, `type` TEXT NOT NULL, `value` MEDIUMTEXT NOT NULL) CHARACTER SET 'utf8mb4' COLLATE 'utf8mb4_bin'",
    "CREATE INDEX `prosody_unique_index` ON `prosody` (`host`(20), `user`(20), `store`(20), `key`(20))",
];

/// The server's error for an index name that is taken: someone made the
/// table (and its index) at the same moment.
const DUPLICATE_KEY_NAME: u16 = 1061;

/// The rows of one host's invite store; `?` twice for the host.
pub(super) const HOST_STORE: &str = "`host` = ? AND BINARY `host` = ? AND `store` = 'invite_token' AND BINARY `store` = 'invite_token'";

/// Host-level rows.
pub(super) const HOST_LEVEL: &str = "`user` = '' AND BINARY `user` = ''";

/// An open MySQL store.
pub struct MyStore {
    // Every call on a connection needs it mutably; listings borrow it
    // while the store is shared, as SQLite's do.
    pub(super) conn: RefCell<Conn>,
    pub(super) target: MyTarget,
    created: bool,
    indexes: Indexes,
}

impl MyStore {
    /// Connects, and with [`OpenMode::CreateIfMissing`] creates the table
    /// (Prosody 13's schema) in a database that has none.
    pub fn open(target: &MyTarget, mode: OpenMode) -> Result<MyStore> {
        let conn = connect::connect(target)?;
        let mut store = MyStore {
            conn: RefCell::new(conn),
            target: target.clone(),
            created: false,
            indexes: Indexes::default(),
        };
        let mut columns = store.columns()?;
        if mode == OpenMode::CreateIfMissing && columns.is_empty() {
            store.create_table()?;
            columns = store.columns()?;
        }
        store.check_schema(&columns)?;
        Ok(store)
    }

    /// Whether this open created the table.
    pub fn was_created(&self) -> bool {
        self.created
    }

    /// Whether a Prosody 0.12 uses the database, as its indexes tell:
    /// 0.12's `prosody_index` is there, or 13's index is not.
    pub fn made_for_012(&self) -> bool {
        self.indexes.made_for_012()
    }

    /// Whether this user may add and remove rows of the table: the server
    /// checks both statements, which touch no row, and they are undone.
    pub fn may_write(&self) -> Result<bool> {
        let mut conn = self.connection()?;
        let mut tx = conn
            .start_transaction(TxOpts::default())
            .map_err(|e| self.error(e))?;
        for probe in [
            "DELETE FROM `prosody` WHERE 1 = 0",
            "INSERT INTO `prosody` SELECT * FROM `prosody` WHERE 1 = 0",
        ] {
            match tx.query_drop(probe) {
                Ok(()) => {}
                // Access denied: to the table, or to a command on it.
                Err(mysql::Error::MySqlError(e)) if matches!(e.code, 1142 | 1143 | 1044) => {
                    return Ok(false)
                }
                Err(e) => return Err(self.error(e)),
            }
        }
        tx.rollback().map_err(|e| self.error(e))?;
        Ok(true)
    }

    /// The database, as shown in messages (never with a password).
    pub fn target(&self) -> &MyTarget {
        &self.target
    }

    pub(super) fn error(&self, source: mysql::Error) -> Error {
        Error::Mysql {
            store: self.target.to_string(),
            source,
        }
    }

    /// The connection, unless a listing holds it.
    pub(super) fn connection(&self) -> Result<std::cell::RefMut<'_, Conn>> {
        self.conn.try_borrow_mut().map_err(|_| {
            Error::InvalidRequest("the store is busy with a listing that is still open".into())
        })
    }

    fn not_a_store(&self, reason: String) -> Error {
        Error::NotAStore {
            store: self.target.to_string(),
            reason,
        }
    }

    /// The `prosody` table's columns with their types.
    fn columns(&self) -> Result<Vec<(String, String)>> {
        self.connection()?
            .query_map(
                "SELECT `COLUMN_NAME`, `DATA_TYPE` FROM `information_schema`.`COLUMNS` \
                 WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'prosody'",
                |(name, kind): (String, String)| (name, kind.to_ascii_lowercase()),
            )
            .map_err(|e| self.error(e))
    }

    /// Makes Prosody 13's table, unless someone made it meanwhile: the
    /// table and its index are separate statements, each committed at
    /// once, so two makers are kept apart by a named lock.
    fn create_table(&mut self) -> Result<()> {
        let lock = format!("invitectl:create:{}", self.target.database);
        let lock = lock_name(&lock);
        self.named_lock(&lock)?;
        let made = (|| {
            if !self.columns()?.is_empty() {
                return Ok(false);
            }
            let conn = self.conn.get_mut();
            conn.query_drop(SCHEMA[0])
                .and_then(|()| match conn.query_drop(SCHEMA[1]) {
                    Err(mysql::Error::MySqlError(e)) if e.code == DUPLICATE_KEY_NAME => Ok(()),
                    other => other,
                })
                .map(|()| true)
                .map_err(|e| self.error(e))
        })();
        self.release(&lock);
        self.created = made?;
        Ok(())
    }

    /// Refuses a database without Prosody's table (or with columns that
    /// are not text, or an engine without transactions), and learns which
    /// index the server made.
    fn check_schema(&mut self, columns: &[(String, String)]) -> Result<()> {
        if columns.is_empty() {
            return Err(self.not_a_store(table::NO_TABLE.into()));
        }
        let is_text = |kind: &str| {
            matches!(
                kind,
                "text" | "mediumtext" | "longtext" | "tinytext" | "varchar" | "char"
            )
        };
        if let Some(problem) = table::column_problem(columns, is_text) {
            return Err(self.not_a_store(problem));
        }
        let conn = self.conn.get_mut();
        let engine: Option<Option<String>> = conn
            .query_first(
                "SELECT `ENGINE` FROM `information_schema`.`TABLES` \
                 WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'prosody'",
            )
            .map_err(|e| Error::Mysql {
                store: self.target.to_string(),
                source: e,
            })?;
        let engine = engine.flatten().unwrap_or_default();
        if !engine.eq_ignore_ascii_case("InnoDB") {
            return Err(self.not_a_store(format!(
                "the \"prosody\" table uses the {engine} engine, which has no transactions: invitectl writes InnoDB tables only (ALTER TABLE prosody ENGINE = InnoDB)"
            )));
        }
        let indexes: Vec<String> = conn
            .query(
                "SELECT DISTINCT `INDEX_NAME` FROM `information_schema`.`STATISTICS` \
                 WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'prosody'",
            )
            .map_err(|e| Error::Mysql {
                store: self.target.to_string(),
                source: e,
            })?;
        self.indexes.index_012 = indexes.iter().any(|i| i == "prosody_index");
        self.indexes.index_13 = indexes.iter().any(|i| i == "prosody_unique_index");
        Ok(())
    }

    /// Waits for the named lock `name`, at most [`LOCK_WAIT`] seconds.
    fn named_lock(&mut self, name: &str) -> Result<()> {
        let got: Option<Option<i64>> = self
            .conn
            .get_mut()
            .exec_first("SELECT GET_LOCK(?, ?)", (name, LOCK_WAIT))
            .map_err(|e| Error::Mysql {
                store: self.target.to_string(),
                source: e,
            })?;
        match got.flatten() {
            Some(1) => Ok(()),
            _ => Err(Error::MysqlBusy {
                store: self.target.to_string(),
                reason: format!(
                    "another invitectl has been writing here for {LOCK_WAIT} s; try again later"
                ),
            }),
        }
    }

    /// Releases a named lock; closing the connection would too.
    fn release(&mut self, name: &str) {
        let _ = self.conn.get_mut().exec_drop("DO RELEASE_LOCK(?)", (name,));
    }

    /// Runs `work` in one transaction, holding the host's writer lock,
    /// and commits.
    fn write<T>(
        &mut self,
        host: &Host,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        // MySQL limits lock names to 64 characters: the host's key stands in.
        let lock = format!("invitectl:{:016x}", writers::lock_key(host));
        self.named_lock(&lock)?;
        let target = self.target.to_string();
        let outcome = (|| {
            let error = |source| Error::Mysql {
                store: target.clone(),
                source,
            };
            let mut tx = self
                .conn
                .get_mut()
                .start_transaction(write_options())
                .map_err(error)?;
            // Dropping the transaction on an error rolls it back.
            let value = work(&mut tx)?;
            tx.commit().map_err(error)?;
            Ok(value)
        })();
        self.release(&lock);
        outcome
    }

    /// [`MyStore::write`], started again after a deadlock or a lock wait
    /// timeout. `work` must have no effect outside the transaction.
    pub(super) fn write_retrying<T>(
        &mut self,
        host: &Host,
        mut work: impl FnMut(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        writers::retrying(
            || self.write(host, &mut work),
            |e| matches!(e, Error::Mysql { source, .. } if is_transient(source)),
        )
    }

    pub(in crate::store) fn create(
        &mut self,
        host: &Host,
        count: u64,
        mut make: impl FnMut() -> Result<Invite>,
        mut each: impl FnMut(&Invite) -> std::io::Result<()>,
    ) -> Result<()> {
        let store = self.target.to_string();
        self.write(host, |tx| {
            let mut batch = Batch::default();
            for _ in 0..count {
                let invite = make()?;
                if batch.would_repeat(&invite) {
                    batch.flush(tx, host, &store, &mut each)?;
                }
                batch.push(invite);
                if batch.invites.len() == BATCH {
                    batch.flush(tx, host, &store, &mut each)?;
                }
            }
            batch.flush(tx, host, &store, &mut each)
        })
    }

    pub(in crate::store) fn get(&self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        find(&mut *self.connection()?, host, token, false).map_err(|e| self.error(e))
    }

    pub(in crate::store) fn revoke(
        &mut self,
        host: &Host,
        tokens: &[Token],
    ) -> Result<std::collections::HashSet<String>> {
        let store = self.target.to_string();
        let removed = self.write_retrying(host, |tx| {
            let error = |source| Error::Mysql {
                store: store.clone(),
                source,
            };
            let mut removed = std::collections::HashSet::new();
            for chunk in tokens.chunks(BATCH) {
                let keys: Vec<&str> = chunk.iter().map(Token::as_str).collect();
                let condition = format!("{HOST_STORE} AND {}", in_list("key", keys.len()));
                let mut params = host_params(host);
                params.extend(twice(&keys));
                let found: Vec<String> = tx
                    .exec(
                        format!(
                            "SELECT DISTINCT `key` FROM `prosody` WHERE {condition} FOR UPDATE"
                        ),
                        params.clone(),
                    )
                    .map_err(error)?;
                if !found.is_empty() {
                    tx.exec_drop(format!("DELETE FROM `prosody` WHERE {condition}"), params)
                        .map_err(error)?;
                }
                removed.extend(found);
            }
            Ok(removed)
        })?;
        Ok(removed)
    }

    pub(in crate::store) fn redeem(
        &mut self,
        host: &Host,
        token: &Token,
        now: i64,
    ) -> Result<Invite> {
        let store = self.target.to_string();
        self.write_retrying(host, |tx| {
            let error = |source| Error::Mysql {
                store: store.clone(),
                source,
            };
            let found = find(tx, host, token, true).map_err(error)?;
            let invite = crate::redeem::check(found, token, now)?;
            if !invite.reusable {
                for user in std::iter::once("").chain(invite.inviter()) {
                    let mut params = host_params(host);
                    params.extend(twice(&[user]));
                    params.extend(twice(&[token.as_str()]));
                    tx.exec_drop(
                        format!(
                            "DELETE FROM `prosody` WHERE {HOST_STORE} AND {} AND {}",
                            in_list("user", 1),
                            in_list("key", 1)
                        ),
                        params,
                    )
                    .map_err(error)?;
                }
            }
            Ok(invite)
        })
    }
}

/// Writes run at read committed, not InnoDB's default repeatable read:
/// there a search locks the gaps around what it finds, and a bulk write
/// then holds thousands of gap locks that the server's own one-key
/// transactions (which do run at repeatable read) can meet in the
/// opposite order, a deadlock the server loses (seen in interop scenario
/// 11: "Deadlock found when trying to get lock"). At read committed a
/// write locks only the rows it changes.
fn write_options() -> TxOpts {
    TxOpts::default().set_isolation_level(Some(mysql::IsolationLevel::ReadCommitted))
}

/// The name of a lock: the server allows 64 characters, so a fixed hash
/// of what it stands for, which every invitectl computes alike.
fn lock_name(what: &str) -> String {
    format!("invitectl:{:016x}", writers::fnv1a(what.as_bytes()))
}

/// The parameters of [`HOST_STORE`].
pub(super) fn host_params(host: &Host) -> Vec<Value> {
    vec![Value::from(host.as_str()), Value::from(host.as_str())]
}

/// `` `column` IN (?, ...) AND BINARY `column` IN (?, ...) `` for `n`
/// values, given by [`twice`].
pub(super) fn in_list(column: &str, n: usize) -> String {
    let marks = vec!["?"; n].join(", ");
    format!("`{column}` IN ({marks}) AND BINARY `{column}` IN ({marks})")
}

/// The values of an [`in_list`].
pub(super) fn twice(values: &[&str]) -> Vec<Value> {
    let once = values.iter().map(|v| Value::from(*v));
    once.clone().chain(once).collect()
}

impl Batch {
    /// Writes the batch as Prosody writes on MySQL (delete, then insert),
    /// tells `each`, and empties the batch.
    fn flush(
        &mut self,
        tx: &mut Transaction<'_>,
        host: &Host,
        store: &str,
        each: &mut impl FnMut(&Invite) -> std::io::Result<()>,
    ) -> Result<()> {
        if self.invites.is_empty() {
            return Ok(());
        }
        let error = |source| Error::Mysql {
            store: store.to_owned(),
            source,
        };
        let (mut keys, mut values) = (Vec::new(), Vec::new());
        let mut per_user = Vec::new();
        for invite in &self.invites {
            if invite.allow_registration {
                keys.push(invite.token.as_str());
                values.push(record::encode(invite));
            }
            if let Some(inviter) = invite.inviter() {
                per_user.push((inviter, invite.token.as_str(), invite.expires.to_string()));
            }
        }
        let name = host.as_str();
        if !keys.is_empty() {
            // Deleting keys that are not there would still lock where they
            // would be; new tokens almost never are, so look first (a read
            // that locks nothing) and delete only those found.
            let mut params = host_params(host);
            params.extend(twice(&keys));
            let where_keys = format!(
                "{HOST_STORE} AND {HOST_LEVEL} AND {}",
                in_list("key", keys.len())
            );
            let found: Vec<String> = tx
                .exec(
                    format!("SELECT `key` FROM `prosody` WHERE {where_keys}"),
                    params.clone(),
                )
                .map_err(error)?;
            if !found.is_empty() {
                tx.exec_drop(format!("DELETE FROM `prosody` WHERE {where_keys}"), params)
                    .map_err(error)?;
            }
            let rows = vec!["(?, '', 'invite_token', ?, 'json', ?)"; keys.len()].join(", ");
            let params: Vec<Value> = keys
                .iter()
                .zip(&values)
                .flat_map(|(k, v)| [Value::from(name), Value::from(*k), Value::from(v.as_str())])
                .collect();
            tx.exec_drop(
                format!("INSERT INTO `prosody` (`host`, `user`, `store`, `key`, `type`, `value`) VALUES {rows}"),
                params,
            )
            .map_err(error)?;
        }
        if !per_user.is_empty() {
            let pairs = vec!["(?, ?)"; per_user.len()].join(", ");
            let mut params = host_params(host);
            let users: Vec<&str> = per_user.iter().map(|(u, _, _)| *u).collect();
            let user_keys: Vec<&str> = per_user.iter().map(|(_, k, _)| *k).collect();
            params.extend(twice(&user_keys));
            params.extend(
                per_user
                    .iter()
                    .flat_map(|(u, k, _)| [Value::from(*u), Value::from(*k)]),
            );
            tx.exec_drop(
                format!(
                    "DELETE FROM `prosody` WHERE {HOST_STORE} AND {} AND (BINARY `user`, BINARY `key`) IN ({pairs})",
                    in_list("key", user_keys.len())
                ),
                params,
            )
            .map_err(error)?;
            let rows = vec!["(?, ?, 'invite_token', ?, 'number', ?)"; users.len()].join(", ");
            let params: Vec<Value> = per_user
                .iter()
                .flat_map(|(u, k, e)| {
                    [
                        Value::from(name),
                        Value::from(*u),
                        Value::from(*k),
                        Value::from(e.as_str()),
                    ]
                })
                .collect();
            tx.exec_drop(
                format!("INSERT INTO `prosody` (`host`, `user`, `store`, `key`, `type`, `value`) VALUES {rows}"),
                params,
            )
            .map_err(error)?;
        }
        for invite in &self.invites {
            each(invite).map_err(Error::Output)?;
        }
        self.clear();
        Ok(())
    }
}

/// The record of `token`: the host-level one, else a per-user one (a
/// contact-only invite). `lock` reads the rows as they are now, and
/// keeps them from changing until the transaction ends.
fn find(
    conn: &mut impl Queryable,
    host: &Host,
    token: &Token,
    lock: bool,
) -> Result<Option<Entry>, mysql::Error> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let key = in_list("key", 1);
    let host_level = format!(
        "SELECT `user`, `key`, `type`, `value` FROM `prosody` WHERE {HOST_STORE} AND {HOST_LEVEL} AND {key} LIMIT 1{lock}"
    );
    let per_user = format!(
        "SELECT `user`, `key`, `type`, `value` FROM `prosody` WHERE {HOST_STORE} AND BINARY `user` <> '' AND {key} ORDER BY BINARY `user` LIMIT 1{lock}"
    );
    for sql in [host_level, per_user] {
        let mut params = host_params(host);
        params.extend(twice(&[token.as_str()]));
        if let Some(row) = conn.exec_first::<Row, _, _>(sql, params)? {
            return Ok(Some(decode_row(host.as_str(), &row, 0)));
        }
    }
    Ok(None)
}

/// Column `i` as text; NULL (which Prosody's schema forbids, but a
/// changed one may allow) is `None`.
pub(super) fn text(row: &Row, i: usize) -> Option<String> {
    match row.as_ref(i)? {
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        _ => None,
    }
}

/// Reads `(user, key, type, value)` from column `first` on. A NULL makes
/// a damaged entry.
pub(super) fn decode_row(host: &str, row: &Row, first: usize) -> Entry {
    let user = text(row, first).unwrap_or_default();
    let key = text(row, first + 1).unwrap_or_default();
    let (kind, value) = match (text(row, first + 2), text(row, first + 3)) {
        (Some(kind), Some(value)) => (kind, value),
        _ => (String::new(), String::new()),
    };
    if user.is_empty() {
        record::decode_host_record(key, &kind, &value)
    } else {
        record::decode_user_record(host, user, key, &kind, &value)
    }
}
