//! The invite store (`invite_token`, the map store mod_invites uses)
//! through the server: typed requests and their answers.
//!
//! Records are Lua values as the server holds them: a host-level record
//! is a table, a user's (contact) record the expiry number. Turning
//! invites into records and back is the caller's.
//!
//! Every byte of every string arrives as sent, with one exception that is
//! the server's own: on SQL storage a record that is a bare string (not a
//! table) is bound as a C string by LuaDBI's SQLite driver and so cut at
//! its first NUL byte. Tables are stored as JSON, where NUL is `\u0000`
//! and kept; invitectl's records are tables and numbers.

use std::collections::HashMap;

use serde::Deserialize;

use super::connection::Connection;
use super::error::{AdminShellError, Result};
use super::program::{Body, Program};
use crate::jid::Host;
use crate::lua::{parse_value, Key, LuaString, Table, Value};

/// Where a record is stored: under the host (`user` is `None`) or under
/// one of its users.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordKey {
    /// The user, for a per-user record.
    pub user: Option<LuaString>,
    /// The key, the invite's token.
    pub key: LuaString,
}

impl RecordKey {
    /// A host-level record's key.
    pub fn host(key: impl Into<LuaString>) -> RecordKey {
        RecordKey {
            user: None,
            key: key.into(),
        }
    }

    /// A per-user record's key.
    pub fn user(user: impl Into<LuaString>, key: impl Into<LuaString>) -> RecordKey {
        RecordKey {
            user: Some(user.into()),
            key: key.into(),
        }
    }

    fn to_table(&self) -> Table {
        let mut t = Table::new();
        if let Some(user) = &self.user {
            t.insert("user", user.clone());
        }
        t.insert("key", self.key.clone());
        t
    }
}

/// Records to write in one request: each user's in one call of the
/// store's `set_keys` (one transaction on SQL storage), then the
/// host-level ones in one call. A key given twice keeps the later value.
#[derive(Debug, Clone, Default)]
pub struct Records {
    host: Table,
    users: Vec<(LuaString, Table)>,
    user_index: HashMap<LuaString, usize>,
    len: usize,
}

impl Records {
    /// No records.
    pub fn new() -> Records {
        Records::default()
    }

    /// Adds a host-level record.
    pub fn host_record(&mut self, key: impl Into<LuaString>, value: impl Into<Value>) {
        self.host.insert(Key::Str(key.into()), value);
        self.len += 1;
    }

    /// Adds a record of `user`.
    pub fn user_record(
        &mut self,
        user: impl Into<LuaString>,
        key: impl Into<LuaString>,
        value: impl Into<Value>,
    ) {
        let user = user.into();
        let i = match self.user_index.get(&user) {
            Some(&i) => i,
            None => {
                self.users.push((user.clone(), Table::new()));
                self.user_index.insert(user, self.users.len() - 1);
                self.users.len() - 1
            }
        };
        if let Some((_, records)) = self.users.get_mut(i) {
            records.insert(Key::Str(key.into()), value);
        }
        self.len += 1;
    }

    /// How many records were added.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether none were added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WriteOutcome {
    /// Whether every record was written.
    pub ok: bool,
    /// How many users' groups were written, in order, before a failure
    /// (or all of them). The host-level records are written last, so on
    /// failure they are not known to be written.
    pub users_written: usize,
    /// The storage's error, on failure. Prosody's SQL storage can report
    /// a failed commit that still lands: read the records back before
    /// calling them missing.
    pub error: Option<String>,
    /// The server's time on the request, in seconds (compiling the text
    /// not included): how long its event loop was blocked at least.
    pub seconds: f64,
}

/// What became of one record of a conditional delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// It was the record expected, and it is gone.
    Removed,
    /// A different record is stored under its key; it stays.
    Changed,
    /// No record is stored under its key.
    Missing,
    /// It was the record expected, but the storage failed to remove it.
    Failed,
}

/// What a conditional delete did.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteOutcome {
    /// One per item, in order.
    pub outcomes: Vec<Deletion>,
    /// The storage's errors, one per failed call.
    pub errors: Vec<String>,
    /// The server's time on the request, in seconds, as in
    /// [`WriteOutcome::seconds`].
    pub seconds: f64,
}

/// What the server told about itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServerInfo {
    /// Its version, e.g. `0.12.3` or `13.0.1`.
    pub version: String,
    /// Whether the invite store is storagemanager's map shim over a
    /// keyval store (file storage), which rewrites a whole file per call.
    pub map_shim: bool,
}

/// The requests on one host's invite store over an open connection.
#[derive(Debug)]
pub struct InviteStore<'c> {
    connection: &'c mut Connection,
    host: Host,
}

impl<'c> InviteStore<'c> {
    /// The invite store of `host` over `connection`.
    pub fn new(connection: &'c mut Connection, host: &Host) -> InviteStore<'c> {
        InviteStore {
            connection,
            host: host.clone(),
        }
    }

    pub(super) fn host(&self) -> &Host {
        &self.host
    }

    pub(super) fn connection(&mut self) -> &mut Connection {
        self.connection
    }

    pub(super) fn run<T: serde::de::DeserializeOwned>(&mut self, program: &Program) -> Result<T> {
        program.run(self.connection, self.host.as_str())
    }

    /// The server's version, once its invite store is open.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn ping(&mut self) -> Result<ServerInfo> {
        let program = Program::new(args(&self.host), Body::Ping)?;
        self.run(&program)
    }

    /// Writes `records`; see [`Records`] for the order.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`]; a failure of the storage itself is a
    /// [`WriteOutcome`] that is not `ok`.
    pub fn set_records(&mut self, records: &Records) -> Result<WriteOutcome> {
        let program = set_records_program(&self.host, records)?;
        self.run(&program)
    }

    /// The records stored under `keys`, in order; `None` where none is.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn get_records(&mut self, keys: &[RecordKey]) -> Result<Vec<Option<Value>>> {
        let mut a = args(&self.host);
        a.insert(
            "keys",
            Table::from_sequence(keys.iter().map(RecordKey::to_table)),
        );
        let answer: RecordsAnswer = self.run(&Program::new(a, Body::GetRecords)?)?;
        let found = literal_table(&answer.records)?;
        Ok((1..=keys.len())
            .map(|i| found.get(i as i64).cloned())
            .collect())
    }

    /// Removes each record only if the stored one is still `expected`
    /// (deep equality, compared inside the server in the same step as the
    /// removal); see [`delete_program`].
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn delete_if_unchanged(&mut self, items: &[(RecordKey, Value)]) -> Result<DeleteOutcome> {
        let answer: DeleteAnswer = self.run(&delete_program(&self.host, items)?)?;
        let outcomes = literal_table(&answer.outcomes)?;
        let outcomes = (1..=items.len())
            .map(|i| match outcomes.get(i as i64).and_then(Value::as_str) {
                Some("removed") => Ok(Deletion::Removed),
                Some("changed") => Ok(Deletion::Changed),
                Some("missing") => Ok(Deletion::Missing),
                Some("failed") => Ok(Deletion::Failed),
                other => Err(AdminShellError::BadAnswer(format!(
                    "outcome {i} of a delete: {other:?}"
                ))),
            })
            .collect::<Result<Vec<_>>>()?;
        let errors = literal_table(&answer.errors)?
            .sequence()
            .map(|v| v.as_lua_str().map(|s| s.to_string_lossy().into_owned()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| AdminShellError::BadAnswer("errors of a delete".into()))?;
        Ok(DeleteOutcome {
            outcomes,
            errors,
            seconds: answer.seconds,
        })
    }

    /// Up to `limit` keys of `user` (`None`: the host-level records) that
    /// sort after `after`, in byte order. On SQL storage one indexed
    /// query; on file storage the whole file is read and sorted.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn keys_page(
        &mut self,
        user: Option<&LuaString>,
        after: Option<&LuaString>,
        limit: u32,
    ) -> Result<Vec<LuaString>> {
        let mut a = args(&self.host);
        if let Some(user) = user {
            a.insert("user", user.clone());
        }
        if let Some(after) = after {
            a.insert("after", after.clone());
        }
        a.insert("limit", limit);
        let answer: KeysAnswer = self.run(&Program::new(a, Body::KeysPage)?)?;
        literal_table(&answer.keys)?
            .sequence()
            .map(|v| v.as_lua_str().cloned())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| AdminShellError::BadAnswer("a key that is not a string".into()))
    }

    /// How many keys `user` (`None`: the host level) has.
    ///
    /// # Errors
    ///
    /// Those of [`Program::run`].
    pub fn count_keys(&mut self, user: Option<&LuaString>) -> Result<u64> {
        let mut a = args(&self.host);
        if let Some(user) = user {
            a.insert("user", user.clone());
        }
        let answer: CountAnswer = self.run(&Program::new(a, Body::CountKeys)?)?;
        Ok(answer.count)
    }
}

/// The server's version, e.g. `0.12.3` or `13.0.1`, asked without naming
/// a host.
///
/// # Errors
///
/// Those of [`Program::run`].
pub fn server_version(connection: &mut Connection) -> Result<String> {
    #[derive(Deserialize)]
    struct VersionAnswer {
        version: String,
    }
    let answer: VersionAnswer = Program::new(Table::new(), Body::Version)?.run(connection, "")?;
    Ok(answer.version)
}

/// The program [`InviteStore::set_records`] sends, e.g. to see whether
/// a chunk of records [`Program::fits`].
///
/// # Errors
///
/// [`AdminShellError::Value`] for a value the Lua writer refuses.
pub fn set_records_program(host: &Host, records: &Records) -> Result<Program> {
    let mut a = args(host);
    let users = records.users.iter().map(|(user, table)| {
        let mut group = Table::new();
        group.insert("user", user.clone());
        group.insert("records", table.clone());
        group
    });
    a.insert("users", Table::from_sequence(users));
    a.insert("records", records.host.clone());
    Program::new(a, Body::SetRecords)
}

/// The program [`InviteStore::delete_if_unchanged`] sends.
///
/// How "still the one that was read" is decided: each item carries the
/// record as invitectl read it, as a literal. Inside the server, the
/// program reads the stored record through the same store the server
/// uses and compares it with that literal by deep equality (same types,
/// equal strings byte for byte, numbers equal as Lua compares them,
/// tables with the same keys and equal values, key order and metatables
/// ignored). Only equal records are removed, all in the same run of the
/// server's event loop as the comparison, so no write of the server can
/// fall between the two. Comparing values rather than serialized text
/// makes the result independent of the order Lua iterates a table in,
/// and of whether the record came from JSON (SQL) or a Lua file.
///
/// # Errors
///
/// As [`set_records_program`].
pub fn delete_program(host: &Host, items: &[(RecordKey, Value)]) -> Result<Program> {
    let mut a = args(host);
    let items = items.iter().map(|(key, expected)| {
        let mut t = key.to_table();
        t.insert("expected", expected.clone());
        t
    });
    a.insert("items", Table::from_sequence(items));
    Program::new(a, Body::DeleteIfUnchanged)
}

pub(super) fn args(host: &Host) -> Table {
    let mut a = Table::new();
    a.insert("host", host.as_str());
    a
}

/// A table the server wrote with `util.serialization`, read with
/// invitectl's reader of literals (which runs nothing).
pub(super) fn literal_table(text: &str) -> Result<Table> {
    match parse_value(text.as_bytes()) {
        Ok(Value::Table(t)) => Ok(t),
        Ok(other) => Err(AdminShellError::BadAnswer(format!(
            "a {} where a table was expected",
            other.type_name()
        ))),
        Err(e) => Err(AdminShellError::BadAnswer(e.to_string())),
    }
}

#[derive(Deserialize)]
struct RecordsAnswer {
    records: String,
}

#[derive(Deserialize)]
struct DeleteAnswer {
    outcomes: String,
    errors: String,
    seconds: f64,
}

#[derive(Deserialize)]
struct KeysAnswer {
    keys: String,
}

#[derive(Deserialize)]
struct CountAnswer {
    count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_group_by_user_and_keep_the_later_value() {
        let mut r = Records::new();
        r.user_record("alice", "t1", 5);
        r.user_record("bob", "t2", 6);
        r.user_record("alice", "t3", 7);
        r.host_record("t1", Table::new());
        r.host_record("t1", 1);
        assert_eq!(r.len(), 5);
        assert_eq!(r.users.len(), 2);
        assert_eq!(r.users[0].1.len(), 2);
        assert_eq!(r.host.get("t1"), Some(&Value::Int(1)));
        let host = Host::parse("example.com").unwrap();
        assert!(set_records_program(&host, &r).unwrap().fits());
    }
}
