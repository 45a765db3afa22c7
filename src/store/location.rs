//! Where a store is, and the one place where a location is resolved to
//! the backend that opens it.

use std::path::{Path, PathBuf};

use super::backend::Backend;
use super::engine::mysql::MyTarget;
use super::engine::pg::PgTarget;
use super::engine::sqlite::Connection;
use super::{ejabberd, owner, prosody, OpenMode};
use crate::error::{Error, Result};

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file in Prosody's SQL schema, or with ejabberd's
    /// `invite_token` table (and no `prosody` table; so on every
    /// database).
    Sqlite(PathBuf),
    /// Prosody's data folder (`data_path`), with its file storage
    /// (`storage = "internal"`, the default).
    Files(PathBuf),
    /// A PostgreSQL database in Prosody's SQL schema, or ejabberd's.
    Postgres(PgTarget),
    /// A MySQL or MariaDB database in Prosody's SQL schema, or ejabberd's.
    Mysql(MyTarget),
    /// ejabberd's invites in Mnesia, through the running server's API
    /// (see [`ejabberd::api`]).
    EjabberdApi(ejabberd::api::ApiTarget),
}

/// Where writing a store writes on this machine's file system, so whose
/// permissions decide whether this user may write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes<'a> {
    /// This file, and new files beside it (a journal).
    File(&'a Path),
    /// New files in this folder, renamed over the old ones.
    Folder(&'a Path),
    /// Nothing here: a database server decides (see [`crate::Store::may_write`]).
    Server,
}

/// How a URL of one scheme is read.
type ReadUrl = fn(&str) -> Result<Location>;

/// The URL schemes of database servers, each with how its URL is read:
/// a new kind of database location is one line here.
const SCHEMES: [(&[&str], ReadUrl); 2] = [
    (&["postgres", "postgresql"], |url| {
        PgTarget::from_url(url).map(Location::Postgres)
    }),
    (&["mysql", "mariadb"], |url| {
        MyTarget::from_url(url).map(Location::Mysql)
    }),
];

impl Location {
    /// The location a path names: an existing folder is Prosody's data
    /// folder with file storage; anything else (a missing path included,
    /// which `generate` creates) a SQLite file.
    pub fn from_path(path: PathBuf) -> Location {
        if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            Location::Files(path)
        } else {
            Location::Sqlite(path)
        }
    }

    /// The location `--store` names: a `postgres://` or `postgresql://`
    /// URL is a PostgreSQL database (see [`PgTarget::from_url`]), a
    /// `mysql://` or `mariadb://` URL a MySQL one (see
    /// [`MyTarget::from_url`]), anything else a path (see
    /// [`Location::from_path`]). A file whose name starts like a URL is
    /// named `./postgres:...`.
    pub fn parse(text: &std::ffi::OsStr) -> Result<Location> {
        let Some(text_str) = text.to_str() else {
            return Ok(Location::from_path(PathBuf::from(text)));
        };
        if let Some((scheme, _)) = text_str.split_once("://") {
            if let Some((_, read)) = SCHEMES.iter().find(|(names, _)| names.contains(&scheme)) {
                return read(text_str);
            }
            // Any other URL would otherwise become a SQLite file in
            // folders named after its parts.
            let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if is_scheme {
                return Err(Error::InvalidLocation(format!(
                    "{scheme}:// is no store invitectl knows (name a file starting so as ./{scheme}:...)"
                )));
            }
        }
        Ok(Location::from_path(PathBuf::from(text)))
    }

    /// Opens the store here with the backend for it.
    pub(super) fn open(&self, mode: OpenMode) -> Result<Box<dyn Backend>> {
        Ok(match self {
            Location::Sqlite(path) => {
                owner::check_store_path(path)?;
                // The table the database holds decides the data model
                // (see `ejabberd::sqlite::holds_ejabberd`).
                if path.is_file() {
                    let db = Connection::open(path, OpenMode::Existing, |_| Ok(()))?;
                    if ejabberd::sqlite::holds_ejabberd(&db)? {
                        return Ok(Box::new(ejabberd::sqlite::EjabberdSqlite::from_connection(
                            db,
                        )?));
                    }
                }
                Box::new(prosody::sqlite::SqlStore::open(path, mode)?)
            }
            Location::Files(path) => {
                owner::check_store_path(path)?;
                Box::new(prosody::files::FileStore::open(path)?)
            }
            #[cfg(feature = "postgres")]
            Location::Postgres(target) => {
                let mut db = super::engine::pg::Connection::open(target)?;
                if ejabberd::pg::holds_ejabberd(&mut db)? {
                    return Ok(Box::new(ejabberd::pg::EjabberdPg::from_connection(db)?));
                }
                Box::new(prosody::pg::PgStore::from_connection(db, mode)?)
            }
            #[cfg(feature = "mysql")]
            Location::Mysql(target) => {
                let mut db = super::engine::mysql::Connection::open(target)?;
                if ejabberd::mysql::holds_ejabberd(&mut db)? {
                    return Ok(Box::new(ejabberd::mysql::EjabberdMysql::from_connection(
                        db,
                    )?));
                }
                Box::new(prosody::mysql::MyStore::from_connection(db, mode)?)
            }
            Location::EjabberdApi(target) => Box::new(ejabberd::api::EjabberdApi::open(target)?),
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(_) => return Err(self.not_built("PostgreSQL", "postgres")),
            #[cfg(not(feature = "mysql"))]
            Location::Mysql(_) => return Err(self.not_built("MySQL", "mysql")),
        })
    }

    #[cfg(not(all(feature = "postgres", feature = "mysql")))]
    fn not_built(&self, backend: &'static str, feature: &'static str) -> Error {
        Error::NotBuilt {
            store: self.to_string(),
            backend,
            feature,
        }
    }

    /// What kind of store this is, as messages name it: "SQLite
    /// database", "data folder (file storage)", ...
    pub fn describe(&self) -> &'static str {
        match self {
            Location::Sqlite(_) => "SQLite database",
            Location::Files(_) => "data folder (file storage)",
            Location::Postgres(_) => "PostgreSQL database",
            Location::Mysql(_) => "MySQL database",
            Location::EjabberdApi(_) => "ejabberd's API (Mnesia)",
        }
    }

    /// The path of the store, if it is on this machine's file system.
    pub fn path(&self) -> Option<&Path> {
        match self.writes() {
            Writes::File(path) | Writes::Folder(path) => Some(path),
            Writes::Server => None,
        }
    }

    /// Where writing the store writes on this machine's file system.
    pub fn writes(&self) -> Writes<'_> {
        match self {
            Location::Sqlite(path) => Writes::File(path),
            Location::Files(path) => Writes::Folder(path),
            Location::Postgres(_) | Location::Mysql(_) | Location::EjabberdApi(_) => Writes::Server,
        }
    }

    /// Whether the store is a file that does not exist yet, which the
    /// server creates when it starts, as `generate` would.
    pub fn is_missing_file(&self) -> bool {
        matches!(self, Location::Sqlite(path) if !path.exists())
    }

    /// The store a user gets when naming none: a SQLite file at
    /// [`Location::default_sqlite`].
    pub fn default_store() -> Option<Location> {
        Location::default_sqlite().map(Location::Sqlite)
    }

    /// Where the store a user gets when naming none is:
    /// `$XDG_DATA_HOME/invitectl/invites.sqlite`, falling back to
    /// `~/.local/share/invitectl/invites.sqlite`.
    pub fn default_sqlite() -> Option<PathBuf> {
        let data_home = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share"))
            })?;
        Some(data_home.join("invitectl").join("invites.sqlite"))
    }
}

/// The store as messages name it: its path, or its URL without the
/// password.
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) | Location::Files(path) => path.display().fmt(f),
            Location::Postgres(target) => target.fmt(f),
            Location::Mysql(target) => target.fmt(f),
            Location::EjabberdApi(target) => target.fmt(f),
        }
    }
}
