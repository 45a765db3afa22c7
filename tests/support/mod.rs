//! What the test binaries share, each through one `pub mod support;`.
//!
//! - [`skip`]: on CI a missing server or tool fails a test; elsewhere the
//!   test says SKIPPED and passes.
//! - [`accounts`]: root, and the system users servers and commands run as.
//! - [`binary`]: the binary under test, apart from the machine's settings,
//!   and [`output`]: reading what it printed.
//! - [`postgres_cluster`], [`mariadb_server`]: one throwaway database
//!   server per test process, on a port from [`ports`].
//! - [`data_files`]: reading and writing Prosody's Lua data files.
//! - [`store`]: a store seeded with the server's own rows, on every
//!   backend; [`backends`]: a case run on each backend, naming the one it
//!   failed on.
//! - [`pty`], [`tools`]: the binary on a pseudo-terminal, and the outside
//!   tools some tests run.
//!
//! Each binary declares the tree `pub mod support;`: its public items
//! are then the binaries' shared interface, which one binary may leave to
//! another (the interop tests use no seeded store), while private items
//! are checked for use as everywhere else.

pub mod accounts;
pub mod backends;
pub mod binary;
mod certificates;
pub mod data_files;
pub mod mariadb_server;
pub mod output;
pub mod ports;
pub mod postgres_cluster;
pub mod pty;
pub mod skip;
pub mod store;
mod throwaway;
pub mod tools;
