//! What only a MySQL or MariaDB server has: connection URLs, passwords
//! from the URL, the configuration or `MYSQL_PWD` (never shown), the
//! table made as Prosody makes it, a long listing read as it streams,
//! `expire` deciding on the server without ever removing a row the
//! reader keeps, and the table's collation, which ignores trailing
//! spaces, kept from touching other rows. The core cases run on MariaDB
//! with every other backend (see `support::store::backends`).

use mysql::prelude::Queryable;

use super::common::*;
use crate::support::mariadb_server::{server, Database};

/// A fresh database without Prosody's table, or None (the server said
/// why) when MariaDB is not installed here.
fn empty_database() -> Option<Database> {
    Some(server()?.fresh_database())
}

fn my_store() -> Option<Store> {
    my_store_with(Schema::Mysql13)
}

fn my_store_with(schema: Schema) -> Option<Store> {
    server().is_some().then(|| Store::new(schema))
}

fn stderr_line(out: &assert_cmd::assert::Assert) -> String {
    let stderr = stderr_of(out);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("invitectl: "), "{stderr}");
    stderr
}

#[test]
fn generate_makes_the_table_prosody_13_makes_and_says_so() {
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
    let create: (String, String) = db
        .client()
        .query_first("SHOW CREATE TABLE prosody")
        .unwrap()
        .unwrap();
    // What Prosody 13.0.1 makes on MariaDB 10.11 (util/sql.lua), as the
    // server shows it.
    assert_eq!(
        create.1,
        "CREATE TABLE `prosody` (\n  `host` text NOT NULL,\n  `user` text NOT NULL,\n  `store` text NOT NULL,\n  `key` text NOT NULL,\n  `type` text NOT NULL,\n  `value` mediumtext NOT NULL,\n  KEY `prosody_unique_index` (`host`(20),`user`(20),`store`(20),`key`(20))\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    );
    let out = run(&["show", &token]).success();
    assert!(stdout_of(&out).contains(&token));
    // The second time, nothing is made and nothing said.
    let out = run(&["generate"]).success();
    assert_eq!(stderr_of(&out), "");
}

#[test]
fn the_password_comes_from_the_url_mysql_pwd_or_the_configuration_and_is_never_shown() {
    let Some(store) = my_store() else { return };
    let (url, env) = store_url(&store);
    let password = env[0].1.clone();
    let base = || {
        let mut cmd = invitectl();
        cmd.env_remove("MYSQL_PWD");
        cmd
    };
    let with_password =
        |password: &str| url.replacen("invitectl@", &format!("invitectl:{password}@"), 1);

    // No password anywhere: refused by the server.
    let out = base()
        .args(["--store", &url, HOST, "list"])
        .assert()
        .code(1);
    let line = stderr_line(&out);
    assert!(line.contains("mysql://invitectl@127.0.0.1"), "{line}");
    assert!(line.contains("Access denied"), "{line}");

    // In the URL.
    base()
        .args(["--store", &with_password(&password), HOST, "list"])
        .assert()
        .success();
    // A wrong one is refused, and not repeated.
    let out = base()
        .args(["--store", &with_password("hunter2-wrong"), HOST, "list"])
        .assert()
        .code(1);
    let line = stderr_line(&out);
    assert!(line.contains("Access denied"), "{line}");
    assert!(!line.contains("hunter2"), "{line}");

    // MYSQL_PWD.
    base()
        .env("MYSQL_PWD", &password)
        .args(["--store", &url, HOST, "list"])
        .assert()
        .success();

    // Prosody's sql.password, and check-config never shows it.
    let db_name = store.my_name();
    let port = server().unwrap().port;
    let config = ProsodyConfig::new(
        &format!(
            "allow_registration = true\nmodules_enabled = {{ \"register\"; \"invites\"; \"invites_register\" }}\n\
             storage = \"sql\"\nsql = {{ driver = \"MySQL\", database = \"{db_name}\", host = \"127.0.0.1\", port = {port}, username = \"invitectl\", password = \"{password}\" }}"
        ),
        "",
    );
    let token = token_of(&config.ok(&["generate"]));
    assert!(store.invite_rows().iter().any(|r| r.1 == token));
    let report = config.run(&["check-config"]).success();
    let text = stdout_of(&report);
    assert!(
        text.contains(&format!(
            "store: MySQL database mysql://invitectl@127.0.0.1:{port}/{db_name}"
        )),
        "{text}"
    );
    assert!(text.contains("the store opens and is writable"), "{text}");
    assert!(!text.contains(&password), "{text}");
}

/// The store's URL (without the password), and the environment with it.
fn store_url(store: &Store) -> (String, [(&'static str, String); 1]) {
    let db = store.my_database();
    (db.url(), db.env())
}

#[test]
fn a_read_only_user_is_told_by_check_config_and_refused_by_generate() {
    let Some(store) = my_store() else { return };
    let db_name = store.my_name();
    let port = server().unwrap().port;
    let reader = format!("reader_{db_name}");
    store
        .my()
        .query_drop(format!(
            "CREATE USER '{reader}'@'%' IDENTIFIED BY 'readerpw'; GRANT SELECT ON `{db_name}`.`prosody` TO '{reader}'@'%'"
        ))
        .unwrap();
    let url = format!("mysql://{reader}@127.0.0.1:{port}/{db_name}");
    let config = ProsodyConfig::new(
        &format!(
            "storage = \"sql\"\nsql = {{ driver = \"MySQL\", database = \"{db_name}\", host = \"127.0.0.1\", port = {port}, username = \"{reader}\" }}"
        ),
        "",
    );
    let report = invitectl()
        .env("MYSQL_PWD", "readerpw")
        .arg("--config")
        .arg(&config.path)
        .args([HOST, "check-config"])
        .assert()
        .code(1);
    assert!(
        stdout_of(&report).contains("not writable by this user"),
        "{}",
        stdout_of(&report)
    );
    let before = store.file_bytes();
    let out = invitectl()
        .env("MYSQL_PWD", "readerpw")
        .args(["--store", &url, HOST, "generate"])
        .assert()
        .code(1)
        .stdout("");
    assert!(
        stderr_line(&out).contains("command denied"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(store.file_bytes(), before);
    invitectl()
        .env("MYSQL_PWD", "readerpw")
        .args(["--store", &url, HOST, "list"])
        .assert()
        .success();
}

#[test]
fn urls_that_cannot_be_used_are_usage_errors_that_do_not_repeat_them() {
    for url in [
        "mysql://u:hunter2@h:99999/d",
        "mysql://u:hunter2@h/d?ssl-mode=sometimes",
        "mysql://u:hunter2@h/d?init-command=x",
        "mariadb://u:hunter2@h/d#x",
        "mysql://u:hunter2@h",
    ] {
        let out = invitectl()
            .args(["--store", url, HOST, "list"])
            .assert()
            .code(2)
            .stdout("");
        let line = stderr_line(&out);
        assert!(line.contains("invalid MySQL URL"), "{line}");
        assert!(!line.contains("hunter2"), "{line}");
    }
    // Nothing listens here: a runtime failure naming the database.
    let out = invitectl()
        .args([
            "--store",
            "mysql://u:hunter2@127.0.0.1:1/d?connect-timeout=2",
            HOST,
            "list",
        ])
        .assert()
        .code(1);
    let line = stderr_line(&out);
    assert!(
        line.starts_with("invitectl: mysql://u@127.0.0.1:1/d: "),
        "{line}"
    );
    assert!(!line.contains("hunter2"), "{line}");
}

#[test]
fn a_long_listing_streams_in_order() {
    let Some(store) = my_store() else { return };
    let now = now();
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
fn expire_never_removes_a_row_the_reader_keeps() {
    let Some(store) = my_store_with(Schema::Mysql012) else {
        return;
    };
    let now = now();
    let before = store.foreign_state();
    let expired = |token: &str| prosody_row(token, now - 100, now - 10);
    // The server's JSON reads these as expired; the reader calls them
    // damaged (no jid; a roster invite without its user), so they stay.
    store.put("", "noJidAAAAAAAAAAAAAAAAAAA", "json", r#"{"expires":1}"#);
    store.put(
        "",
        "badTypeAAAAAAAAAAAAAAAAA",
        "json",
        &expired("badTypeAAAAAAAAAAAAAAAAA").replace("\"register\"", "\"bogus\""),
    );
    // Not JSON at all, and JSON the server reads but not as a number.
    store.put("", "brokenAAAAAAAAAAAAAAAAAA", "json", "{not json");
    store.put("", "strExpAAAAAAAAAAAAAAAAAA", "json", r#"{"expires":"1"}"#);
    // 0.12's index allows twins: the expired one goes, its fresh twin
    // (another value under the same key) stays.
    store.put(
        "",
        "twinAAAAAAAAAAAAAAAAAAAA",
        "json",
        &expired("twinAAAAAAAAAAAAAAAAAAAA"),
    );
    let fresh_twin = prosody_row("twinAAAAAAAAAAAAAAAAAAAA", now, now + 60);
    store.put("", "twinAAAAAAAAAAAAAAAAAAAA", "json", &fresh_twin);
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
    // A contact-only invite, expired, and one that is not.
    store.put(
        "bob",
        "lonelyAAAAAAAAAAAAAAAAAA",
        "number",
        &(now - 5).to_string(),
    );
    store.put(
        "bob",
        "lonelyBBBBBBBBBBBBBBBBBB",
        "number",
        &(now + 500).to_string(),
    );

    let dry = json_lines(&store.ok(&["expire", "--dry-run", "--json"]));
    let out = store.ok(&["expire", "--json"]);
    let result = json_lines(&out);
    let removed = result.last().unwrap()["removed"].as_u64().unwrap();
    assert_eq!(removed, 3, "{out}");
    let listed: Vec<&str> = dry.iter().map(|l| l["token"].as_str().unwrap()).collect();
    assert_eq!(
        listed,
        [
            "twinAAAAAAAAAAAAAAAAAAAA",
            "expiredAAAAAAAAAAAAAAAAA",
            "lonelyAAAAAAAAAAAAAAAAAA"
        ]
    );
    let left: Vec<(String, String)> = store
        .invite_rows()
        .into_iter()
        .map(|r| (r.1, r.3))
        .collect();
    let keys: Vec<&str> = left.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "noJidAAAAAAAAAAAAAAAAAAA",
            "badTypeAAAAAAAAAAAAAAAAA",
            "brokenAAAAAAAAAAAAAAAAAA",
            "strExpAAAAAAAAAAAAAAAAAA",
            "twinAAAAAAAAAAAAAAAAAAAA",
            "freshAAAAAAAAAAAAAAAAAAA",
            "lonelyBBBBBBBBBBBBBBBBBB",
        ]
    );
    assert_eq!(left[4].1, fresh_twin);
    assert_eq!(store.foreign_state(), before);
}

#[test]
fn rows_equal_but_for_trailing_spaces_are_other_rows() {
    let Some(store) = my_store() else { return };
    let token = token_of(&store.ok(&["generate", "--contact", "alice"]));
    // utf8mb4_bin compares 'example.com ' equal to 'example.com'.
    let mut conn = store.my();
    for (host, user, key) in [
        ("example.com ", "", token.clone()),
        ("example.com", " ", token.clone()),
        ("example.com", "", format!("{token} ")),
    ] {
        conn.exec_drop(
            "INSERT INTO prosody VALUES (?, ?, 'invite_token', ?, 'json', ?)",
            (host, user, key, prosody_row(&token, now(), now() + 3_600)),
        )
        .unwrap();
    }
    let before = store.foreign_state();
    let listed = json_lines(&store.ok(&["list", "--json"]));
    assert_eq!(listed.len(), 2, "{listed:?}");
    store.ok(&["revoke", &token]);
    let left: Vec<(String, String)> = store
        .invite_rows()
        .into_iter()
        .map(|r| (r.0, r.1))
        .collect();
    // Revoking removes every record of the token (the per-user one of
    // user " " too); the look-alike key and host stay.
    assert_eq!(left, [(String::new(), format!("{token} "))]);
    assert_eq!(store.foreign_state(), before);
}

#[test]
fn on_0_12s_schema_roles_follow_the_server_and_keys_are_never_doubled() {
    let Some(store) = my_store_with(Schema::Mysql012) else {
        return;
    };
    let db_name = store.my_name();
    let port = server().unwrap().port;
    let password = server().unwrap().password().to_owned();
    let config = ProsodyConfig::new(
        &format!(
            "storage = \"sql\"\nsql = {{ driver = \"MySQL\", database = \"{db_name}\", host = \"127.0.0.1\", port = {port}, username = \"invitectl\", password = \"{password}\" }}"
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
        assert_eq!(
            record["additional_data"]["roles"],
            serde_json::json!({"prosody:admin": true})
        );
    }
    assert_eq!(store.foreign_state(), before);
    // 13 keeps 0.12's index beside its own on MySQL: still read as 0.12's.
    store
        .my()
        .query_drop("CREATE INDEX `prosody_unique_index` ON `prosody` (`host`(20), `user`(20), `store`(20), `key`(20))")
        .unwrap();
    let out = config.ok(&["generate", "--role", "prosody:admin", "--json"]);
    assert_eq!(
        json_lines(&out)[0]["roles"],
        serde_json::json!(["prosody:admin"]),
        "{out}"
    );
    let token = json_lines(&out)[0]["token"].as_str().unwrap().to_owned();
    let row = store
        .invite_rows()
        .into_iter()
        .find(|r| r.1 == token)
        .unwrap();
    let record: serde_json::Value = serde_json::from_str(&row.3).unwrap();
    assert_eq!(
        record["additional_data"]["roles"],
        serde_json::json!({"prosody:admin": true})
    );
}

#[test]
fn a_table_without_transactions_is_refused() {
    let Some(store) = my_store() else { return };
    store
        .my()
        .query_drop("ALTER TABLE prosody ENGINE = MyISAM")
        .unwrap();
    let before = store.file_bytes();
    let out = store.run(&["generate"]).code(1).stdout("");
    assert!(
        stderr_line(&out).contains("MyISAM engine, which has no transactions"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(store.file_bytes(), before);
}

#[test]
fn the_socket_is_reached_by_localhost_and_named_without_a_password() {
    let Some(store) = my_store() else { return };
    let socket = format!("/nonexistent-{}/mysqld.sock", std::process::id());
    let out = invitectl()
        .env("MYSQL_PWD", "hunter2")
        .args([
            "--store",
            &format!(
                "mysql://invitectl:hunter2@localhost/{}?socket={socket}",
                store.my_name()
            ),
            HOST,
            "list",
        ])
        .assert()
        .code(1);
    let line = stderr_line(&out);
    assert!(line.contains("mysql://invitectl@localhost/"), "{line}");
    assert!(line.contains("socket=%2Fnonexistent"), "{line}");
    assert!(!line.contains("hunter2"), "{line}");
}

#[test]
fn ssl_mode_preferred_falls_back_and_required_refuses_a_server_without_tls() {
    let Some(store) = my_store() else { return };
    if server().unwrap().ca_cert().is_some() {
        // With openssl at hand, the test server has a certificate: see
        // ssl_mode_means_what_it_means_for_the_mysql_client.
        crate::support::skip::skipped("the test server offers TLS");
        return;
    }
    let (url, env) = store_url(&store);
    for (query, ok) in [
        ("", true),
        ("?ssl-mode=PREFERRED", true),
        ("?ssl-mode=disabled", true),
        ("?ssl-mode=REQUIRED", false),
        ("?ssl-mode=VERIFY_IDENTITY", false),
    ] {
        let out = invitectl()
            .envs(env.clone())
            .args(["--store", &format!("{url}{query}"), HOST, "list"])
            .assert();
        if ok {
            out.success();
        } else {
            let out = out.code(1);
            assert!(
                stderr_line(&out).contains("the server does not offer TLS"),
                "{query}: {}",
                stderr_of(&out)
            );
        }
    }
}

#[test]
fn ssl_mode_means_what_it_means_for_the_mysql_client() {
    let Some(store) = my_store() else { return };
    let Some(ca) = server().and_then(|s| s.ca_cert()) else {
        crate::support::skip::skipped("no openssl to make the test server a certificate");
        return;
    };
    let (_, env) = store_url(&store);
    let port = server().unwrap().port;
    // The server accepts this user only over TLS.
    let url = |query: &str| {
        format!(
            "mysql://{}@127.0.0.1:{port}/{}?{query}",
            crate::support::mariadb_server::TLS_ONLY_USER,
            store.my_name()
        )
    };
    let list = |url: String| {
        invitectl()
            .envs(env.clone())
            .args(["--store", &url, HOST, "list"])
            .assert()
    };
    let ca = ca.display();
    // Encrypted without checking the certificate: the default over TCP,
    // and REQUIRED.
    for query in ["", "ssl-mode=PREFERRED", "ssl-mode=REQUIRED"] {
        list(url(query)).success();
    }
    let out = list(url("ssl-mode=DISABLED")).code(1);
    assert!(
        stderr_line(&out).contains("Access denied"),
        "{}",
        stderr_of(&out)
    );
    // Checked against the test authority, and for the host name.
    list(url(&format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"))).success();
    list(url(&format!("ssl-mode=VERIFY_CA&ssl-ca={ca}"))).success();
    let out = list(url("ssl-mode=VERIFY_IDENTITY")).code(1);
    stderr_line(&out);
}

/// A database with ejabberd's `invite_token` table and no Prosody table
/// is ejabberd's: invitectl writes ejabberd's rows there and adds no
/// table.
#[test]
fn an_ejabberd_database_is_ejabberds() {
    let Some(db) = empty_database() else { return };
    db.client()
        .query_drop(include_str!("../fixtures/ejabberd/mysql.sql"))
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
    let link = stdout_of(&run(&["generate", "--contact", "alice", "--no-register"]));
    let token = link.trim().rsplit_once("preauth=").unwrap().1.to_owned();
    assert_eq!(
        link.trim(),
        format!("xmpp:alice@{HOST}?roster;preauth={token}")
    );
    let row: Option<(String, String, String, String)> = db
        .client()
        .query_first("SELECT token, username, type, account_name FROM invite_token")
        .unwrap();
    assert_eq!(
        row,
        Some((token.clone(), "alice".into(), "R".into(), String::new()))
    );
    assert!(stdout_of(&run(&["list"])).contains(&token));
    let tables: Vec<String> = db.client().query("SHOW TABLES").unwrap();
    assert_eq!(tables, ["invite_token"], "only ejabberd's table");
}
