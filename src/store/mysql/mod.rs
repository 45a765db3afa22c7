//! Prosody's SQL storage on MySQL or MariaDB: the same `prosody` table as
//! on SQLite, with the shape Prosody gives it there (`MEDIUMTEXT` values,
//! a plain index on the first 20 characters of each key column, utf8mb4
//! with binary collation), reached from any machine that can reach the
//! server.
//!
//! Each command that writes is one InnoDB transaction at read committed
//! (see `store::write_options` for why not the server's default).
//! Writers first take a named lock (`GET_LOCK`) for the
//! host, so two invitectl commands on one host queue rather than
//! interleave; it is released when the transaction ends (or the
//! connection closes). Neither Prosody generation makes the index unique
//! on MySQL, so invitectl writes as Prosody does: delete, then insert.
//! Should the server report a deadlock or a lock wait timeout (someone
//! else's locks), `revoke`, `expire` and a redemption start again, at most
//! three times; `generate` does not, and fails with nothing written.
//! Listings are one statement, a consistent read, whose rows are read
//! from the connection as they are used, never held whole.
//!
//! Every comparison of a key column is also made on its bytes: the
//! table's collation (`utf8mb4_bin`) ignores trailing spaces, and a row of
//! host `"example.com "` is not one of `example.com`'s.

#[cfg(feature = "mysql")]
mod connect;
#[cfg(feature = "mysql")]
mod listing;
#[cfg(feature = "mysql")]
mod prune;
#[cfg(feature = "mysql")]
mod store;
mod target;

#[cfg(feature = "mysql")]
pub use connect::describe;
#[cfg(feature = "mysql")]
pub use listing::MyListing;
#[cfg(feature = "mysql")]
pub use store::MyStore;
pub use target::{Endpoint, MySslMode, MyTarget};
