//! A SQLite database file: opening (and creating) it, its write
//! transactions, and its errors.
//!
//! The journal mode, owner and permissions of an existing database belong
//! to the server and are left as they are.

use std::fs::OpenOptions;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

use rusqlite::{OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};
use crate::store::OpenMode;

/// How long a command waits for the server to release a lock. The server's
/// own transactions are short; this only has to outlast a busy moment.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The page cache, in KiB (SQLite reads a negative size as KiB).
const CACHE_KIB: i64 = -16 * 1024;

/// An open SQLite database.
pub struct Connection {
    pub conn: rusqlite::Connection,
    /// The path, as messages name it.
    name: String,
    /// Whether this open created the file.
    pub created: bool,
    /// Whether the database is new and empty, so that a data model may
    /// write its schema: created by this open, or a file of no bytes at
    /// all opened by a command that may create a store.
    pub fresh: bool,
}

impl Connection {
    /// Opens (and with [`OpenMode::CreateIfMissing`] creates) the database
    /// at `path`. `setup` prepares the connection for the data model
    /// before anything is read.
    pub fn open(
        path: &Path,
        mode: OpenMode,
        setup: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<()>,
    ) -> Result<Connection> {
        let created = match mode {
            OpenMode::CreateIfMissing => create_file(path)?,
            OpenMode::Existing => false,
        };
        if !created && !path.exists() {
            return Err(Error::Io {
                path: path.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no store here (generate creates one)",
                ),
            });
        }
        // A device, a pipe or a folder is no store: SQLite would read it
        // as an empty database and, given /dev/null, make /dev/null-journal.
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return Err(Error::NotAStore {
                store: path.display().to_string(),
                reason: "not a regular file".into(),
            });
        }
        let name = path.display().to_string();
        let failed = failed(&name);
        // NO_MUTEX: a store is used from one thread; URI off so a path is a path.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(&failed)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&failed)?;
        // This connection's page cache only; nothing persists. Bulk inserts
        // into the random-keyed index thrash the 2 MiB default.
        conn.pragma_update(None, "cache_size", CACHE_KIB)
            .map_err(&failed)?;
        setup(&conn).map_err(&failed)?;
        let mut connection = Connection {
            conn,
            name: name.clone(),
            created,
            fresh: created,
        };
        // Only a file of no bytes at all is new, and only for a command
        // that may create one: SQLite also reads a file cut short (under
        // one page) as empty, and nothing may write over that. The size is
        // taken after the first read, which rolls back a hot journal left
        // by a creation that was killed.
        connection.fresh = created
            || (mode == OpenMode::CreateIfMissing
                && connection.is_empty_database()?
                && std::fs::metadata(path).is_ok_and(|m| m.len() == 0));
        Ok(connection)
    }

    /// The database, as messages name it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The error for a failure of a statement on this database; a file
    /// that is no database is no store.
    pub fn error(&self, source: rusqlite::Error) -> Error {
        if let rusqlite::Error::SqliteFailure(e, _) = &source {
            if e.code == rusqlite::ErrorCode::NotADatabase {
                return Error::NotAStore {
                    store: self.name.clone(),
                    reason: "not a SQLite database".into(),
                };
            }
        }
        failed(&self.name)(source)
    }

    fn is_empty_database(&self) -> Result<bool> {
        self.conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|n| n == 0)
            .map_err(|e| self.error(e))
    }

    /// Runs `work` in one transaction that takes the database's write
    /// lock at once (`BEGIN IMMEDIATE`), so that two writers queue rather
    /// than fail at their first write, and commits. `work` is given the
    /// database's name for its errors.
    pub fn write<T>(
        &mut self,
        work: impl FnOnce(&mut rusqlite::Transaction<'_>, &str) -> Result<T>,
    ) -> Result<T> {
        let error = failed(&self.name);
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&error)?;
        let value = work(&mut tx, &self.name)?;
        tx.commit().map_err(&error).map(|()| value)
    }
}

/// How a failure of the database `name` (its path) reads.
pub fn failed(name: &str) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |source| Error::Database {
        store: name.to_owned(),
        source: Box::new(source),
    }
}

/// Creates the database file, readable by its owner only, unless it
/// exists. Returns whether it was created.
fn create_file(path: &Path) -> Result<bool> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    // Folders it makes are its user's alone, whatever the umask: in a
    // folder others may write to, they could swap the store for a file
    // of their own and read every invite written into it.
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(io)?;
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io(e)),
    }
}
