//! A store seeded with the server's own rows, and ways to run the binary
//! on it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

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

/// The backends the core cases run on (PostgreSQL and MariaDB when their
/// test servers run; they say why not, and on CI fail).
#[allow(dead_code)]
pub fn backends() -> Vec<Schema> {
    let mut schemas = vec![Schema::Prosody13, Schema::Files];
    if crate::pg_store::available() {
        schemas.push(Schema::Postgres13);
    }
    if crate::my_store::available() {
        schemas.push(Schema::Mysql13);
    }
    schemas
}

/// Every backend and schema.
#[allow(dead_code)]
pub fn all() -> Vec<Schema> {
    let mut schemas = vec![Schema::Prosody012, Schema::Prosody13, Schema::Files];
    if crate::pg_store::available() {
        schemas.extend([Schema::Postgres012, Schema::Postgres13]);
    }
    if crate::my_store::available() {
        schemas.extend([Schema::Mysql012, Schema::Mysql13]);
    }
    schemas
}

/// A temporary store in Prosody's schema, holding rows (or files) that
/// are not invites of HOST: they must survive every command byte for byte.
pub struct Store {
    /// Keeps the folder alive as long as the store.
    pub(crate) _dir: TempDir,
    pub path: PathBuf,
    pub schema: Schema,
    /// The database of a PostgreSQL store.
    pub(crate) database: Option<crate::postgres_cluster::Database>,
}

pub(crate) const FOREIGN_ROWS: &[(&str, &str, &str, &str, &str, &str)] = &[
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
        if schema == Schema::Files {
            return Store::new_files();
        }
        if schema.is_postgres() {
            return Store::new_postgres(schema);
        }
        if schema.is_mysql() {
            return Store::new_mysql(schema);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prosody.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            r#"CREATE TABLE "prosody" ("host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL);
               CREATE TABLE "prosodyarchive" ("sort_id" INTEGER PRIMARY KEY AUTOINCREMENT, "host" TEXT, "user" TEXT, "store" TEXT, "when" INTEGER, "with" TEXT, "type" TEXT, "value" MEDIUMTEXT);
               INSERT INTO prosodyarchive ("host","user","store","when","with","type","value") VALUES ('example.com','alice','archive',1,'bob@example.com','xml','<message/>');"#,
        )
        .unwrap();
        conn.execute_batch(match schema {
            Schema::Prosody012 => r#"CREATE INDEX "prosody_index" ON "prosody" ("host", "user", "store", "key");"#,
            _ => r#"CREATE UNIQUE INDEX "prosody_unique_index" ON "prosody" ("host", "user", "store", "key");"#,
        })
        .unwrap();
        for row in FOREIGN_ROWS {
            conn.execute(
                "INSERT INTO prosody VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                [row.0, row.1, row.2, row.3, row.4, row.5],
            )
            .unwrap();
        }
        Store {
            _dir: dir,
            path,
            schema,
            database: None,
        }
    }

    /// A copy of this store's file in a folder of its own (for
    /// tests/reliability, which shares this file).
    #[allow(dead_code)]
    pub fn copy(&self) -> Store {
        assert!(
            !self.schema.is_postgres() && !self.schema.is_mysql(),
            "a copy of a database"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prosody.sqlite");
        std::fs::copy(&self.path, &path).unwrap();
        Store {
            _dir: dir,
            path,
            schema: self.schema,
            database: None,
        }
    }

    /// Runs `invitectl --store <this> HOST <args>`.
    pub fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        let mut cmd = invitectl();
        if self.schema.is_postgres() {
            let (url, env) = self.pg_url();
            cmd.arg("--store").arg(url).envs(env);
        } else if self.schema.is_mysql() {
            let (url, env) = self.my_url();
            cmd.arg("--store").arg(url).envs(env);
        } else {
            cmd.arg("--store").arg(&self.path);
        }
        cmd.arg(HOST).args(args).assert()
    }

    /// Runs a command that must succeed, and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).success();
        stdout_of(&out)
    }

    /// Inserts many host-level invite records, (key, JSON value), at once.
    pub fn put_many(&self, rows: impl IntoIterator<Item = (String, String)>) {
        if self.schema.is_postgres() {
            return self.pg_put_many(rows);
        }
        if self.schema.is_mysql() {
            return self.my_put_many(rows);
        }
        let mut conn = self.conn();
        let tx = conn.transaction().unwrap();
        for (key, value) in rows {
            tx.execute(
                "INSERT INTO prosody VALUES (?1, '', 'invite_token', ?2, 'json', ?3)",
                [HOST, &key, &value],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }

    pub fn conn(&self) -> Connection {
        Connection::open(&self.path).unwrap()
    }

    /// Inserts a row as the server (or someone else) would.
    pub fn put(&self, user: &str, key: &str, kind: &str, value: &str) {
        if self.schema == Schema::Files {
            return self.put_file(user, key, kind, value);
        }
        if self.schema.is_postgres() {
            return self.pg_put(user, key, kind, value);
        }
        if self.schema.is_mysql() {
            return self.my_put(user, key, kind, value);
        }
        self.conn()
            .execute(
                "INSERT INTO prosody VALUES (?1, ?2, 'invite_token', ?3, ?4, ?5)",
                [HOST, user, key, kind, value],
            )
            .unwrap();
    }

    /// Every row that is not an invite of HOST, byte for byte, with the
    /// schema and the other table: what must never change.
    pub fn foreign_state(&self) -> Vec<String> {
        if self.schema == Schema::Files {
            return self.foreign_files();
        }
        if self.schema.is_postgres() {
            return self.pg_foreign_state();
        }
        if self.schema.is_mysql() {
            return self.my_foreign_state();
        }
        let conn = self.conn();
        let mut state: Vec<String> = conn
            .prepare(
                "SELECT rowid, host, user, store, key, type, typeof(value), hex(value) FROM prosody \
                 WHERE NOT (host = ?1 AND store = 'invite_token') ORDER BY rowid",
            )
            .unwrap()
            .query_map([HOST], |r| {
                Ok((0..8).map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))).collect::<Result<Vec<_>, _>>()?.join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        state.extend(
            conn.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name")
                .unwrap()
                .query_map([], |r| {
                    Ok(format!(
                        "{:?}|{:?}|{:?}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?
                    ))
                })
                .unwrap()
                .map(Result::unwrap),
        );
        state.extend(
            conn.prepare("SELECT * FROM prosodyarchive ORDER BY sort_id")
                .unwrap()
                .query_map([], |r| {
                    Ok(format!(
                        "{:?}",
                        (r.get::<_, i64>(0)?, r.get::<_, String>(7)?)
                    ))
                })
                .unwrap()
                .map(Result::unwrap),
        );
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        state.push(mode);
        state
    }

    /// The invite rows of HOST: (user, key, type, value).
    pub fn invite_rows(&self) -> Vec<(String, String, String, String)> {
        if self.schema == Schema::Files {
            return self.invite_records();
        }
        if self.schema.is_postgres() {
            return self.pg_invite_rows();
        }
        if self.schema.is_mysql() {
            return self.my_invite_rows();
        }
        self.conn()
            .prepare("SELECT user, key, type, value FROM prosody WHERE host = ?1 AND store = 'invite_token' ORDER BY rowid")
            .unwrap()
            .query_map([HOST], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// The store's bytes: the file, or every file of the data folder.
    pub fn file_bytes(&self) -> Vec<u8> {
        if self.schema == Schema::Files {
            return crate::files::tree(&self.path, |_| true)
                .join("\n")
                .into_bytes();
        }
        if self.schema.is_postgres() {
            return self.pg_all_rows();
        }
        if self.schema.is_mysql() {
            return self.my_all_rows();
        }
        std::fs::read(&self.path).unwrap()
    }
}

pub fn invitectl() -> Command {
    let mut cmd = Command::cargo_bin("invitectl").unwrap();
    // An empty INVITECTL_CONFIG reads no configuration: the machine's own
    // /etc/prosody/prosody.cfg.lua stays out of the tests.
    cmd.env("INVITECTL_CONFIG", "")
        .env_remove("INVITECTL_STORE")
        .env_remove("INVITECTL_LANDING_PAGE")
        .env_remove("NO_COLOR");
    cmd
}

/// A host-level record as Prosody 0.12.3 wrote it (from SPEC), with the
/// given times.
pub fn prosody_row(token: &str, created: i64, expires: i64) -> String {
    format!(
        r#"{{"token":"{token}","uri":"xmpp:example.com?register;preauth={token}","additional_data":{{"groups":{{}}}},"expires":{expires},"created_at":{created},"type":"register","jid":"example.com","allow_registration":true}}"#
    )
}

/// Parses JSON Lines.
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The token at the end of a link such as `xmpp:h?register;preauth=T`.
pub fn token_of(link: &str) -> String {
    let start = link.find("preauth=").unwrap() + "preauth=".len();
    link[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

pub fn now() -> i64 {
    invitectl::now()
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// A temporary Prosody configuration: `prosody.cfg.lua` holds `data_path`
/// (a `data` folder beside it) and the given global settings, and pulls in
/// `conf.d/host.cfg.lua`, which declares HOST with its own settings.
#[allow(dead_code)]
pub struct ProsodyConfig {
    pub dir: TempDir,
    pub path: PathBuf,
}

#[allow(dead_code)]
impl ProsodyConfig {
    pub fn new(global: &str, host: &str) -> ProsodyConfig {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(dir.path().join("conf.d")).unwrap();
        std::fs::create_dir(&data).unwrap();
        let path = dir.path().join("prosody.cfg.lua");
        std::fs::write(
            &path,
            format!(
                "data_path = {:?}\n{global}\nInclude \"conf.d/*.cfg.lua\"\n",
                data.display().to_string()
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("conf.d/host.cfg.lua"),
            format!("VirtualHost \"{HOST}\"\n{host}\n"),
        )
        .unwrap();
        ProsodyConfig { dir, path }
    }

    /// The configured `data_path`.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `invitectl --config PATH HOST args...`.
    pub fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        invitectl()
            .arg("--config")
            .arg(&self.path)
            .arg(HOST)
            .args(args)
            .assert()
    }

    /// Like [`ProsodyConfig::run`], expecting success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).success();
        stdout_of(&out)
    }
}

/// The global settings of a server that honours invites, on SQLite.
#[allow(dead_code)]
pub const GOOD_GLOBAL: &str = r#"
allow_registration = true
modules_enabled = { "register"; "invites"; "invites_register" }
storage = "sql"
sql = { driver = "SQLite3", database = "prosody.sqlite" }
"#;

/// A finished command's stdout, as text.
pub fn stdout_of(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// A finished command's stderr, as text.
pub fn stderr_of(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(out.get_output().stderr.clone()).unwrap()
}
