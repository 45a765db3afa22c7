//! A store seeded with the server's own rows (or files), on every
//! backend, and ways to run the binary on it and read what it holds.
//!
//! Each backend's part is in its own module: [`sqlite`], [`file_storage`],
//! [`postgresql`] and [`mariadb`]. A [`Store`] owns where its data lives
//! (a temporary folder, or a database of the process's test server), so
//! the data goes when the store is dropped.

mod file_storage;
mod mariadb;
mod postgresql;
mod sqlite;

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::{mariadb_server, postgres_cluster};

pub use file_storage::host_folder_name;

pub const HOST: &str = "example.com";

/// Which backend a store is, and for SQL which server generation's
/// schema it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// 0.12: a plain index, so duplicates are possible.
    Prosody012,
    /// 13: a unique index.
    Prosody13,
    /// Prosody's file storage: a data folder of Lua files.
    Files,
    /// 0.12's schema on PostgreSQL.
    Postgres012,
    /// 13's schema on PostgreSQL.
    Postgres13,
    /// 0.12's schema on MariaDB.
    Mysql012,
    /// 13's schema on MariaDB.
    Mysql13,
}

impl Schema {
    pub fn is_postgres(self) -> bool {
        matches!(self, Schema::Postgres012 | Schema::Postgres13)
    }

    pub fn is_mysql(self) -> bool {
        matches!(self, Schema::Mysql012 | Schema::Mysql13)
    }
}

/// How a failure message names the backend.
impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Schema::Prosody012 => "SQLite with Prosody 0.12's schema",
            Schema::Prosody13 => "SQLite with Prosody 13's schema",
            Schema::Files => "file storage",
            Schema::Postgres012 => "PostgreSQL with Prosody 0.12's schema",
            Schema::Postgres13 => "PostgreSQL with Prosody 13's schema",
            Schema::Mysql012 => "MariaDB with Prosody 0.12's schema",
            Schema::Mysql13 => "MariaDB with Prosody 13's schema",
        })
    }
}

/// The backends the core cases run on (PostgreSQL and MariaDB when their
/// test servers run; they say why not, and on CI fail).
pub fn backends() -> Vec<Schema> {
    let mut schemas = vec![Schema::Prosody13, Schema::Files];
    if postgres_cluster::cluster().is_some() {
        schemas.push(Schema::Postgres13);
    }
    if mariadb_server::server().is_some() {
        schemas.push(Schema::Mysql13);
    }
    schemas
}

/// Every backend and schema.
pub fn all() -> Vec<Schema> {
    let mut schemas = vec![Schema::Prosody012, Schema::Prosody13, Schema::Files];
    if postgres_cluster::cluster().is_some() {
        schemas.extend([Schema::Postgres012, Schema::Postgres13]);
    }
    if mariadb_server::server().is_some() {
        schemas.extend([Schema::Mysql012, Schema::Mysql13]);
    }
    schemas
}

/// A temporary store in Prosody's schema, holding rows (or files) that
/// are not invites of HOST: they must survive every command byte for byte.
pub struct Store {
    pub schema: Schema,
    place: Place,
}

/// Where a store's data lives, owned by the store.
enum Place {
    /// A SQLite file or a data folder, at `path` in a temporary folder
    /// that goes with the store.
    Local { path: PathBuf, _dir: TempDir },
    /// A database of the process's PostgreSQL cluster, dropped with the
    /// store.
    Postgres(postgres_cluster::Database),
    /// A database of the process's MariaDB server, dropped with the store.
    Mariadb(mariadb_server::Database),
}

/// Rows of the server that are not invites of HOST:
/// (host, user, store, key, type, value).
pub const FOREIGN_ROWS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "example.com",
        "alice",
        "accounts",
        "password",
        "string",
        "secret",
    ),
    (
        "example.com",
        "alice",
        "roster",
        "bob@example.com",
        "json",
        r#"{"subscription":"both"}"#,
    ),
    (
        "example.com",
        "",
        "invite_token_x",
        "AAAAAAAAAAAAAAAAAAAAAAAA",
        "json",
        r#"{"expires":1}"#,
    ),
    (
        "example.com",
        "",
        "roles",
        "alice",
        "json",
        r#"{"prosody:admin":true}"#,
    ),
    (
        "other.example",
        "",
        "invite_token",
        "BBBBBBBBBBBBBBBBBBBBBBBB",
        "json",
        r#"{"jid":"other.example","expires":1,"type":"register","token":"BBBBBBBBBBBBBBBBBBBBBBBB","uri":"xmpp:other.example?register;preauth=BBBBBBBBBBBBBBBBBBBBBBBB","created_at":0}"#,
    ),
    (
        "other.example",
        "carol",
        "invite_token",
        "CCCCCCCCCCCCCCCCCCCCCCCC",
        "number",
        "1",
    ),
    (
        "EXAMPLE.COM",
        "",
        "invite_token",
        "DDDDDDDDDDDDDDDDDDDDDDDD",
        "json",
        r#"{"jid":"EXAMPLE.COM","expires":1}"#,
    ),
];

impl Store {
    pub fn new(schema: Schema) -> Store {
        match schema {
            Schema::Prosody012 | Schema::Prosody13 => Store::new_sqlite(schema),
            Schema::Files => Store::new_files(),
            Schema::Postgres012 | Schema::Postgres13 => Store::new_postgres(schema),
            Schema::Mysql012 | Schema::Mysql13 => Store::new_mysql(schema),
        }
    }

    /// A store at `path` in `dir`, which the store keeps.
    fn local(schema: Schema, dir: TempDir, path: PathBuf) -> Store {
        Store {
            schema,
            place: Place::Local { path, _dir: dir },
        }
    }

    /// The SQLite file or the data folder. Panics for a database store,
    /// which has no path.
    pub fn path(&self) -> &Path {
        match &self.place {
            Place::Local { path, .. } => path,
            _ => panic!("a store on {} has no path", self.schema),
        }
    }

    /// The database of a PostgreSQL store.
    pub fn pg_database(&self) -> &postgres_cluster::Database {
        match &self.place {
            Place::Postgres(database) => database,
            _ => panic!("a store on {} is not on PostgreSQL", self.schema),
        }
    }

    /// The database of a MariaDB store.
    pub fn my_database(&self) -> &mariadb_server::Database {
        match &self.place {
            Place::Mariadb(database) => database,
            _ => panic!("a store on {} is not on MariaDB", self.schema),
        }
    }

    /// What `--store` names for this store, and the environment the
    /// binary needs for it (a database's password).
    pub fn store_arg(&self) -> (OsString, Vec<(&'static str, String)>) {
        match &self.place {
            Place::Local { path, .. } => (path.into(), Vec::new()),
            Place::Postgres(db) => (db.url().into(), db.env().into()),
            Place::Mariadb(db) => (db.url().into(), db.env().into()),
        }
    }

    /// The store as the library opens it, a database's password included.
    pub fn location(&self) -> invitectl::Location {
        match &self.place {
            Place::Local { path, .. } => invitectl::Location::from_path(path.clone()),
            Place::Postgres(db) => invitectl::Location::Postgres(
                invitectl::store::PgTarget::from_url(&db.url_with_password()).unwrap(),
            ),
            Place::Mariadb(db) => invitectl::Location::Mysql(
                invitectl::store::MyTarget::from_url(&db.url_with_password()).unwrap(),
            ),
        }
    }

    /// A copy of the store, rows (or files) in the same order, in a place
    /// of its own.
    pub fn copy(&self) -> Store {
        match self.schema {
            Schema::Prosody012 | Schema::Prosody13 => self.sqlite_copy(),
            Schema::Files => self.files_copy(),
            Schema::Postgres012 | Schema::Postgres13 => self.pg_copy(),
            Schema::Mysql012 | Schema::Mysql13 => self.my_copy(),
        }
    }

    /// Runs `invitectl --store <this> HOST <args>`.
    pub fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        let (store, env) = self.store_arg();
        assert_cmd::Command::from_std(super::binary::command())
            .arg("--store")
            .arg(store)
            .envs(env)
            .arg(HOST)
            .args(args)
            .assert()
    }

    /// Runs a command that must succeed, and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).success();
        super::output::stdout_of(&out)
    }

    /// Inserts many host-level invite records, (key, JSON value), at once.
    pub fn put_many(&self, rows: impl IntoIterator<Item = (String, String)>) {
        match self.schema {
            Schema::Prosody012 | Schema::Prosody13 => self.sqlite_put_many(rows),
            Schema::Files => panic!("put_many on file storage"),
            Schema::Postgres012 | Schema::Postgres13 => self.pg_put_many(rows),
            Schema::Mysql012 | Schema::Mysql13 => self.my_put_many(rows),
        }
    }

    /// Inserts a row as the server (or someone else) would.
    pub fn put(&self, user: &str, key: &str, kind: &str, value: &str) {
        match self.schema {
            Schema::Prosody012 | Schema::Prosody13 => self.sqlite_put(user, key, kind, value),
            Schema::Files => self.put_file(user, key, kind, value),
            Schema::Postgres012 | Schema::Postgres13 => self.pg_put(user, key, kind, value),
            Schema::Mysql012 | Schema::Mysql13 => self.my_put(user, key, kind, value),
        }
    }

    /// Every row that is not an invite of HOST, byte for byte, with the
    /// schema and the other table: what must never change.
    pub fn foreign_state(&self) -> Vec<String> {
        match self.schema {
            Schema::Prosody012 | Schema::Prosody13 => self.sqlite_foreign_state(),
            Schema::Files => self.foreign_files(),
            Schema::Postgres012 | Schema::Postgres13 => self.pg_foreign_state(),
            Schema::Mysql012 | Schema::Mysql13 => self.my_foreign_state(),
        }
    }

    /// The invite rows of HOST: (user, key, type, value).
    pub fn invite_rows(&self) -> Vec<(String, String, String, String)> {
        match self.schema {
            Schema::Prosody012 | Schema::Prosody13 => self.sqlite_invite_rows(),
            Schema::Files => self.invite_records(),
            Schema::Postgres012 | Schema::Postgres13 => self.pg_invite_rows(),
            Schema::Mysql012 | Schema::Mysql13 => self.my_invite_rows(),
        }
    }

    /// The store's bytes: the file, every file of the data folder, or
    /// every row with its place in the table: any write shows.
    pub fn file_bytes(&self) -> Vec<u8> {
        match self.schema {
            Schema::Prosody012 | Schema::Prosody13 => std::fs::read(self.path()).unwrap(),
            Schema::Files => file_storage::tree(self.path(), |_| true)
                .join("\n")
                .into_bytes(),
            Schema::Postgres012 | Schema::Postgres13 => self.pg_all_rows(),
            Schema::Mysql012 | Schema::Mysql13 => self.my_all_rows(),
        }
    }
}
