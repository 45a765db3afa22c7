//! What only a database server has: connection URLs, passwords from the
//! environment or libpq's password file (never shown), the table made
//! when missing, pages of a long listing, and `expire` on the server
//! undone when the server's JSON and the reader disagree. The core cases
//! run on PostgreSQL with every other backend (see `support::store::backends`).

use std::os::unix::fs::PermissionsExt;

use super::common::*;
use crate::support::postgres_cluster::{cluster, Database, TLS_ONLY_ROLE};

/// A fresh database without Prosody's table, or None (the cluster said
/// why) when PostgreSQL is not installed here.
fn empty_database() -> Option<Database> {
    Some(cluster()?.fresh_database())
}

fn stderr_line(out: &assert_cmd::assert::Assert) -> String {
    let stderr = stderr_of(out);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("invitectl: "), "{stderr}");
    stderr
}

#[test]
fn generate_makes_the_table_in_an_empty_database_and_says_so() {
    let Some(db) = empty_database() else { return };
    let run = |args: &[&str]| {
        invitectl()
            .args(["--store", &db.url()])
            .envs(db.env())
            .arg(HOST)
            .args(args)
            .assert()
    };
    let out = run(&["list"]).code(1).stdout("");
    assert!(
        stderr_line(&out).contains("no \"prosody\" table"),
        "{}",
        stderr_of(&out)
    );
    let out = run(&["generate"]).success();
    assert!(
        stderr_of(&out).contains("created the \"prosody\" table"),
        "{}",
        stderr_of(&out)
    );
    let token = token_of(&stdout_of(&out));
    let indexes: Vec<String> = db
        .client()
        .query(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'prosody'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        indexes,
        ["CREATE UNIQUE INDEX prosody_unique_index ON public.prosody USING btree (host, \"user\", store, key)"]
    );
    let out = run(&["show", &token]).success();
    assert!(stdout_of(&out).contains(&token));
    // The second time, nothing is made and nothing said.
    let out = run(&["generate"]).success();
    assert_eq!(stderr_of(&out), "");
}

#[test]
fn the_password_comes_from_the_url_pgpassword_or_the_password_file_and_is_never_shown() {
    let Some(store) = pg_store() else { return };
    let db = store.pg_database();
    let home = tempfile::tempdir().unwrap();
    let base = || {
        let mut cmd = invitectl();
        cmd.env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE")
            .env("HOME", home.path());
        cmd
    };
    let with_password = |password: &str| {
        db.url()
            .replacen("invitectl@", &format!("invitectl:{password}@"), 1)
    };

    // No password anywhere: refused by the server.
    let out = base()
        .args(["--store", &db.url(), HOST, "list"])
        .assert()
        .code(1);
    assert!(stderr_line(&out).contains("postgres://invitectl@127.0.0.1"));

    // In the URL (which the README does not show, but which works).
    base()
        .args(["--store", &with_password(&db.password), HOST, "list"])
        .assert()
        .success();
    // A wrong one is refused, and not repeated.
    let out = base()
        .args(["--store", &with_password("hunter2-wrong"), HOST, "list"])
        .assert()
        .code(1);
    let line = stderr_line(&out);
    assert!(line.contains("password authentication failed"), "{line}");
    assert!(!line.contains("hunter2"), "{line}");

    // PGPASSWORD.
    base()
        .env("PGPASSWORD", &db.password)
        .args(["--store", &db.url(), HOST, "list"])
        .assert()
        .success();

    // ~/.pgpass, used only when others cannot read it.
    let pgpass = home.path().join(".pgpass");
    std::fs::write(
        &pgpass,
        format!(
            "# test\n127.0.0.1:{}:{}:invitectl:{}\n",
            db.port, db.name, db.password
        ),
    )
    .unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = base()
        .args(["--store", &db.url(), HOST, "list"])
        .assert()
        .code(1);
    let line = stderr_line(&out);
    assert!(line.contains(".pgpass was not read"), "{line}");
    assert!(!line.contains(&db.password), "{line}");
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    base()
        .args(["--store", &db.url(), HOST, "list"])
        .assert()
        .success();
}

#[test]
fn prosodys_sql_setting_reaches_the_database_and_check_config_agrees() {
    let Some(store) = pg_store() else { return };
    let db = store.pg_database();
    let config = ProsodyConfig::new(
        &format!(
            "allow_registration = true\nmodules_enabled = {{ \"register\"; \"invites\"; \"invites_register\" }}\n\
             storage = \"sql\"\nsql = {{ driver = \"PostgreSQL\", database = \"{}\", host = \"127.0.0.1\", port = {}, username = \"invitectl\", password = \"{}\" }}",
            db.name, db.port, db.password
        ),
        "",
    );
    let token = token_of(&config.ok(&["generate"]));
    assert!(store.invite_rows().iter().any(|r| r.1 == token));
    let report = config.run(&["check-config"]).success();
    let text = stdout_of(&report);
    assert!(
        text.contains(&format!(
            "store: PostgreSQL database postgres://invitectl@127.0.0.1:{}/{}",
            db.port, db.name
        )),
        "{text}"
    );
    assert!(text.contains("the store opens and is writable"), "{text}");
    assert!(!text.contains(&db.password), "{text}");
}

#[test]
fn a_read_only_role_is_told_by_check_config_and_refused_by_generate() {
    let Some(store) = pg_store() else { return };
    let db = store.pg_database();
    let mut admin = db.superuser_client();
    let reader = format!("reader_{}", db.name);
    admin
        .batch_execute(&format!(
            "CREATE ROLE {reader} LOGIN PASSWORD 'readerpw'; GRANT SELECT ON prosody TO {reader};"
        ))
        .unwrap();
    let url = format!("postgres://{reader}@127.0.0.1:{}/{}", db.port, db.name);
    let config = ProsodyConfig::new(
        &format!(
            "storage = \"sql\"\nsql = {{ driver = \"PostgreSQL\", database = \"{}\", host = \"127.0.0.1\", port = {}, username = \"{reader}\" }}",
            db.name, db.port
        ),
        "",
    );
    let report = invitectl()
        .env("PGPASSWORD", "readerpw")
        .arg("--config")
        .arg(&config.path)
        .args([HOST, "check-config"])
        .assert()
        .code(1);
    assert!(
        stdout_of(&report).contains("not writable by this role"),
        "{}",
        stdout_of(&report)
    );
    let before = store.file_bytes();
    let out = invitectl()
        .env("PGPASSWORD", "readerpw")
        .args(["--store", &url, HOST, "generate"])
        .assert()
        .code(1)
        .stdout("");
    assert!(
        stderr_line(&out).contains("permission denied"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(store.file_bytes(), before);
    // Reading is allowed.
    invitectl()
        .env("PGPASSWORD", "readerpw")
        .args(["--store", &url, HOST, "list"])
        .assert()
        .success();
    admin
        .batch_execute(&format!("REVOKE ALL ON prosody FROM {reader}"))
        .unwrap();
}

#[test]
fn urls_that_cannot_be_used_are_usage_errors_that_do_not_repeat_them() {
    for url in [
        "postgres://u:hunter2@h:99999/d",
        "postgres://u:hunter2@h/d?sslmode=sometimes",
        "postgres://u:hunter2@h/d?options=-c%20x",
        "postgresql://u:hunter2@h/d#x",
    ] {
        let out = invitectl()
            .args(["--store", url, HOST, "list"])
            .assert()
            .code(2)
            .stdout("");
        let line = stderr_line(&out);
        assert!(line.contains("invalid PostgreSQL URL"), "{line}");
        assert!(!line.contains("hunter2"), "{line}");
    }
    // Other URLs are refused rather than made into SQLite files.
    let dir = tempfile::tempdir().unwrap();
    for (url, why) in [
        ("sqlite://x.db", "sqlite:// is no store"),
        ("redis://u:hunter2@db/0", "redis:// is no store"),
    ] {
        let out = invitectl()
            .current_dir(dir.path())
            .args(["--store", url, HOST, "generate"])
            .assert()
            .code(2)
            .stdout("");
        let line = stderr_line(&out);
        assert!(line.contains(why), "{line}");
        assert!(!line.contains("hunter2"), "{line}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // Nothing listens here: a runtime failure naming the database.
    let out = invitectl()
        .args([
            "--store",
            "postgres://u:hunter2@127.0.0.1:1/d?connect_timeout=2",
            HOST,
            "list",
        ])
        .assert()
        .code(1);
    let line = stderr_line(&out);
    assert!(
        line.starts_with("invitectl: postgres://u@127.0.0.1:1/d: "),
        "{line}"
    );
    assert!(!line.contains("hunter2"), "{line}");
}

#[test]
fn a_long_listing_comes_in_pages_in_order() {
    let Some(store) = pg_store() else { return };
    let now = now();
    // More than two pages, created at distinct times.
    store.put_many((0..4_500).map(|i| {
        let token = format!("tok{i:021}");
        (token.clone(), prosody_row(&token, now - i, now + 86_400))
    }));
    let lines = json_lines(&store.ok(&["list", "--json"]));
    assert_eq!(lines.len(), 4_500);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["token"], format!("tok{i:021}"), "line {i}");
    }
}

#[test]
fn expire_on_the_server_is_undone_when_the_reader_disagrees() {
    let Some(store) = pg_store() else { return };
    let now = now();
    let before = store.foreign_state();
    let expired = |token: &str| prosody_row(token, now - 100, now - 10);
    // The server's JSON would remove this (a numeric expires in the past);
    // the reader calls it damaged (no jid), so it stays.
    store.put("", "noJidAAAAAAAAAAAAAAAAAAA", "json", r#"{"expires":1}"#);
    store.put(
        "",
        "expiredAAAAAAAAAAAAAAAAA",
        "json",
        &expired("expiredAAAAAAAAAAAAAAAAA"),
    );
    store.put(
        "",
        "freshAAAAAAAAAAAAAAAAAAA",
        "json",
        &prosody_row("freshAAAAAAAAAAAAAAAAAAA", now, now + 60),
    );
    store.ok(&["expire"]);
    let left: Vec<String> = store.invite_rows().into_iter().map(|r| r.1).collect();
    assert_eq!(
        left,
        ["noJidAAAAAAAAAAAAAAAAAAA", "freshAAAAAAAAAAAAAAAAAAA"]
    );

    // JSON the server cannot read at all: the command still works.
    store.put("", "brokenAAAAAAAAAAAAAAAAAA", "json", "{not json");
    store.put(
        "",
        "expiredBBBBBBBBBBBBBBBBB",
        "json",
        &expired("expiredBBBBBBBBBBBBBBBBB"),
    );
    let out = store.ok(&["expire", "--json"]);
    assert_eq!(json_lines(&out)[0]["removed"], 1, "{out}");
    let left: Vec<String> = store.invite_rows().into_iter().map(|r| r.1).collect();
    assert_eq!(
        left,
        [
            "noJidAAAAAAAAAAAAAAAAAAA",
            "freshAAAAAAAAAAAAAAAAAAA",
            "brokenAAAAAAAAAAAAAAAAAA"
        ]
    );
    assert_eq!(store.foreign_state(), before);
}

#[test]
fn on_0_12s_schema_generate_deletes_then_inserts_and_roles_follow_the_server() {
    let Some(store) = pg_store_with(Schema::Postgres012) else {
        return;
    };
    let db = store.pg_database();
    let config = ProsodyConfig::new(
        &format!(
            "storage = \"sql\"\nsql = {{ driver = \"PostgreSQL\", database = \"{}\", host = \"127.0.0.1\", port = {}, username = \"invitectl\", password = \"{}\" }}",
            db.name, db.port, db.password
        ),
        "",
    );
    let before = store.foreign_state();
    let out = config.ok(&[
        "generate",
        "--count",
        "3",
        "--role",
        "prosody:admin",
        "--json",
    ]);
    for line in json_lines(&out) {
        let token = line["token"].as_str().unwrap();
        let rows: Vec<_> = store
            .invite_rows()
            .into_iter()
            .filter(|r| r.1 == token)
            .collect();
        assert_eq!(rows.len(), 1);
        let record: serde_json::Value = serde_json::from_str(&rows[0].3).unwrap();
        // 0.12's plain index: the server reads roles as a map.
        assert_eq!(
            record["additional_data"]["roles"],
            serde_json::json!({"prosody:admin": true})
        );
    }
    assert_eq!(store.foreign_state(), before);
}

fn pg_store() -> Option<Store> {
    pg_store_with(Schema::Postgres13)
}

fn pg_store_with(schema: Schema) -> Option<Store> {
    cluster().is_some().then(|| Store::new(schema))
}

#[test]
fn sslmode_means_what_it_means_in_libpq() {
    let Some(store) = pg_store() else { return };
    let Some(ca) = cluster().and_then(|c| c.ca_cert()) else {
        crate::support::skip::skipped("no openssl to make the test cluster a certificate");
        return;
    };
    let db = store.pg_database();
    // The server accepts this role only over TLS.
    let url = |host: &str, query: &str| {
        format!(
            "postgres://{TLS_ONLY_ROLE}@{host}:{}/{}?{query}",
            db.port, db.name
        )
    };
    let list = |url: String| {
        invitectl()
            .envs(db.env())
            .args(["--store", &url, HOST, "list"])
            .assert()
    };
    let ca = ca.display();
    // Encrypted without checking the certificate: the default, and require.
    for query in ["", "sslmode=prefer", "sslmode=require"] {
        list(url("127.0.0.1", query)).success();
    }
    let out = list(url("127.0.0.1", "sslmode=disable")).code(1);
    assert!(
        stderr_line(&out).contains("pg_hba.conf rejects"),
        "{}",
        stderr_of(&out)
    );
    // Checked against the test authority, and for the host name.
    list(url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .success();
    let out = list(url("127.0.0.1", "sslmode=verify-full")).code(1);
    assert!(stderr_line(&out).contains("TLS"), "{}", stderr_of(&out));
    // The certificate names 127.0.0.1, not localhost: verify-ca accepts
    // it for localhost, verify-full does not.
    list(url(
        "localhost",
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ))
    .success();
    let out = list(url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .code(1);
    stderr_line(&out);
}

#[test]
fn a_lock_held_elsewhere_is_waited_for_then_given_up_on() {
    let Some(store) = pg_store() else { return };
    let token = token_of(&store.ok(&["generate"]));
    // Another session (the server, say) holds the invite's row.
    let mut other = store.pg();
    let mut tx = other.transaction().unwrap();
    tx.execute(
        r#"SELECT 1 FROM prosody WHERE "key" = $1 FOR UPDATE"#,
        &[&token],
    )
    .unwrap();
    // The session's lock_timeout (10 s) ends the wait: not forever.
    let out = store.run(&["revoke", &token]).code(1);
    let line = stderr_line(&out);
    assert!(line.contains("lock timeout"), "{line}");
    drop(tx);
    assert_eq!(store.invite_rows().len(), 1, "nothing was revoked");
}

/// A database with ejabberd's `invite_token` table and no Prosody table
/// is ejabberd's: invitectl writes ejabberd's rows there and adds no
/// table.
#[test]
fn an_ejabberd_database_is_ejabberds() {
    let Some(db) = empty_database() else { return };
    db.client()
        .batch_execute(include_str!("../fixtures/ejabberd/pg.new.sql"))
        .unwrap();
    let run = |args: &[&str]| {
        invitectl()
            .args(["--store", &db.url()])
            .envs(db.env())
            .arg(HOST)
            .args(args)
            .assert()
            .success()
    };
    let link = stdout_of(&run(&["generate", "--username", "romeo"]));
    let token = link.trim().rsplit_once("preauth=").unwrap().1.to_owned();
    assert_eq!(
        link.trim(),
        format!("xmpp:romeo@{HOST}?register;preauth={token}")
    );
    let row: (String, String, String, String) = {
        let r = db
            .client()
            .query_one(
                "SELECT token, server_host, type::text, account_name FROM invite_token",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1), r.get(2), r.get(3))
    };
    assert_eq!(
        row,
        (token.clone(), HOST.into(), "A".into(), "romeo".into())
    );
    assert!(stdout_of(&run(&["list"])).contains(&token));
    let tables: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 1, "only ejabberd's table");
}
