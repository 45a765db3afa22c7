//! The library's error type.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
///
/// Messages are one line, name the offending input where that helps, and
/// never echo a token unless the token is what the message is about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The host is not a domain name.
    #[error("invalid host {input:?}: {reason}")]
    InvalidHost {
        /// What was given.
        input: String,
        /// Why it was refused.
        reason: &'static str,
    },

    /// The username cannot be the local part of a JID.
    #[error("invalid username {input:?}: {reason}")]
    InvalidUsername {
        /// What was given.
        input: String,
        /// Why it was refused.
        reason: &'static str,
    },

    /// A lifetime that does not parse, or is zero, negative or absurd.
    #[error("invalid duration {input:?}: {reason}")]
    InvalidDuration {
        /// What was given.
        input: String,
        /// Why it was refused.
        reason: String,
    },

    /// A string that cannot be an invite token.
    #[error("malformed token: {reason}")]
    MalformedToken {
        /// Why it was refused (the token itself is not echoed).
        reason: &'static str,
    },

    /// A landing-page template that cannot be rendered.
    #[error("invalid landing-page template {template:?}: {reason}")]
    InvalidTemplate {
        /// The template.
        template: String,
        /// Why it was refused.
        reason: String,
    },

    /// An invite request whose options contradict each other.
    #[error("{0}")]
    InvalidRequest(String),

    /// No invite of the host has this token.
    #[error("no invite with token {0}")]
    NotFound(String),

    /// The invite exists but its stored record cannot be read.
    #[error("the invite {token} is damaged: {reason}")]
    Damaged {
        /// The invite's token.
        token: String,
        /// What is wrong with the record.
        reason: String,
    },

    /// The invite exists but has expired.
    #[error("the invite {0} has expired")]
    Expired(String),

    /// The file or database exists but is not a Prosody SQL store.
    #[error("{store}: not a Prosody SQL store: {reason}")]
    NotAStore {
        /// The store: its path, or its URL without the password.
        store: String,
        /// What is missing or wrong.
        reason: String,
    },

    /// One of Prosody's data files (file storage) cannot be read as a Lua
    /// table; nothing was written.
    #[error("{}: not a Prosody data file: {reason}", path.display())]
    DataFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line and column where the reader stopped.
        reason: String,
    },

    /// The database reported an error.
    #[error("{}: {source}", path.display())]
    Sqlite {
        /// The store's path.
        path: PathBuf,
        /// The error from SQLite.
        #[source]
        source: rusqlite::Error,
    },

    /// A PostgreSQL URL that cannot be used. The URL itself is never
    /// repeated: it may hold a password.
    #[error("invalid PostgreSQL URL: {0}")]
    InvalidStoreUrl(String),

    /// The PostgreSQL server could not be reached, or refused or failed a
    /// request.
    #[cfg(feature = "postgres")]
    #[error("{store}: {}{hint}", crate::store::describe_postgres_error(source))]
    Postgres {
        /// The database, as a URL without the password.
        store: String,
        /// The error from the client library or the server.
        #[source]
        source: postgres::Error,
        /// What may explain it, such as a password file left unread; empty
        /// or starting with a space.
        hint: String,
    },

    /// Encryption for a PostgreSQL connection cannot be set up as
    /// `sslmode` asks.
    #[error("{store}: {reason}")]
    PostgresTls {
        /// The database, as a URL without the password.
        store: String,
        /// What is wrong.
        reason: String,
    },

    /// A PostgreSQL store was named, but this build has no PostgreSQL
    /// support (the `postgres` feature).
    #[error(
        "{0}: this invitectl was built without PostgreSQL support (cargo feature \"postgres\")"
    )]
    PostgresNotBuilt(String),

    /// A MySQL URL that cannot be used. The URL itself is never repeated:
    /// it may hold a password.
    #[error("invalid MySQL URL: {0}")]
    InvalidMysqlUrl(String),

    /// The MySQL or MariaDB server could not be reached, or refused or
    /// failed a request.
    #[cfg(feature = "mysql")]
    #[error("{store}: {}", crate::store::describe_mysql_error(source))]
    Mysql {
        /// The database, as a URL without the password.
        store: String,
        /// The error from the client library or the server.
        #[source]
        source: mysql::Error,
    },

    /// Another invitectl kept writing to the MySQL store for longer than
    /// invitectl waits.
    #[error("{store}: {reason}")]
    MysqlBusy {
        /// The database, as a URL without the password.
        store: String,
        /// What happened.
        reason: String,
    },

    /// A MySQL store was named, but this build has no MySQL support (the
    /// `mysql` feature).
    #[error("{0}: this invitectl was built without MySQL support (cargo feature \"mysql\")")]
    MysqlNotBuilt(String),

    /// A file could not be read, written or created.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        source: std::io::Error,
    },

    /// Writing output, from a callback that receives each invite, failed.
    #[error("cannot write output: {0}")]
    Output(#[source] std::io::Error),

    /// The operating system's random number generator failed.
    #[error("cannot read the system's random number generator: {0}")]
    Random(String),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
