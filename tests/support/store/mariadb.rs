//! The store on MariaDB: a fresh database of the test server, with
//! Prosody's tables as Prosody makes them on MySQL and the same foreign
//! rows as the SQLite store.

use mysql::prelude::Queryable;

use super::{Place, Schema, Store, FOREIGN_ROWS, HOST};
use crate::support::mariadb_server::server;

/// Prosody's tables on MySQL (util/sql.lua: `MEDIUMTEXT` values, utf8mb4
/// with binary collation, indexes on 20-character prefixes).
const TABLES: &str = "CREATE TABLE `prosody` (`host` TEXT NOT NULL, `user` TEXT NOT NULL, `store` TEXT NOT NULL, `key` TEXT NOT NULL, `type` TEXT NOT NULL, `value` MEDIUMTEXT NOT NULL) CHARACTER SET 'utf8mb4' COLLATE 'utf8mb4_bin';
    CREATE TABLE `prosodyarchive` (`sort_id` INTEGER PRIMARY KEY AUTO_INCREMENT, `host` TEXT NOT NULL, `user` TEXT NOT NULL, `store` TEXT NOT NULL, `key` TEXT NOT NULL, `when` INTEGER NOT NULL, `with` TEXT NOT NULL, `type` TEXT NOT NULL, `value` MEDIUMTEXT NOT NULL) CHARACTER SET 'utf8mb4' COLLATE 'utf8mb4_bin';
    INSERT INTO `prosodyarchive` (`host`,`user`,`store`,`key`,`when`,`with`,`type`,`value`) VALUES ('example.com','alice','archive','m1',1,'bob@example.com','xml','<message/>');";

impl Store {
    pub(super) fn new_mysql(schema: Schema) -> Store {
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
        Store {
            schema,
            place: Place::Mariadb(database),
        }
    }

    /// A copy of the store in a database of its own, rows in the same
    /// order.
    pub(super) fn my_copy(&self) -> Store {
        let database = server().unwrap().fresh_database();
        let from = &self.my_database().name;
        database
            .client()
            .query_drop(format!(
                "CREATE TABLE prosody LIKE `{from}`.prosody; INSERT INTO prosody SELECT * FROM `{from}`.prosody;
                 CREATE TABLE prosodyarchive LIKE `{from}`.prosodyarchive; INSERT INTO prosodyarchive SELECT * FROM `{from}`.prosodyarchive;"
            ))
            .unwrap();
        Store {
            schema: self.schema,
            place: Place::Mariadb(database),
        }
    }

    /// The name of the store's database.
    pub fn my_name(&self) -> String {
        self.my_database().name.clone()
    }

    /// A connection to the store's database (as root, over the socket).
    pub fn my(&self) -> mysql::Conn {
        self.my_database().client()
    }

    pub(super) fn my_put(&self, user: &str, key: &str, kind: &str, value: &str) {
        self.my()
            .exec_drop(
                "INSERT INTO prosody VALUES (?, ?, 'invite_token', ?, ?, ?)",
                (HOST, user, key, kind, value),
            )
            .unwrap();
    }

    pub(super) fn my_put_many(&self, rows: impl IntoIterator<Item = (String, String)>) {
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
    pub(super) fn my_foreign_state(&self) -> Vec<String> {
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

    pub(super) fn my_invite_rows(&self) -> Vec<(String, String, String, String)> {
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
    pub(super) fn my_all_rows(&self) -> Vec<u8> {
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
