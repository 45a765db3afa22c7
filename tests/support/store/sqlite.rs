//! The store on SQLite: a `prosody.sqlite` made as Prosody makes it,
//! with the foreign rows and an archive table.

use rusqlite::Connection;

use super::{Schema, Store, FOREIGN_ROWS, HOST};

impl Store {
    pub(super) fn new_sqlite(schema: Schema) -> Store {
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
        Store::local(schema, dir, path)
    }

    /// A copy of the file in a folder of its own.
    pub(super) fn sqlite_copy(&self) -> Store {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prosody.sqlite");
        std::fs::copy(self.path(), &path).unwrap();
        Store::local(self.schema, dir, path)
    }

    /// A connection to the SQLite file.
    pub fn conn(&self) -> Connection {
        Connection::open(self.path()).unwrap()
    }

    pub(super) fn sqlite_put(&self, user: &str, key: &str, kind: &str, value: &str) {
        self.conn()
            .execute(
                "INSERT INTO prosody VALUES (?1, ?2, 'invite_token', ?3, ?4, ?5)",
                [HOST, user, key, kind, value],
            )
            .unwrap();
    }

    pub(super) fn sqlite_put_many(&self, rows: impl IntoIterator<Item = (String, String)>) {
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

    /// Every row that is not an invite of HOST, with its rowid, the
    /// schema, the archive table and the journal mode.
    pub(super) fn sqlite_foreign_state(&self) -> Vec<String> {
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

    pub(super) fn sqlite_invite_rows(&self) -> Vec<(String, String, String, String)> {
        self.conn()
            .prepare("SELECT user, key, type, value FROM prosody WHERE host = ?1 AND store = 'invite_token' ORDER BY rowid")
            .unwrap()
            .query_map([HOST], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}
