//! Reliability and security evidence for the SQLite store and, where a
//! test names it, file storage: kills at random moments, concurrent
//! commands, damaged stores, hostile arguments, properties of the parsers,
//! and secrets. Each test names the guarantee it
//! holds; README.md's "Reliability" section links them.

#[allow(dead_code)]
#[path = "../cli/common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../cli/files.rs"]
mod files;

#[path = "../support/mariadb.rs"]
mod mariadb_server;
#[allow(dead_code)]
#[path = "../cli/my_store.rs"]
mod my_store;
#[allow(dead_code)]
#[path = "../cli/pg_store.rs"]
mod pg_store;
#[path = "../support/postgres.rs"]
mod postgres_cluster;
#[allow(dead_code)]
#[path = "../cli/pty.rs"]
mod pty;
#[allow(dead_code)]
#[path = "../cli/tools.rs"]
mod tools;

mod concurrency;
mod damaged;
mod hostile;
mod kill;
mod properties;
mod secrets;
#[allow(dead_code)]
mod util;
