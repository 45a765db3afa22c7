//! Prosody's SQL storage on PostgreSQL: the same `prosody` table as on
//! SQLite, on a database server, reached from any machine that can reach
//! it.
//!
//! Each command is one transaction at PostgreSQL's default isolation
//! (read committed). Writers first take a transaction-scoped advisory lock
//! for the host, so two invitectl commands on one host queue rather than
//! interleave; nothing else takes that lock, and the server's own writes
//! each touch one invite's rows, so no cycle of waits (a deadlock) can
//! form with it. Should the database still report a deadlock or a
//! serialization failure (someone else's locks), `revoke`, `expire` and a
//! redemption start again, at most three times; `generate` does not,
//! and fails with nothing written. Listings read one consistent snapshot
//! through a portal, a page at a time.

#[cfg(feature = "postgres")]
mod connect;
#[cfg(feature = "postgres")]
mod listing;
#[cfg(feature = "postgres")]
mod pgpass;
#[cfg(feature = "postgres")]
mod prune;
#[cfg(feature = "postgres")]
mod store;
mod target;
#[cfg(feature = "postgres")]
mod tls;

#[cfg(feature = "postgres")]
pub use connect::describe;
#[cfg(feature = "postgres")]
pub use listing::PgListing;
#[cfg(feature = "postgres")]
pub use store::PgStore;
pub use target::{PgTarget, SslMode};
