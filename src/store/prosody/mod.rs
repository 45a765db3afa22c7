//! Prosody's data model, apart from the database engine it is kept on.
//!
//! mod_invites keeps invites in the store [`INVITE_STORE`]: a host-level
//! record per invite, keyed by token, whose value is the invite as JSON
//! (see [`crate::record`]), and for a contact invite a per-user record of
//! the inviter, keyed by the same token, whose value is the expiry time.
//!
//! - On SQL storage both are rows of the `prosody` table (`table`, `rows`),
//!   written by one module per engine (`sqlite`, `pg`, `mysql`), each on
//!   that engine's connection (`store::engine`), with the statements that
//!   engine runs best.
//! - On file storage (`files`) they are Lua tables in files under the
//!   server's data folder.

mod configured;
pub mod files;
pub mod live;
#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod pg;
mod prune;
mod rows;
pub mod sqlite;
mod table;

use crate::invite::RolesFormat;

pub use configured::{data_path, DEFAULT_DATA_PATH};

/// The store's name as a literal, for SQL made at compile time
/// (`concat!`); elsewhere [`INVITE_STORE`].
macro_rules! invite_store {
    () => {
        "invite_token"
    };
}
pub(crate) use invite_store;

/// The store mod_invites keeps invites in, which names their rows
/// (`store`) on SQL storage and their files on file storage.
pub const INVITE_STORE: &str = invite_store!();

/// The installed Prosody's version, as Debian's package ships it.
const VERSION_FILE: &str = "/usr/lib/prosody/prosody.version";

/// How the server reads roles: as the store's marks tell (`made_for_012`),
/// else by the installed Prosody's version file; a list (13's) when
/// unknown.
pub fn roles_format(made_for_012: Option<bool>) -> RolesFormat {
    let is_012 = made_for_012.unwrap_or_else(|| {
        std::fs::read_to_string(VERSION_FILE).is_ok_and(|v| v.trim_start().starts_with("0."))
    });
    if is_012 {
        RolesFormat::Map
    } else {
        RolesFormat::List
    }
}
