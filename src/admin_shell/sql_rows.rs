//! Requests on the invite store's raw rows, for SQL storage on SQLite:
//! read on the server's own connection, so that no other process ever
//! holds a lock on the database, and removed only while byte for byte
//! unchanged.
//!
//! A row comes back exactly as stored (`type` and `value` as text), so
//! that invitectl's one reader of rows (`store::prosody::rows`) decides
//! what it holds, as it does for a database it reads itself.

use serde::Deserialize;

use super::error::{AdminShellError, Result};
use super::invite_store::{args, literal_table, InviteStore, WriteOutcome};
use super::program::{Body, Program};
use crate::lua::{LuaString, Table, Value};

/// One row of the `prosody` table of the host's invite store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// Its rowid, where a page ends.
    pub rowid: i64,
    /// The user, `""` for a host-level record.
    pub user: LuaString,
    /// The key, the invite's token.
    pub key: LuaString,
    /// The `type` column (`json`, `number`, ...); `None` when it is not
    /// text (NULL, which Prosody's schema forbids but a changed one may
    /// allow): such a row reads as damaged and is never removed.
    pub kind: Option<LuaString>,
    /// The `value` column; `None` when it is not text.
    pub value: Option<LuaString>,
    /// For a per-user record: no host-level record has its key.
    pub lone: bool,
}

/// A row to insert: see [`InviteStore::insert_rows`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRow {
    /// The user, `""` for a host-level record.
    pub user: String,
    /// The key, the invite's token.
    pub key: String,
    /// The `type` column.
    pub kind: &'static str,
    /// The `value` column.
    pub value: String,
}

/// A row's rowid and creation time, for sorting a listing.
pub type Created = (i64, Option<i64>);

/// How far a paged read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Extent {
    /// The largest rowid of the table when asked.
    #[serde(rename = "max")]
    pub max_rowid: i64,
    /// How many host-level invite records the host has.
    pub host_records: u64,
}

/// Keys to remove, whatever they hold: see [`InviteStore::remove_keys`].
#[derive(Debug, Clone, Default)]
pub struct KeysToRemove {
    /// The host-level keys.
    pub host: Vec<LuaString>,
    /// Each user's keys.
    pub users: Vec<(LuaString, Vec<LuaString>)>,
}

impl InviteStore<'_> {
    /// The host-level rows of these keys.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn rows_of_keys(&mut self, keys: &[&str]) -> Result<Vec<RawRow>> {
        let mut a = args(self.host());
        a.insert("keys", Table::from_sequence(keys.iter().copied()));
        self.rows(a)
    }

    /// The rows of these (user, key) pairs.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn rows_of_pairs(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<RawRow>> {
        let mut a = args(self.host());
        let pairs = pairs.iter().map(|(user, key)| {
            let mut t = Table::new();
            t.insert("user", *user);
            t.insert("key", *key);
            t
        });
        a.insert("pairs", Table::from_sequence(pairs));
        self.rows(a)
    }

    /// The per-user rows of these keys, whoever the user: one scan of the
    /// host's per-user rows, for tokens with no host-level record.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn rows_of_any_user(&mut self, keys: &[&str]) -> Result<Vec<RawRow>> {
        let mut a = args(self.host());
        a.insert("scan", Table::from_sequence(keys.iter().copied()));
        self.rows(a)
    }

    /// The rows of these rowids, in that order, that still hold the host's
    /// invite records.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn rows_by_id(&mut self, ids: &[i64]) -> Result<Vec<RawRow>> {
        let mut a = args(self.host());
        a.insert("ids", Table::from_sequence(ids.iter().copied()));
        let mut found: std::collections::HashMap<i64, RawRow> =
            self.rows(a)?.into_iter().map(|r| (r.rowid, r)).collect();
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// For sorting a listing: the rowid and creation time (as the record's
    /// `created_at` number holds it) of each host-level and lone per-user
    /// row with rowid in `(after, before]`, at most `limit`, and where the
    /// next page starts.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn order_page(
        &mut self,
        after: i64,
        before: i64,
        limit: u32,
    ) -> Result<(Vec<Created>, i64)> {
        let mut a = args(self.host());
        a.insert("after", after);
        a.insert("before", before);
        a.insert("limit", limit);
        a.insert("order", true);
        let answer = self.answer(a)?;
        let rows = rows_of(&answer)?
            .sequence()
            .map(|row| {
                let row = row.as_table()?;
                Some((row.get(1)?.as_int()?, row.get(2).and_then(Value::as_int)))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| AdminShellError::BadAnswer("a row without its rowid".into()))?;
        Ok((rows, last(&answer).unwrap_or(before)))
    }

    fn rows(&mut self, a: Table) -> Result<Vec<RawRow>> {
        read_rows(&self.answer(a)?)
    }

    fn answer(&mut self, a: Table) -> Result<Table> {
        let host = self.host().as_str().to_owned();
        Program::new(a, Body::SqlRows)?.run_literal(self.connection(), &host)
    }

    /// The rows with rowid in `(after, before]`, at most `limit`, in
    /// rowid order, that may have expired at `now`: all but the host-level
    /// records whose JSON holds a numeric `expires` at or after `now`
    /// (invitectl's reader decides the rest); and where the next page
    /// starts.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn expired_page(
        &mut self,
        after: i64,
        before: i64,
        limit: u32,
        now: i64,
    ) -> Result<(Vec<RawRow>, i64)> {
        let mut a = args(self.host());
        a.insert("after", after);
        a.insert("before", before);
        a.insert("limit", limit);
        a.insert("expired_at", now);
        let answer = self.answer(a)?;
        Ok((read_rows(&answer)?, last(&answer).unwrap_or(before)))
    }

    /// Where a paged read ends, and how many host-level records there are.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn extent(&mut self) -> Result<Extent> {
        self.run(&Program::new(args(self.host()), Body::SqlExtent)?)
    }

    /// Removes each row only if it is still stored exactly so, all in one
    /// transaction; tells which went. Rows whose `type` or `value` is not
    /// text must not be given (they cannot be compared).
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`]; a failed transaction is
    /// [`AdminShellError::Storage`], with nothing known removed.
    pub fn delete_rows_if_unchanged(&mut self, rows: &[&RawRow]) -> Result<Vec<bool>> {
        let program = delete_rows_program(self.host(), rows)?;
        let answer: RemovedAnswer = self.run(&program)?;
        let removed = literal_table(&answer.removed)?;
        (1..=rows.len())
            .map(|i| {
                removed
                    .get(i as i64)
                    .and_then(Value::as_bool)
                    .ok_or_else(|| AdminShellError::BadAnswer(format!("outcome {i} of a delete")))
            })
            .collect()
    }

    /// Inserts new rows in one transaction, as the server's SQL storage
    /// stores records: only for keys that cannot exist yet.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`]; a failed transaction is a
    /// [`WriteOutcome`] that is not `ok`.
    pub fn insert_rows(&mut self, rows: &[NewRow]) -> Result<WriteOutcome> {
        let program = insert_rows_program(self.host(), rows)?;
        self.run(&program)
    }

    /// Removes these records whatever they hold: only for records this
    /// process wrote and told no one of, such as the invites of a
    /// `generate` that failed part way.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn remove_keys(&mut self, keys: &KeysToRemove) -> Result<()> {
        let mut a = args(self.host());
        let users = keys.users.iter().map(|(user, keys)| {
            let mut group = Table::new();
            group.insert("user", user.clone());
            group.insert("keys", Table::from_sequence(keys.iter().cloned()));
            group
        });
        a.insert("users", Table::from_sequence(users));
        a.insert("keys", Table::from_sequence(keys.host.iter().cloned()));
        let _: serde::de::IgnoredAny = self.run(&Program::new(a, Body::RemoveKeys)?)?;
        Ok(())
    }
}

/// The program [`InviteStore::insert_rows`] sends, e.g. to see whether a
/// chunk [`Program::fits`].
///
/// # Errors
///
/// [`AdminShellError::Value`] for a value the Lua writer refuses.
pub fn insert_rows_program(host: &crate::jid::Host, rows: &[NewRow]) -> Result<Program> {
    let mut a = args(host);
    let rows = rows.iter().map(|row| {
        let mut t = Table::new();
        t.insert("user", row.user.as_str());
        t.insert("key", row.key.as_str());
        t.insert("type", row.kind);
        t.insert("value", row.value.as_str());
        t
    });
    a.insert("rows", Table::from_sequence(rows));
    Program::new(a, Body::SqlInsertRows)
}

/// The program [`InviteStore::delete_rows_if_unchanged`] sends, e.g. to
/// see whether a batch [`Program::fits`].
///
/// # Errors
///
/// [`AdminShellError::Value`] for a value the Lua writer refuses.
pub fn delete_rows_program(host: &crate::jid::Host, rows: &[&RawRow]) -> Result<Program> {
    let mut a = args(host);
    let rows = rows.iter().filter_map(|row| {
        let mut t = Table::new();
        t.insert("user", row.user.clone());
        t.insert("key", row.key.clone());
        t.insert("type", row.kind.clone()?);
        t.insert("value", row.value.clone()?);
        Some(t)
    });
    a.insert("rows", Table::from_sequence(rows));
    Program::new(a, Body::SqlDeleteRows)
}

fn rows_of(answer: &Table) -> Result<&Table> {
    answer
        .get("rows")
        .and_then(Value::as_table)
        .ok_or_else(|| AdminShellError::BadAnswer("an answer without rows".into()))
}

fn last(answer: &Table) -> Option<i64> {
    answer.get("last").and_then(Value::as_int)
}

fn read_rows(answer: &Table) -> Result<Vec<RawRow>> {
    let bad = |what: &str| AdminShellError::BadAnswer(format!("a row with {what}"));
    rows_of(answer)?
        .sequence()
        .map(|row| {
            let row = row.as_table().ok_or_else(|| bad("no fields"))?;
            let column = |i: i64| row.get(i).and_then(Value::as_lua_str).cloned();
            let text = |i: i64| column(i).ok_or_else(|| bad("a name that is not text"));
            Ok(RawRow {
                rowid: row
                    .get(1)
                    .and_then(Value::as_int)
                    .ok_or_else(|| bad("no rowid"))?,
                user: text(2)?,
                key: text(3)?,
                kind: column(4),
                value: column(5),
                lone: row.get(6).and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct RemovedAnswer {
    removed: String,
}
