//! A MySQL or MariaDB database, reached from any machine that can reach
//! the server: the connection, its write transactions and their lock,
//! retries, the driver's errors, and statements that carry their values.
//!
//! Each write is one InnoDB transaction at read committed (see
//! `write_options` for why not the server's default). Writers first take a
//! named lock (`GET_LOCK`) for the host, so two invitectl commands on one
//! host queue rather than interleave; it is released when the transaction
//! ends (or the connection closes). Should the server report a deadlock
//! or a lock wait timeout (someone else's locks), a write that may be
//! tried again (`Server::write_retrying`) starts again, at most three
//! times.

mod connect;
mod statement;
mod target;

use mysql::prelude::Queryable;
use mysql::{Conn, Transaction, TxOpts, Value};

pub use connect::describe;
pub use statement::Statement;
pub use target::{Endpoint, MySslMode, MyTarget};

use crate::error::{Error, Result};
use crate::jid::Host;

/// The server's error for a deadlock it broke by failing this
/// transaction (`ER_LOCK_DEADLOCK`).
pub const LOCK_DEADLOCK: u16 = 1213;

/// The server's error for a row lock waited on longer than
/// `innodb_lock_wait_timeout` (`ER_LOCK_WAIT_TIMEOUT`).
pub const LOCK_WAIT_TIMEOUT: u16 = 1205;

/// The server's error for an index name that is taken
/// (`ER_DUP_KEYNAME`).
pub const DUPLICATE_KEY_NAME: u16 = 1061;

/// The server's errors for a statement this user may not run: on a table
/// (`ER_TABLEACCESS_DENIED_ERROR`), a column (`ER_COLUMNACCESS_DENIED_ERROR`)
/// or the database (`ER_DBACCESS_DENIED_ERROR`).
pub const ACCESS_DENIED: [u16; 3] = [1142, 1143, 1044];

/// How long a writer waits for another invitectl writing the same
/// host, in seconds; as long as on SQLite.
const LOCK_WAIT: i64 = 10;

/// An open connection to a MySQL or MariaDB database.
pub struct Connection {
    conn: Conn,
    /// The database, as messages name it (never with a password).
    name: String,
    /// The database's name on the server.
    database: String,
}

impl Connection {
    /// Connects to `target`.
    pub fn open(target: &MyTarget) -> Result<Connection> {
        Ok(Connection {
            conn: connect::connect(target)?,
            name: target.to_string(),
            database: target.database.clone(),
        })
    }

    /// The database, as messages name it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The connection and the database's name, to map errors while the
    /// connection is in use.
    pub fn parts(&mut self) -> (&mut Conn, &str) {
        (&mut self.conn, &self.name)
    }

    /// Runs `work` holding the named lock of `key` and releases it. The
    /// server allows names of 64 characters: a fixed hash of what the lock
    /// stands for, which every invitectl computes alike, names it.
    fn locked<T>(&mut self, key: u64, work: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let lock = format!("invitectl:{key:016x}");
        self.named_lock(&lock)?;
        let outcome = work(self);
        // Closing the connection would release it too.
        let (sql, params) = Statement::call("DO RELEASE_LOCK", [Value::from(lock)]);
        let _ = self.conn.exec_drop(sql, params);
        outcome
    }

    /// Runs `work` holding a lock on this database, for making its tables:
    /// they and their indexes are separate statements, each committed at
    /// once, so two makers are kept apart.
    pub fn locked_for_schema<T>(&mut self, work: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let key = super::fnv1a(format!("invitectl:create:{}", self.database).as_bytes());
        self.locked(key, work)
    }

    /// Waits for the named lock `name`, at most [`LOCK_WAIT`] seconds.
    fn named_lock(&mut self, name: &str) -> Result<()> {
        let (sql, params) = Statement::call(
            "SELECT GET_LOCK",
            [Value::from(name), Value::from(LOCK_WAIT)],
        );
        let got: Option<Option<i64>> = self
            .conn
            .exec_first(sql, params)
            .map_err(failed(&self.name))?;
        match got.flatten() {
            Some(1) => Ok(()),
            _ => Err(Error::Busy {
                store: self.name.clone(),
                reason: format!(
                    "another invitectl has been writing here for {LOCK_WAIT} s; try again later"
                ),
            }),
        }
    }
}

impl super::Server for Connection {
    type Tx<'c> = Transaction<'c>;

    fn write<T>(
        &mut self,
        host: &Host,
        work: impl FnOnce(&mut Transaction<'_>, &str) -> Result<T>,
    ) -> Result<T> {
        self.locked(super::lock_key(host), |db| {
            let error = failed(&db.name);
            let mut tx = db.conn.start_transaction(write_options()).map_err(&error)?;
            // Dropping the transaction on an error rolls it back.
            let value = work(&mut tx, &db.name)?;
            tx.commit().map_err(&error).map(|()| value)
        })
    }

    /// A deadlock or a lock wait timeout.
    fn is_transient(error: &Error) -> bool {
        error
            .backend_error::<MyError>()
            .is_some_and(MyError::is_transient)
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

/// A driver's or server's error.
#[derive(Debug)]
pub struct MyError(pub mysql::Error);

impl MyError {
    /// A deadlock or a lock wait timeout: the transaction may succeed if
    /// tried again.
    pub fn is_transient(&self) -> bool {
        matches!(&self.0, mysql::Error::MySqlError(e) if [LOCK_DEADLOCK, LOCK_WAIT_TIMEOUT].contains(&e.code))
    }
}

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&describe(&self.0))
    }
}

impl std::error::Error for MyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// How a failure on the database `name` reads.
pub fn failed(name: &str) -> impl Fn(mysql::Error) -> Error + '_ {
    move |source| Error::Database {
        store: name.to_owned(),
        source: Box::new(MyError(source)),
    }
}

/// The server's error code, if the server refused the statement.
pub fn server_code(error: &mysql::Error) -> Option<u16> {
    match error {
        mysql::Error::MySqlError(e) => Some(e.code),
        _ => None,
    }
}
