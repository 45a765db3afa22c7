//! The invite store: the server's own storage, which invitectl reads and
//! writes in place.
//!
//! Every backend offers the same operations, so commands never know which
//! one they work on. On SQL storage each operation that writes does so in
//! one transaction; on file storage it rewrites each file it changes once
//! (see the `files` module for what that leaves open).

mod files;
mod mysql;
mod owner;
mod pg;
mod sql;
mod table;
mod url;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod writers;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::Entry;
use crate::token::Token;

#[cfg(feature = "mysql")]
pub use self::mysql::{describe as describe_mysql_error, MyListing, MyStore};
pub use self::mysql::{Endpoint as MyEndpoint, MySslMode, MyTarget};
pub use files::enc::encode as encode_file_name;
pub use files::FileStore;
#[cfg(feature = "postgres")]
pub use pg::{describe as describe_postgres_error, PgListing, PgStore};
pub use pg::{PgTarget, SslMode};
pub use sql::{SqlListing, SqlStore};

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file in Prosody's SQL schema.
    Sqlite(PathBuf),
    /// Prosody's data folder (`data_path`), with its file storage
    /// (`storage = "internal"`, the default).
    Files(PathBuf),
    /// A PostgreSQL database in Prosody's SQL schema.
    Postgres(PgTarget),
    /// A MySQL or MariaDB database in Prosody's SQL schema.
    Mysql(MyTarget),
}

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
        if PgTarget::is_url(text_str) {
            return PgTarget::from_url(text_str).map(Location::Postgres);
        }
        if MyTarget::is_url(text_str) {
            return MyTarget::from_url(text_str).map(Location::Mysql);
        }
        // Any other URL would otherwise become a SQLite file in folders
        // named after its parts.
        if let Some((scheme, _)) = text_str.split_once("://") {
            let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if is_scheme {
                return Err(crate::Error::InvalidStoreUrl(format!(
                    "{scheme}:// is no store invitectl knows (name a file starting so as ./{scheme}:...)"
                )));
            }
        }
        Ok(Location::from_path(PathBuf::from(text)))
    }

    /// The path of the store, if it is on this machine's file system.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(path) | Location::Files(path) => Some(path),
            Location::Postgres(_) | Location::Mysql(_) => None,
        }
    }

    /// The store a user gets when naming none:
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
        }
    }
}

/// An open invite store.
pub enum Store {
    /// Prosody's SQL storage on SQLite.
    Sqlite(SqlStore),
    /// Prosody's file storage.
    Files(FileStore),
    /// Prosody's SQL storage on PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(Box<PgStore>),
    /// Prosody's SQL storage on MySQL or MariaDB.
    #[cfg(feature = "mysql")]
    Mysql(Box<MyStore>),
}

/// Calls the same method on whichever backend `$store` is.
macro_rules! each_backend {
    ($store:expr, $s:ident => $call:expr) => {
        match $store {
            Store::Sqlite($s) => $call,
            Store::Files($s) => $call,
            #[cfg(feature = "postgres")]
            Store::Postgres($s) => $call,
            #[cfg(feature = "mysql")]
            Store::Mysql($s) => $call,
        }
    };
}

/// Whether opening may create the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The store must exist.
    Existing,
    /// Create the store (with the server's schema) when it is missing.
    CreateIfMissing,
}

impl Store {
    /// Opens the store at `location`. Whether it was created is told by
    /// [`Store::was_created`].
    pub fn open(location: &Location, mode: OpenMode) -> Result<Store> {
        match location {
            Location::Sqlite(path) => {
                owner::check_store_path(path)?;
                SqlStore::open(path, mode).map(Store::Sqlite)
            }
            Location::Files(path) => {
                owner::check_store_path(path)?;
                FileStore::open(path).map(Store::Files)
            }
            #[cfg(feature = "postgres")]
            Location::Postgres(target) => {
                PgStore::open(target, mode).map(|s| Store::Postgres(Box::new(s)))
            }
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(target) => Err(crate::Error::PostgresNotBuilt(target.to_string())),
            #[cfg(feature = "mysql")]
            Location::Mysql(target) => {
                MyStore::open(target, mode).map(|s| Store::Mysql(Box::new(s)))
            }
            #[cfg(not(feature = "mysql"))]
            Location::Mysql(target) => Err(crate::Error::MysqlNotBuilt(target.to_string())),
        }
    }

    /// Whether this user may write the store, where the store itself
    /// knows (a database server's privileges); `None` for a store on the
    /// file system, whose permissions tell.
    pub fn may_write(&self) -> Result<Option<bool>> {
        match self {
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.may_write().map(Some),
            #[cfg(feature = "mysql")]
            Store::Mysql(store) => store.may_write().map(Some),
            _ => Ok(None),
        }
    }

    /// Whether Prosody 0.12 uses this SQL store, as its indexes tell (see
    /// [`SqlStore::made_for_012`]); `None` for file storage, which keeps
    /// no such mark.
    pub fn made_for_012(&self) -> Option<bool> {
        match self {
            Store::Sqlite(store) => Some(store.made_for_012()),
            Store::Files(_) => None,
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => Some(store.made_for_012()),
            #[cfg(feature = "mysql")]
            Store::Mysql(store) => Some(store.made_for_012()),
        }
    }

    /// Whether opening created a new, empty store.
    pub fn was_created(&self) -> bool {
        match self {
            Store::Sqlite(store) => store.was_created(),
            Store::Files(_) => false,
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.was_created(),
            #[cfg(feature = "mysql")]
            Store::Mysql(store) => store.was_created(),
        }
    }

    /// Stores `count` new invites in one transaction: all or none. (On
    /// file storage: each file is rewritten once, the host-level file
    /// last; see the `files` module.)
    ///
    /// `make` builds each invite; `each` sees each one once it is written
    /// into the transaction (not yet committed). Nothing holds all the
    /// invites at once, so a million cost no more memory than one.
    pub fn create(
        &mut self,
        host: &Host,
        count: u64,
        make: impl FnMut() -> Result<Invite>,
        each: impl FnMut(&Invite) -> std::io::Result<()>,
    ) -> Result<()> {
        each_backend!(self, store => store.create(host, count, make, each))
    }

    /// Stores one invite.
    pub fn insert(&mut self, host: &Host, invite: &Invite) -> Result<()> {
        self.create(host, 1, || Ok(invite.clone()), |_| Ok(()))
    }

    /// Prepares a listing of every invite of `host`, newest first;
    /// contact-only invites, whose creation time is not stored, come last.
    /// Call [`Listing::iter`] to stream it.
    pub fn list(&self, host: &Host) -> Result<Listing<'_>> {
        match self {
            Store::Sqlite(store) => store.list(host).map(Listing::Sqlite),
            Store::Files(store) => store.list(host).map(Listing::Files),
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.list(host).map(Listing::Postgres),
            #[cfg(feature = "mysql")]
            Store::Mysql(store) => store.list(host).map(Listing::Mysql),
        }
    }

    /// The invite with this token, if the host has one.
    pub fn get(&self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        each_backend!(self, store => store.get(host, token))
    }

    /// Removes every record of each token, in one transaction (on file
    /// storage, one rewrite per file). Returns the
    /// tokens that matched nothing.
    pub fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<Vec<Token>> {
        let removed = each_backend!(self, store => store.revoke(host, tokens))?;
        Ok(tokens
            .iter()
            .filter(|t| !removed.contains(t.as_str()))
            .cloned()
            .collect())
    }

    /// Prepares a listing of exactly the invites that [`Store::prune`]
    /// would remove at `now`: what `expire --dry-run` shows.
    pub fn list_expired(&self, host: &Host, now: i64) -> Result<Listing<'_>> {
        match self {
            Store::Sqlite(store) => store.list_expired(host, now).map(Listing::Sqlite),
            Store::Files(store) => store.list_expired(host, now).map(Listing::Files),
            #[cfg(feature = "postgres")]
            Store::Postgres(store) => store.list_expired(host, now).map(Listing::Postgres),
            #[cfg(feature = "mysql")]
            Store::Mysql(store) => store.list_expired(host, now).map(Listing::Mysql),
        }
    }

    /// Removes every invite of `host` that expired before `now`, both
    /// record kinds, in one transaction, and returns how many. Records that
    /// cannot be read are never touched.
    pub fn prune(&mut self, host: &Host, now: i64) -> Result<u64> {
        self.prune_with_progress(host, now, |_, _| {})
    }

    /// [`Store::prune`], telling `progress` as it goes how many of the
    /// host's invite records it has looked at, and out of how many.
    pub fn prune_with_progress(
        &mut self,
        host: &Host,
        now: i64,
        progress: impl FnMut(u64, u64),
    ) -> Result<u64> {
        each_backend!(self, store => store.prune(host, now, progress))
    }

    /// Checks a token as the server does at `now`, without using it.
    pub fn check(&self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        crate::redeem::check(self.get(host, token)?, token, now)
    }

    /// Uses a token as the server does when an account registers: a
    /// reusable invite stays, any other loses all its records, atomically.
    pub fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        each_backend!(self, store => store.redeem(host, token, now))
    }
}

/// A prepared listing; see [`Store::list`].
pub enum Listing<'s> {
    /// A listing of a SQLite store.
    Sqlite(SqlListing<'s>),
    /// A listing of file storage, read whole: Prosody keeps each file as
    /// one table, which has to be read whole anyway.
    Files(Vec<Entry>),
    /// A listing of a PostgreSQL store, fetched a page at a time.
    #[cfg(feature = "postgres")]
    Postgres(PgListing<'s>),
    /// A listing of a MySQL store, read off the connection as it is used.
    #[cfg(feature = "mysql")]
    Mysql(MyListing<'s>),
}

impl Listing<'_> {
    /// Streams the invites, reading them from the store as they are used.
    pub fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        match self {
            Listing::Sqlite(listing) => listing.iter(),
            Listing::Files(entries) => Ok(Box::new(entries.drain(..).map(Ok))),
            #[cfg(feature = "postgres")]
            Listing::Postgres(listing) => listing.iter(),
            #[cfg(feature = "mysql")]
            Listing::Mysql(listing) => listing.iter(),
        }
    }
}
