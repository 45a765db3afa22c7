//! The store on PostgreSQL: a fresh database of the test cluster, with
//! Prosody's table and the same foreign rows as the SQLite store.

use super::{Place, Schema, Store, FOREIGN_ROWS, HOST};
use crate::support::postgres_cluster::cluster;

impl Store {
    pub(super) fn new_postgres(schema: Schema) -> Store {
        let database = cluster()
            .expect("PostgreSQL tests need the test cluster")
            .fresh_database();
        let mut client = database.client();
        // As Prosody makes them (util/sql.lua: TEXT, BIGSERIAL on PostgreSQL).
        client
            .batch_execute(
                r#"CREATE TABLE "prosody" ("host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL);
                   CREATE TABLE "prosodyarchive" ("sort_id" BIGSERIAL PRIMARY KEY, "host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "when" INTEGER NOT NULL, "with" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL);
                   INSERT INTO prosodyarchive ("host","user","store","key","when","with","type","value") VALUES ('example.com','alice','archive','m1',1,'bob@example.com','xml','<message/>');"#,
            )
            .unwrap();
        client
            .batch_execute(match schema {
                Schema::Postgres012 => r#"CREATE INDEX "prosody_index" ON "prosody" ("host", "user", "store", "key");"#,
                _ => r#"CREATE UNIQUE INDEX "prosody_unique_index" ON "prosody" ("host", "user", "store", "key");"#,
            })
            .unwrap();
        for row in FOREIGN_ROWS {
            client
                .execute(
                    "INSERT INTO prosody VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&row.0, &row.1, &row.2, &row.3, &row.4, &row.5],
                )
                .unwrap();
        }
        Store {
            schema,
            place: Place::Postgres(database),
        }
    }

    /// A copy of the store in a database of its own.
    pub(super) fn pg_copy(&self) -> Store {
        let database = cluster().unwrap().copy_database(self.pg_database());
        Store {
            schema: self.schema,
            place: Place::Postgres(database),
        }
    }

    /// A connection to the store's database.
    pub fn pg(&self) -> postgres::Client {
        self.pg_database().client()
    }

    pub(super) fn pg_put(&self, user: &str, key: &str, kind: &str, value: &str) {
        self.pg()
            .execute(
                "INSERT INTO prosody VALUES ($1, $2, 'invite_token', $3, $4, $5)",
                &[&HOST, &user, &key, &kind, &value],
            )
            .unwrap();
    }

    pub(super) fn pg_put_many(&self, rows: impl IntoIterator<Item = (String, String)>) {
        let (keys, values): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
        self.pg()
            .execute(
                "INSERT INTO prosody SELECT $1, '', 'invite_token', k, 'json', v FROM unnest($2::text[], $3::text[]) AS t(k, v)",
                &[&HOST, &keys, &values],
            )
            .unwrap();
    }

    /// Every row that is not an invite of HOST, with its place in the
    /// table, the schema and the other table.
    pub(super) fn pg_foreign_state(&self) -> Vec<String> {
        let mut client = self.pg();
        let mut state: Vec<String> = client
            .query(
                r#"SELECT ctid::text, "host", "user", "store", "key", "type", encode(convert_to("value", 'UTF8'), 'hex') FROM prosody
                   WHERE NOT ("host" = $1 AND "store" = 'invite_token') ORDER BY ctid"#,
                &[&HOST],
            )
            .unwrap()
            .iter()
            .map(|r| (0..7).map(|i| r.get::<_, String>(i)).collect::<Vec<_>>().join("|"))
            .collect();
        state.extend(
            client
                .query(
                    "SELECT tablename || '|' || indexname || '|' || indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| r.get::<_, String>(0)),
        );
        state.extend(
            client
                .query(
                    "SELECT table_name || '|' || column_name || '|' || data_type || '|' || is_nullable FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| r.get::<_, String>(0)),
        );
        state.extend(
            client
                .query(r#"SELECT sort_id::text || '|' || "value" FROM prosodyarchive ORDER BY sort_id"#, &[])
                .unwrap()
                .iter()
                .map(|r| r.get::<_, String>(0)),
        );
        state
    }

    pub(super) fn pg_invite_rows(&self) -> Vec<(String, String, String, String)> {
        self.pg()
            .query(
                r#"SELECT "user", "key", "type", "value" FROM prosody WHERE "host" = $1 AND "store" = 'invite_token' ORDER BY ctid"#,
                &[&HOST],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    }

    /// Every row with its place in the table: any write shows.
    pub(super) fn pg_all_rows(&self) -> Vec<u8> {
        self.pg()
            .query(
                r#"SELECT ctid::text || '|' || "host" || '|' || "user" || '|' || "store" || '|' || "key" || '|' || "type" || '|' || "value" FROM prosody ORDER BY ctid"#,
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes()
    }
}
