//! The `invitectl` binary on real SQLite files: the rows it writes, the
//! rows it must leave alone, its output and its refusals.

mod bad_input;
mod common;
mod completion;
mod config;
mod damaged;
mod docs;
mod file_storage;
mod files;
mod generate;
mod list_show;
mod my_store;
mod mysql;
mod pg_store;
mod pipes;
mod postgresql;
mod privileges;
mod pty;
mod qr;
mod qr_decode;
mod revoke_expire;
mod terminal;
mod tools;

#[path = "../support/mariadb.rs"]
mod mariadb_server;
#[path = "../support/postgres.rs"]
mod postgres_cluster;
