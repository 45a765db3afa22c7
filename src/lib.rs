//! invitectl: create, list, revoke and prune XMPP invitations directly in
//! the invite store that Prosody itself reads.
//!
//! The library holds the invite model ([`Invite`], [`InviteRequest`]),
//! token generation ([`Token`]), link rendering ([`uri`]), the store
//! ([`Store`]) and the server's rules for using a token
//! ([`Store::check`], [`Store::redeem`]). Time is always a parameter
//! (Unix seconds), so callers and tests control the clock. A store is
//! Prosody's SQL storage on SQLite ([`Location::Sqlite`]), on PostgreSQL
//! ([`Location::Postgres`], cargo feature `postgres`) or on MySQL or
//! MariaDB ([`Location::Mysql`], cargo feature `mysql`), or its default
//! file storage in the server's data folder ([`Location::Files`]); the
//! store a host's Prosody configuration gives is
//! [`Location::from_config`]. Errors are one [`Error`] type, each of an
//! [`ErrorKind`].
//!
//! ```no_run
//! use invitectl::{Host, InviteRequest, Location, OpenMode, Store};
//!
//! # fn main() -> invitectl::Result<()> {
//! let host = Host::parse("example.com")?;
//! let location = Location::Sqlite("/var/lib/prosody/prosody.sqlite".into());
//! let mut store = Store::open(&location, OpenMode::Existing)?;
//! let invite = InviteRequest::default().build(&host, invitectl::now())?;
//! store.insert(&host, &invite)?;
//! println!("{}", invite.link());
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod access;
pub mod admin_shell;
pub mod config;
pub mod duration;
pub mod ejabberd_config;
mod error;
pub mod invite;
pub mod jid;
pub mod lua;
pub mod output;
pub mod record;
mod redeem;
pub mod store;
pub mod token;
pub mod uri;

pub use error::{BackendError, Error, ErrorKind, Result};
pub use invite::{Invite, InviteRequest, Kind, RolesFormat, Target};
pub use jid::{Host, Username};
pub use record::Entry;
pub use store::{Location, OpenMode, Store};
pub use token::Token;

/// The current time in Unix seconds, for callers that want the real clock.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
