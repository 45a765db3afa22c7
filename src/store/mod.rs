//! The invite store: the server's own storage, which invitectl reads and
//! writes in place.
//!
//! # Layers
//!
//! - [`Store`], what commands and library users hold: one open store,
//!   whatever it is, with the operations every store offers. It holds a
//!   [`Backend`], the contract each store keeps (`backend`), and adds what
//!   is the same for all: the tokens a revoke did not find, the check of
//!   a token, the roles format a store's server reads.
//! - [`Location`], where a store is (a path or a URL), and the one place
//!   where a location is resolved to the backend that opens it
//!   (`location`).
//! - The server's data model (`prosody`): Prosody's `prosody` table, its
//!   rows and record JSON, written against each database engine
//!   (`prosody::sqlite`, `prosody::pg`, `prosody::mysql`); and Prosody's
//!   Lua data files (`prosody::files`), which are a store of their own.
//! - ejabberd's data model (`ejabberd`): mod_invites' `invite_token`
//!   table, a row per invite, on SQLite (`ejabberd::sqlite`), in its
//!   multihost and single-host schemas; see that module for the rows,
//!   the mapping to [`Invite`] and ejabberd's rules.
//! - The database engines (`engine`), with no data model: a connection to
//!   SQLite, PostgreSQL or MySQL/MariaDB, its transactions, the lock
//!   invitectl's writers take turns by (`BEGIN IMMEDIATE`, an advisory
//!   lock, `GET_LOCK`), the retries after a deadlock, the driver's errors
//!   described for messages, and for MySQL statements whose placeholders
//!   come with their values.
//! - What both sides share: writing new invites a batch per statement
//!   (`batch`), URLs of database servers (`url`), the symlink rule for
//!   store paths (`owner`).
//!
//! On SQL storage each operation that writes does so in one transaction;
//! on file storage it rewrites each file it changes once (see the
//! `prosody::files` module for what that leaves open).
//!
//! # Adding a backend
//!
//! A store of another server's data model on the same engines (ejabberd's
//! `invite_token` table, say) is one folder beside `prosody/`: a type per
//! engine that holds the engine's connection (`engine::sqlite::Connection`,
//! `engine::pg::Connection`, `engine::mysql::Connection`), runs its own
//! statements on it and implements [`Backend`]. Writes go through the
//! engine's `write` or `write_retrying` (the lock, the transaction, the
//! retries), new invites through `batch::write_in_batches`, MySQL
//! statements through `engine::mysql::Statement`, driver errors through
//! each engine's `failed`; nothing of the engine is copied. Nothing under
//! `src/cli` changes: messages come from the backend ([`Backend::opened`],
//! [`Backend::write_needs`]) and from [`Location`]'s description of
//! itself. The one line to add is where a location is resolved,
//! `Location::open`, where the table a database holds decides the data
//! model. A new kind of location is a variant of [`Location`] and, for a
//! URL, a line in `location::SCHEMES`.
//!
//! A backend that wraps another (writes through a running server, reads
//! from the store directly) implements [`Backend`] over the one it wraps
//! and is given to [`Store::from_backend`].

mod backend;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod batch;
pub(crate) mod ejabberd;
mod engine;
mod location;
mod owner;
mod prosody;
mod url;

use std::collections::HashSet;

use crate::error::Result;
use crate::invite::{Invite, RolesFormat};
use crate::jid::Host;
use crate::record::Entry;
use crate::token::Token;

pub use backend::{Backend, Creation, Entries, NewInvites, Opened, Selection};
pub use ejabberd::api::{ApiTarget as EjabberdApiTarget, ApiTls as EjabberdApiTls};
#[cfg(feature = "mysql")]
pub use engine::mysql::describe as describe_mysql_error;
pub use engine::mysql::{Endpoint as MyEndpoint, MySslMode, MyTarget};
#[cfg(feature = "postgres")]
pub use engine::pg::describe as describe_postgres_error;
pub use engine::pg::{PgTarget, SslMode};
pub use location::{Location, Writes};
pub use prosody::files::enc::encode as encode_file_name;
pub use prosody::live::journal::{mode as sqlite_journal_mode, JournalMode};
pub use prosody::live::{Direct, ProsodyServer, Route, Via, DEFAULT_SOCKET_NAME};
pub use prosody::{data_path, DEFAULT_DATA_PATH, INVITE_STORE};

/// Whether opening may create the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The store must exist.
    Existing,
    /// Create the store (with the server's schema) when it is missing.
    CreateIfMissing,
}

/// An open invite store.
///
/// Every call that reads or writes takes the store mutably: a listing
/// borrows the store's connection for as long as it lives, so nothing
/// else can use the store meanwhile, which the compiler checks:
///
/// ```compile_fail
/// # fn f(store: &mut invitectl::Store, host: &invitectl::Host, token: &invitectl::Token) -> invitectl::Result<()> {
/// let mut listing = store.list(host)?;
/// store.get(host, token)?; // the listing still holds the store
/// listing.iter()?;
/// # Ok(())
/// # }
/// ```
pub struct Store {
    backend: Box<dyn Backend>,
    route: Route,
}

impl Store {
    /// Opens the store at `location` directly, whether a server runs
    /// beside it or not (see [`Store::open_beside`]). Whether it was
    /// created is told by [`Store::was_created`].
    pub fn open(location: &Location, mode: OpenMode) -> Result<Store> {
        location.open(mode).map(Store::from_backend)
    }

    /// Opens the store at `location` beside the Prosody `server` whose
    /// store it is: on SQLite and file storage, while the server runs,
    /// every write goes through it (see [`Via`] and the README, "Running
    /// beside Prosody"); [`Store::route`] tells which way was taken.
    ///
    /// # Errors
    ///
    /// [`Error::ServerUnusable`](crate::Error::ServerUnusable) when the
    /// server runs (its pid file says so) but its admin socket cannot be
    /// used, unless `via` is [`Via::Store`]; those of [`Store::open`].
    pub fn open_beside(
        location: &Location,
        mode: OpenMode,
        server: &ProsodyServer,
        via: Via,
    ) -> Result<Store> {
        let (backend, route) = prosody::live::open(location, mode, server, via)?;
        Ok(Store { backend, route })
    }

    /// A store that works through `backend`.
    pub fn from_backend(backend: Box<dyn Backend>) -> Store {
        Store {
            backend,
            route: Route::Direct(Direct::Chosen),
        }
    }

    /// Which way the store is read and written.
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// The store as messages name it: its path, or its URL without the
    /// password.
    pub fn name(&self) -> &str {
        &self.backend.opened().name
    }

    /// Whether opening created a new, empty store (or its table).
    pub fn was_created(&self) -> bool {
        self.backend.opened().created.is_some()
    }

    /// What opening created, to tell the user.
    pub fn creation(&self) -> Option<&Creation> {
        self.backend.opened().created.as_ref()
    }

    /// Whether this user may write the store, where the store itself
    /// knows (a database server's privileges); `None` for a store on the
    /// file system, whose permissions tell (see [`Location::writes`]).
    pub fn may_write(&mut self) -> Result<Option<bool>> {
        self.backend.may_write()
    }

    /// What this user needs to write the store, for a message saying it
    /// may not.
    pub fn write_needs(&self) -> &'static str {
        self.backend.write_needs()
    }

    /// Whether Prosody 0.12 uses this SQL store, as its indexes tell (0.12's
    /// `prosody_index` is there, or 13's unique index is not); `None` for
    /// file storage, which keeps no such mark.
    pub fn made_for_012(&self) -> Option<bool> {
        self.backend.opened().made_for_012
    }

    /// How the server reads roles: a SQL store's indexes tell 0.12 from 13;
    /// file storage has no such mark, so the installed Prosody's version
    /// file decides. A list (13's) when unknown.
    pub fn roles_format(&self) -> RolesFormat {
        prosody::roles_format(self.made_for_012())
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
        mut make: impl FnMut() -> Result<Invite>,
        mut each: impl FnMut(&Invite) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut make = |chunk: &mut Vec<Invite>, n: usize| {
            for _ in 0..n {
                chunk.push(make()?);
            }
            Ok(())
        };
        let mut written = |invites: &[Invite]| invites.iter().try_for_each(&mut each);
        let mut invites = NewInvites::new(count, &mut make, &mut written);
        self.backend.create(host, &mut invites)
    }

    /// Stores one invite.
    pub fn insert(&mut self, host: &Host, invite: &Invite) -> Result<()> {
        self.create(host, 1, || Ok(invite.clone()), |_| Ok(()))
    }

    /// Prepares a listing of every invite of `host`, newest first;
    /// contact-only invites, whose creation time is not stored, come last.
    /// Call [`Listing::iter`] to stream it.
    pub fn list(&mut self, host: &Host) -> Result<Listing<'_>> {
        self.listing(host, Selection::All)
    }

    /// Prepares a listing of exactly the invites that [`Store::prune`]
    /// would remove at `now`: what `expire --dry-run` shows.
    pub fn list_expired(&mut self, host: &Host, now: i64) -> Result<Listing<'_>> {
        self.listing(host, Selection::ExpiredAt(now))
    }

    fn listing(&mut self, host: &Host, selection: Selection) -> Result<Listing<'_>> {
        let entries = self.backend.listing(host, selection)?;
        Ok(Listing { entries })
    }

    /// The invite with this token, if the host has one.
    pub fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        self.backend.get(host, token)
    }

    /// Removes every record of each token, in one transaction (on file
    /// storage, one rewrite per file). Returns the tokens that matched
    /// nothing.
    pub fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<Vec<Token>> {
        let removed: HashSet<String> = self.backend.revoke(host, tokens)?;
        Ok(tokens
            .iter()
            .filter(|t| !removed.contains(t.as_str()))
            .cloned()
            .collect())
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
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64> {
        self.backend.prune(host, now, &mut progress)
    }

    /// [`Store::prune`], and on a store that keeps used invites
    /// (ejabberd's), every used invite of `host` too, whatever its expiry,
    /// in the same transaction. On Prosody's stores, which keep no used
    /// invites, the same as `prune`.
    pub fn prune_including_used(&mut self, host: &Host, now: i64) -> Result<u64> {
        self.prune_including_used_with_progress(host, now, |_, _| {})
    }

    /// [`Store::prune_including_used`], telling `progress` as it goes, as
    /// [`Store::prune_with_progress`] does.
    pub fn prune_including_used_with_progress(
        &mut self,
        host: &Host,
        now: i64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64> {
        self.backend.prune_including_used(host, now, &mut progress)
    }

    /// Checks a token as the server does at `now`, without using it.
    /// On ejabberd's stores, ejabberd's rules: a used invite is refused
    /// ([`Error::Used`](crate::Error::Used)), and an invite expires at
    /// its `expires` second.
    pub fn check(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        self.backend.check(host, token, now)
    }

    /// Uses a token as the server does when an account registers: a
    /// reusable invite stays, any other loses all its records, atomically.
    /// On ejabberd's stores the row stays, marked used by the account the
    /// invite names (its `invitee` set, as ejabberd's `set_invitee` does);
    /// an invite that names no account needs [`Store::redeem_by`].
    pub fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        self.backend.redeem(host, token, now)
    }

    /// [`Store::redeem`] by the account `invitee` (a bare JID), which
    /// ejabberd's stores record as who used it; Prosody's record no one.
    pub fn redeem_by(
        &mut self,
        host: &Host,
        token: &Token,
        now: i64,
        invitee: &str,
    ) -> Result<Invite> {
        self.backend.redeem_by(host, token, now, invitee)
    }
}

/// A prepared listing; see [`Store::list`]. It holds the store until it
/// is dropped.
pub struct Listing<'s> {
    entries: Box<dyn Entries + 's>,
}

impl Listing<'_> {
    /// Streams the invites, reading them from the store as they are used.
    pub fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        self.entries.iter()
    }
}
