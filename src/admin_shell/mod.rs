//! A client for Prosody's admin socket (`mod_admin_socket` with
//! `mod_admin_shell`, the stream of `util.adminstream`), so that writes can
//! go through a running server instead of around it.
//!
//! - [`Connection`]: connect (telling "no socket", "not running" and "no
//!   permission" apart), the stream set-up as `prosodyctl shell` does it,
//!   one request at a time with a deadline, requests kept under the
//!   server's 1 MiB stanza limit.
//! - [`Program`]: the only Lua invitectl sends, fixed code that gets every
//!   value as one literal written by [`crate::lua`].
//! - [`InviteStore`]: typed requests on the invite store: write records,
//!   read them back, delete them only if unchanged, list and count keys.
//!
//! ```no_run
//! use invitectl::admin_shell::{Connection, InviteStore, RecordKey};
//! use invitectl::Host;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut connection = Connection::open("/var/lib/prosody/prosody.sock".as_ref())?;
//! let host = Host::parse("example.com")?;
//! let mut store = InviteStore::new(&mut connection, &host);
//! let records = store.get_records(&[RecordKey::host("some-token")])?;
//! println!("{:?}", records[0]);
//! # Ok(())
//! # }
//! ```

mod connection;
mod error;
mod framing;
mod invite_store;
mod program;
mod sql_rows;

pub use connection::{Connection, DEFAULT_TIMEOUT, MAX_REPLY, MAX_REQUEST};
pub use error::{AdminShellError, Result};
pub use framing::Reply;
pub use invite_store::{
    delete_program, server_version, set_records_program, DeleteOutcome, Deletion, InviteStore,
    RecordKey, Records, ServerInfo, WriteOutcome,
};
pub use program::Program;
pub use sql_rows::{
    delete_rows_program, insert_rows_program, Extent, KeysToRemove, NewRow, RawRow,
};
