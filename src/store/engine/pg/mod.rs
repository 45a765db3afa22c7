//! A PostgreSQL database, reached from any machine that can reach it: the
//! connection, its write transactions and their lock, retries, and the
//! driver's errors.
//!
//! Each write is one transaction at PostgreSQL's default isolation (read
//! committed). Writers first take a transaction-scoped advisory lock for
//! the host, so two invitectl commands on one host queue rather than
//! interleave; nothing else takes that lock, and the server's own writes
//! each touch one invite's rows, so no cycle of waits (a deadlock) can
//! form with it. Should the database still report a deadlock or a
//! serialization failure (someone else's locks), a write that may be
//! tried again (`Server::write_retrying`) starts again, at most three
//! times.

mod connect;
mod pgpass;
pub mod portal;
mod target;
mod tls;

use postgres::error::SqlState;
use postgres::{Client, Transaction};

pub use connect::describe;
pub use target::{PgTarget, SslMode};

use crate::error::{Error, Result};
use crate::jid::Host;

/// The SQLSTATE of a deadlock the server broke by failing this
/// transaction (40P01).
pub const DEADLOCK_DETECTED: &SqlState = &SqlState::T_R_DEADLOCK_DETECTED;

/// The SQLSTATE of a transaction that could not be serialized with
/// another (40001).
pub const SERIALIZATION_FAILURE: &SqlState = &SqlState::T_R_SERIALIZATION_FAILURE;

/// The SQLSTATE class of a data exception (22): a value the server cannot
/// read as JSON or as a number.
pub const DATA_EXCEPTION_CLASS: &str = "22";

/// An open connection to a PostgreSQL database.
pub struct Connection {
    client: Client,
    /// The database, as messages name it (never with a password).
    name: String,
}

impl Connection {
    /// Connects to `target`.
    pub fn open(target: &PgTarget) -> Result<Connection> {
        Ok(Connection {
            client: connect::connect(target)?,
            name: target.to_string(),
        })
    }

    /// The database, as messages name it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client and the database's name, to map errors while the client
    /// is in use.
    pub fn parts(&mut self) -> (&mut Client, &str) {
        (&mut self.client, &self.name)
    }
}

impl super::Server for Connection {
    type Tx<'c> = Transaction<'c>;

    fn write<T>(
        &mut self,
        host: &Host,
        work: impl FnOnce(&mut Transaction<'_>, &str) -> Result<T>,
    ) -> Result<T> {
        let error = failed(&self.name);
        let mut tx = self.client.transaction().map_err(&error)?;
        let key = super::lock_key(host) as i64;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&key])
            .map_err(&error)?;
        let value = work(&mut tx, &self.name)?;
        tx.commit().map_err(&error).map(|()| value)
    }

    /// A deadlock or serialization failure.
    fn is_transient(error: &Error) -> bool {
        error.backend_error::<PgError>().is_some_and(|e| {
            [DEADLOCK_DETECTED, SERIALIZATION_FAILURE]
                .iter()
                .any(|code| e.source.code() == Some(*code))
        })
    }
}

/// A driver's or server's error, with what may explain it.
#[derive(Debug)]
pub struct PgError {
    source: postgres::Error,
    /// Empty, or starting with a space: such as a password file left unread.
    hint: String,
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", describe(&self.source), self.hint)
    }
}

impl std::error::Error for PgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The error for a failure on the database `name`, with a `hint` (empty,
/// or starting with a space).
pub fn error(name: &str, source: postgres::Error, hint: String) -> Error {
    Error::Database {
        store: name.to_owned(),
        source: Box::new(PgError { source, hint }),
    }
}

/// How a failure on the database `name` reads.
pub fn failed(name: &str) -> impl Fn(postgres::Error) -> Error + '_ {
    move |source| error(name, source, String::new())
}

/// Whether the server refused a value it could not read (a data
/// exception).
pub fn is_data_exception(error: &postgres::Error) -> bool {
    error
        .code()
        .is_some_and(|code| code.code().starts_with(DATA_EXCEPTION_CLASS))
}
