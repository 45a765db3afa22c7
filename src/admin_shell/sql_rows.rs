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
use super::invite_store::{args, literal_table, InviteStore};
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
    /// Every row of each key, any user.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn rows_of_keys(&mut self, keys: &[&str]) -> Result<Vec<RawRow>> {
        let mut a = args(self.host());
        a.insert("keys", Table::from_sequence(keys.iter().copied()));
        let answer: RowsAnswer = self.run(&Program::new(a, Body::SqlRows)?)?;
        read_rows(&answer.rows)
    }

    /// The rows of these rowids, in order, that still hold the host's
    /// invite records (`lone` is not told).
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn rows_by_id(&mut self, ids: &[i64]) -> Result<Vec<RawRow>> {
        let mut a = args(self.host());
        a.insert("ids", Table::from_sequence(ids.iter().copied()));
        let answer: RowsAnswer = self.run(&Program::new(a, Body::SqlRows)?)?;
        read_rows(&answer.rows)
    }

    /// Up to `limit` rows with rowid in `(after, before]`, in rowid order,
    /// and where the next page starts.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn rows_page(&mut self, after: i64, before: i64, limit: u32) -> Result<(Vec<RawRow>, i64)> {
        let mut a = args(self.host());
        a.insert("after", after);
        a.insert("before", before);
        a.insert("limit", limit);
        let answer: RowsAnswer = self.run(&Program::new(a, Body::SqlRows)?)?;
        let next = answer.last.unwrap_or(before);
        Ok((read_rows(&answer.rows)?, next))
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

fn read_rows(text: &str) -> Result<Vec<RawRow>> {
    let bad = |what: &str| AdminShellError::BadAnswer(format!("a row with {what}"));
    literal_table(text)?
        .sequence()
        .map(|row| {
            let row = row.as_table().ok_or_else(|| bad("no fields"))?;
            let text = |i: i64| {
                row.get(i)
                    .and_then(Value::as_lua_str)
                    .cloned()
                    .ok_or_else(|| bad("a name that is not text"))
            };
            let column = |i: i64| row.get(i).and_then(Value::as_lua_str).cloned();
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
struct RowsAnswer {
    rows: String,
    last: Option<i64>,
}

#[derive(Deserialize)]
struct RemovedAnswer {
    removed: String,
}
