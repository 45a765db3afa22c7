//! A database with ejabberd 26.07's `invite_token` table, made with
//! ejabberd's own schema SQL (`tests/fixtures/ejabberd/`, copied from its
//! `sql/` folder), on SQLite, on the test PostgreSQL cluster or on the
//! test MariaDB server; and ways to write and read its rows as ejabberd
//! does.

use std::fmt;
use std::path::PathBuf;

use invitectl::{Location, OpenMode, Store};
use mysql::prelude::Queryable;
use tempfile::TempDir;

use crate::support::{mariadb_server, postgres_cluster};

/// The database engine a case runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
    Mariadb,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
            Engine::Mariadb => "MariaDB",
        })
    }
}

/// The engines whose test servers run (they say why not, and on CI fail).
pub fn engines() -> Vec<Engine> {
    let mut engines = vec![Engine::Sqlite];
    if postgres_cluster::cluster().is_some() {
        engines.push(Engine::Postgres);
    }
    if mariadb_server::server().is_some() {
        engines.push(Engine::Mariadb);
    }
    engines
}

/// ejabberd's schema SQL for the table: (single-host, multihost).
fn schema(engine: Engine) -> (&'static str, &'static str) {
    match engine {
        Engine::Sqlite => (
            include_str!("../fixtures/ejabberd/lite.sql"),
            include_str!("../fixtures/ejabberd/lite.new.sql"),
        ),
        Engine::Postgres => (
            include_str!("../fixtures/ejabberd/pg.sql"),
            include_str!("../fixtures/ejabberd/pg.new.sql"),
        ),
        Engine::Mariadb => (
            include_str!("../fixtures/ejabberd/mysql.sql"),
            include_str!("../fixtures/ejabberd/mysql.new.sql"),
        ),
    }
}

/// A table of ejabberd's own beside invite_token, which must stay as it is.
const USERS: &str =
    "CREATE TABLE users (username varchar(191) NOT NULL, server_host varchar(191) NOT NULL, \
    password text NOT NULL, PRIMARY KEY (server_host, username));
    INSERT INTO users VALUES ('alice', 'example.com', 'secret');";

enum Place {
    Sqlite { _dir: TempDir, path: PathBuf },
    Postgres(postgres_cluster::Database),
    Mariadb(mariadb_server::Database),
}

/// A database holding ejabberd's table, in the multihost schema (with
/// `server_host`) or the single-host one; dropped with its data.
pub struct Db {
    pub engine: Engine,
    pub multihost: bool,
    place: Place,
}

impl Db {
    pub fn new(engine: Engine, multihost: bool) -> Db {
        let place = match engine {
            Engine::Sqlite => {
                let dir = TempDir::new().unwrap();
                let path = dir.path().join("ejabberd.db");
                Place::Sqlite { _dir: dir, path }
            }
            Engine::Postgres => {
                Place::Postgres(postgres_cluster::cluster().unwrap().fresh_database())
            }
            Engine::Mariadb => Place::Mariadb(mariadb_server::server().unwrap().fresh_database()),
        };
        let db = Db {
            engine,
            multihost,
            place,
        };
        let (single, multi) = schema(engine);
        db.execute(if multihost { multi } else { single });
        db.execute(USERS);
        db
    }

    /// Where the store is, as a user names it.
    pub fn location(&self) -> Location {
        match &self.place {
            Place::Sqlite { path, .. } => Location::Sqlite(path.clone()),
            Place::Postgres(db) => Location::parse(db.url_with_password().as_ref()).unwrap(),
            Place::Mariadb(db) => Location::parse(db.url_with_password().as_ref()).unwrap(),
        }
    }

    pub fn store(&self) -> Store {
        Store::open(&self.location(), OpenMode::Existing).unwrap()
    }

    /// Runs statements (no results).
    pub fn execute(&self, sql: &str) {
        match &self.place {
            Place::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Place::Postgres(db) => db.client().batch_execute(sql).unwrap(),
            Place::Mariadb(db) => db.client().query_drop(sql).unwrap(),
        }
    }

    /// The rows of a query whose columns are all text.
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        match &self.place {
            Place::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut stmt = conn.prepare(sql).unwrap();
                let n = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| (0..n).map(|i| r.get::<_, String>(i)).collect())
                    .unwrap();
                rows.map(Result::unwrap).collect()
            }
            Place::Postgres(db) => db
                .client()
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| (0..r.len()).map(|i| r.get::<_, String>(i)).collect())
                .collect(),
            Place::Mariadb(db) => db
                .client()
                .query::<mysql::Row, _>(sql)
                .unwrap()
                .into_iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| mysql::from_value::<String>(r.as_ref(i).unwrap().clone()))
                        .collect()
                })
                .collect(),
        }
    }

    /// A time column as ejabberd's text.
    fn time(&self, column: &str) -> String {
        match self.engine {
            Engine::Sqlite => format!("CAST({column} AS TEXT)"),
            Engine::Postgres => format!("to_char({column}, 'YYYY-MM-DD HH24:MI:SS')"),
            Engine::Mariadb => format!("DATE_FORMAT({column}, '%Y-%m-%d %H:%i:%s')"),
        }
    }

    /// Every row, as text, in token order: token, username, [server_host,]
    /// invitee, created_at, expires, type, account_name.
    pub fn rows(&self) -> Vec<String> {
        let host = if self.multihost { "server_host, " } else { "" };
        let by_token = match self.engine {
            Engine::Sqlite => "token",
            Engine::Postgres => "token COLLATE \"C\"",
            Engine::Mariadb => "BINARY token",
        };
        let sql = format!(
            "SELECT token, username, {host}invitee, {}, {}, CAST(type AS {}), account_name \
             FROM invite_token ORDER BY {by_token}",
            self.time("created_at"),
            self.time("expires"),
            if self.engine == Engine::Mariadb {
                "CHAR"
            } else {
                "TEXT"
            },
        );
        self.query(&sql).into_iter().map(|r| r.join("|")).collect()
    }

    pub fn row(&self, token: &str) -> String {
        self.rows()
            .into_iter()
            .find(|r| r.starts_with(&format!("{token}|")))
            .unwrap_or_else(|| panic!("no row {token}"))
    }

    /// Writes a row as ejabberd does (the host only in the multihost
    /// schema): token, username, server_host, invitee, created_at,
    /// expires, type, account_name.
    pub fn put(&self, row: [&str; 8]) {
        let [token, user, host, invitee, created, expires, kind, name] = row;
        let mut values = vec![token, user];
        if self.multihost {
            values.push(host);
        }
        values.extend([invitee, created, expires, kind, name]);
        let placeholders: Vec<String> = (1..=values.len())
            .map(|i| match self.engine {
                Engine::Sqlite => format!("?{i}"),
                // The times, as ejabberd writes them there.
                Engine::Postgres if values.len() - i == 2 || values.len() - i == 3 => {
                    format!("to_timestamp(${i}, 'YYYY-MM-DD HH24:MI:SS')")
                }
                Engine::Postgres => format!("${i}"),
                Engine::Mariadb => "?".into(),
            })
            .collect();
        let sql = format!(
            "INSERT INTO invite_token VALUES ({})",
            placeholders.join(", ")
        );
        match &self.place {
            Place::Sqlite { path, .. } => {
                rusqlite::Connection::open(path)
                    .unwrap()
                    .execute(&sql, rusqlite::params_from_iter(values))
                    .unwrap();
            }
            Place::Postgres(db) => {
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> = values
                    .iter()
                    .map(|v| v as &(dyn postgres::types::ToSql + Sync))
                    .collect();
                db.client().execute(&sql, &params).unwrap();
            }
            Place::Mariadb(db) => db.client().exec_drop(sql, values).unwrap(),
        }
    }

    /// ejabberd's other table, which every command must leave as it is.
    pub fn users(&self) -> String {
        self.query("SELECT username, server_host, password FROM users")
            .concat()
            .concat()
    }
}
