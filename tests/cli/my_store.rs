//! The shared store cases on MariaDB: a fresh database of the test
//! server, with Prosody's tables as Prosody makes them on MySQL and the
//! same foreign rows as the SQLite store.
//!
//! A MariaDB store's `path` is its URL (without the password, which is
//! the same for every database of the server).

use std::path::PathBuf;

use mysql::prelude::Queryable;

use crate::common::{Schema, Store, FOREIGN_ROWS, HOST};
use crate::mariadb_server::server;

/// Whether the test server runs (it prints why not, and fails on CI).
pub fn available() -> bool {
    server().is_some()
}

/// Prosody's tables on MySQL (util/sql.lua: `MEDIUMTEXT` values, utf8mb4
/// with binary collation, indexes on 20-character prefixes).
const TABLES: &str = "CREATE TABLE `prosody` (`host` TEXT NOT NULL, `user` TEXT NOT NULL, `store` TEXT NOT NULL, `key` TEXT NOT NULL, `type` TEXT NOT NULL, `value` MEDIUMTEXT NOT NULL) CHARACTER SET 'utf8mb4' COLLATE 'utf8mb4_bin';
    CREATE TABLE `prosodyarchive` (`sort_id` INTEGER PRIMARY KEY AUTO_INCREMENT, `host` TEXT NOT NULL, `user` TEXT NOT NULL, `store` TEXT NOT NULL, `key` TEXT NOT NULL, `when` INTEGER NOT NULL, `with` TEXT NOT NULL, `type` TEXT NOT NULL, `value` MEDIUMTEXT NOT NULL) CHARACTER SET 'utf8mb4' COLLATE 'utf8mb4_bin';
    INSERT INTO `prosodyarchive` (`host`,`user`,`store`,`key`,`when`,`with`,`type`,`value`) VALUES ('example.com','alice','archive','m1',1,'bob@example.com','xml','<message/>');";

impl Store {
    pub(crate) fn new_mysql(schema: Schema) -> Store {
        let database = server()
            .expect("MariaDB tests need the test server")
            .fresh_database();
        let mut conn = database.client();
        conn.query_drop(TABLES).unwrap();
        conn.query_drop(match schema {
            Schema::Mysql012 => "CREATE INDEX `prosody_index` ON `prosody` (`host`(20), `user`(20), `store`(20), `key`(20))",
            _ => "CREATE INDEX `prosody_unique_index` ON `prosody` (`host`(20), `user`(20), `store`(20), `key`(20))",
        })
        .unwrap();
        for row in FOREIGN_ROWS {
            conn.exec_drop(
                "INSERT INTO prosody VALUES (?, ?, ?, ?, ?, ?)",
                (row.0, row.1, row.2, row.3, row.4, row.5),
            )
            .unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = PathBuf::from(database.url());
        // Kept until the server goes, with the process.
        std::mem::forget(database);
        Store {
            path,
            _dir: dir,
            schema,
            database: None,
        }
    }

    /// A copy of the store in a database of its own, rows in the same
    /// order.
    #[allow(dead_code)]
    pub fn my_copy(&self) -> Store {
        let database = server().unwrap().fresh_database();
        let from = self.my_name();
        database
            .client()
            .query_drop(format!(
                "CREATE TABLE prosody LIKE `{from}`.prosody; INSERT INTO prosody SELECT * FROM `{from}`.prosody;
                 CREATE TABLE prosodyarchive LIKE `{from}`.prosodyarchive; INSERT INTO prosodyarchive SELECT * FROM `{from}`.prosodyarchive;"
            ))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = PathBuf::from(database.url());
        std::mem::forget(database);
        Store {
            path,
            _dir: dir,
            schema: self.schema,
            database: None,
        }
    }

    /// The store as the library opens it, password included.
    #[allow(dead_code)]
    pub fn my_location(&self) -> invitectl::Location {
        let (url, env) = self.my_url();
        let url = url.replacen('@', &format!(":{}@", env[0].1), 1);
        invitectl::Location::Mysql(invitectl::store::MyTarget::from_url(&url).unwrap())
    }

    /// The name of the store's database.
    pub fn my_name(&self) -> String {
        assert!(self.schema.is_mysql(), "a MariaDB store");
        let url = self.path.to_str().unwrap();
        url.rsplit('/').next().unwrap().to_owned()
    }

    /// A connection to the store's database (as root, over the socket).
    pub fn my(&self) -> mysql::Conn {
        server().unwrap().root_client(&self.my_name())
    }

    /// `--store` for this store, and the environment it needs.
    pub(crate) fn my_url(&self) -> (String, [(&'static str, String); 1]) {
        let password = server().unwrap().password().to_owned();
        (
            self.path.to_str().unwrap().to_owned(),
            [("MYSQL_PWD", password)],
        )
    }

    pub(crate) fn my_put(&self, user: &str, key: &str, kind: &str, value: &str) {
        self.my()
            .exec_drop(
                "INSERT INTO prosody VALUES (?, ?, 'invite_token', ?, ?, ?)",
                (HOST, user, key, kind, value),
            )
            .unwrap();
    }

    pub(crate) fn my_put_many(&self, rows: impl IntoIterator<Item = (String, String)>) {
        let mut conn = self.my();
        let mut tx = conn.start_transaction(mysql::TxOpts::default()).unwrap();
        tx.exec_batch(
            "INSERT INTO prosody VALUES (?, '', 'invite_token', ?, 'json', ?)",
            rows.into_iter().map(|(k, v)| (HOST, k, v)),
        )
        .unwrap();
        tx.commit().unwrap();
    }

    /// Every row in the table's own order (a table without a primary key
    /// is kept in the order rows were added), as
    /// (host, user, store, key, type, hex of value).
    fn my_rows(&self) -> Vec<(String, String, String, String, String, String)> {
        self.my()
            .query("SELECT `host`, `user`, `store`, `key`, `type`, HEX(`value`) FROM prosody")
            .unwrap()
    }

    /// Every row that is not an invite of HOST, byte for byte, with the
    /// schema and the other table.
    pub(crate) fn my_foreign_state(&self) -> Vec<String> {
        let mut state: Vec<String> = self
            .my_rows()
            .into_iter()
            .filter(|r| !(r.0 == HOST && r.2 == "invite_token"))
            .map(|r| [r.0, r.1, r.2, r.3, r.4, r.5].join("|"))
            .collect();
        let mut conn = self.my();
        for table in ["prosody", "prosodyarchive"] {
            let create: Option<(String, String)> = conn
                .query_first(format!("SHOW CREATE TABLE `{table}`"))
                .unwrap();
            state.push(create.unwrap().1);
        }
        state.extend(
            conn.query::<String, _>(
                "SELECT CONCAT(sort_id, '|', HEX(`value`)) FROM prosodyarchive ORDER BY sort_id",
            )
            .unwrap(),
        );
        state
    }

    pub(crate) fn my_invite_rows(&self) -> Vec<(String, String, String, String)> {
        self.my_rows()
            .into_iter()
            .filter(|r| r.0 == HOST && r.2 == "invite_token")
            .map(|r| {
                let value = String::from_utf8(unhex(&r.5)).unwrap();
                (r.1, r.3, r.4, value)
            })
            .collect()
    }

    /// Every row in the table's order: any write shows.
    pub(crate) fn my_all_rows(&self) -> Vec<u8> {
        self.my_rows()
            .into_iter()
            .map(|r| [r.0, r.1, r.2, r.3, r.4, r.5].join("|"))
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes()
    }
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}
