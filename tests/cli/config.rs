//! Prosody's configuration: which one is read, the store and invite
//! defaults it gives, and `check-config`.

use std::path::Path;

use super::common::{exists, invitectl, json_lines, now, ProsodyConfig, GOOD_GLOBAL, HOST};

/// Stderr of a run, checked to be one line holding `text`.
fn one_line_with(assert: assert_cmd::assert::Assert, text: &str) -> String {
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains(text), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

/// A config whose SQLite database is `name` in its data folder.
fn sqlite_config(name: &str) -> ProsodyConfig {
    ProsodyConfig::new(
        &format!("storage = \"sql\"\nsql = {{ driver = \"SQLite3\", database = \"{name}\" }}"),
        "",
    )
}

fn lifetime(out: &str) -> i64 {
    json_lines(out)[0]["expires_unix"].as_i64().unwrap() - now()
}

#[test]
fn config_option_beats_the_environment() {
    let a = sqlite_config("a.sqlite");
    let b = sqlite_config("b.sqlite");
    invitectl()
        .env("INVITECTL_CONFIG", &b.path)
        .arg("--config")
        .arg(&a.path)
        .args([HOST, "generate"])
        .assert()
        .success();
    assert!(exists(&a.data().join("a.sqlite")));
    assert!(!exists(&b.data().join("b.sqlite")));
    invitectl()
        .env("INVITECTL_CONFIG", &b.path)
        .args([HOST, "generate"])
        .assert()
        .success();
    assert!(exists(&b.data().join("b.sqlite")));
}

#[test]
fn the_default_config_is_read_when_nothing_is_named() {
    let default = Path::new("/etc/prosody/prosody.cfg.lua");
    if !default.is_file() {
        return;
    }
    // No VirtualHost for it there, so the file was read.
    let run = invitectl()
        .env_remove("INVITECTL_CONFIG")
        .args(["no-such-host.invalid", "list"])
        .assert()
        .code(2);
    one_line_with(run, "/etc/prosody/prosody.cfg.lua");
}

#[test]
fn a_named_store_wins_over_the_configured_one() {
    let config = sqlite_config("configured.sqlite");
    let named = config.dir.path().join("named.sqlite");
    invitectl()
        .arg("--config")
        .arg(&config.path)
        .arg("--store")
        .arg(&named)
        .args([HOST, "generate"])
        .assert()
        .success();
    assert!(exists(&named));
    assert!(!exists(&config.data().join("configured.sqlite")));
}

#[test]
fn a_host_the_config_does_not_declare_is_a_usage_error() {
    let config = sqlite_config("p.sqlite");
    let run = invitectl()
        .arg("--config")
        .arg(&config.path)
        .args(["other.example", "generate"])
        .assert()
        .code(2)
        .stdout("");
    one_line_with(run, "host other.example does not exist");
    assert!(!exists(&config.data().join("p.sqlite")));
}

#[test]
fn each_storage_setting_picks_its_backend() {
    // Internal (the default): Prosody's data folder.
    let internal = ProsodyConfig::new("", "");
    let link = internal.ok(&["generate"]);
    invitectl()
        .arg("--store")
        .arg(internal.data())
        .args([HOST, "show", &super::common::token_of(link.trim())])
        .assert()
        .success();
    // A per-store table, set on the host, with sql's default database.
    let table = ProsodyConfig::new("", "storage = { invite_token = \"sql\" }");
    table.ok(&["generate"]);
    assert!(exists(&table.data().join("prosody.sqlite")));
    // A string, with a relative database.
    let sql = sqlite_config("db.sqlite");
    sql.ok(&["generate"]);
    assert_eq!(sql.ok(&["list", "--json"]).lines().count(), 1);
    assert!(exists(&sql.data().join("db.sqlite")));
}

#[test]
fn mysql_without_a_host_is_the_servers_socket_and_its_password_is_never_shown() {
    let config = ProsodyConfig::new(
        "storage = \"sql\"\nsql = { driver = \"MySQL\", database = \"prosody\", username = \"prosody\", password = \"hunter2-secret\" }",
        "",
    );
    // No server listens there (or it refuses this login).
    let run = config.run(&["generate"]).code(1).stdout("");
    let stderr = one_line_with(
        run,
        "mysql://prosody@localhost/prosody?socket=%2Frun%2Fmysqld%2Fmysqld.sock: ",
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn invite_expiry_sets_the_default_lifetime() {
    let seconds = ProsodyConfig::new(&format!("{GOOD_GLOBAL}\ninvite_expiry = 3600"), "");
    let life = lifetime(&seconds.ok(&["generate", "--json"]));
    assert!((3595..=3600).contains(&life), "{life}");
    // --ttl still wins; resets keep Prosody's one day.
    let life = lifetime(&seconds.ok(&["generate", "--json", "--ttl", "2h"]));
    assert!((7195..=7200).contains(&life), "{life}");
    let life = lifetime(&seconds.ok(&["generate", "--json", "--reset", "alice"]));
    assert!((86395..=86400).contains(&life), "{life}");

    let period = ProsodyConfig::new(GOOD_GLOBAL, "invite_expiry = \"2 weeks\"");
    let life = lifetime(&period.ok(&["generate", "--json"]));
    assert!((1_209_595..=1_209_600).contains(&life), "{life}");
}

#[test]
fn invites_page_and_its_supported_kinds_apply() {
    let page = "https://{host}/invite/{invite.token}/";
    let config = ProsodyConfig::new(&format!("{GOOD_GLOBAL}\ninvites_page = {page:?}"), "");
    let link = config.ok(&["generate"]);
    assert!(link.starts_with("https://example.com/invite/"), "{link}");
    // An empty --landing-page turns it off.
    let link = config.ok(&["generate", "--landing-page", ""]);
    assert!(link.starts_with("xmpp:"), "{link}");

    let only_contacts = ProsodyConfig::new(
        &format!("{GOOD_GLOBAL}\ninvites_page = {page:?}\ninvites_page_supports = {{ \"contact-only\" }}"),
        "",
    );
    let link = only_contacts.ok(&["generate"]);
    assert!(link.starts_with("xmpp:"), "{link}");
    let link = only_contacts.ok(&["generate", "--contact", "alice", "--no-register"]);
    assert!(link.starts_with("https://"), "{link}");
}

#[test]
fn roles_follow_the_sql_schema() {
    // invitectl makes 13's schema, so roles are written as 13's list.
    let config = ProsodyConfig::new(GOOD_GLOBAL, "");
    config.ok(&["generate", "--admin"]);
    let conn = rusqlite::Connection::open(config.data().join("prosody.sqlite")).unwrap();
    let stored = || -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT value FROM prosody WHERE value LIKE '%prosody:admin%'")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(
        stored()
            .iter()
            .all(|v| v.contains(r#""roles":["prosody:admin"]"#)),
        "{:?}",
        stored()
    );
    config.ok(&["generate", "--admin", "--roles-format", "map"]);
    assert!(
        stored()
            .iter()
            .any(|v| v.contains(r#""roles":{"prosody:admin":true}"#)),
        "{:?}",
        stored()
    );
    // A 0.12 started on this database adds its plain index beside the
    // unique one: it is 0.12 that reads the roles now.
    conn.execute_batch(r#"CREATE INDEX "prosody_index" ON "prosody" ("host", "user", "store", "key"); DELETE FROM prosody WHERE value LIKE '%prosody:admin%';"#)
        .unwrap();
    config.ok(&["generate", "--admin"]);
    assert_eq!(stored().len(), 1);
    assert!(
        stored()[0].contains(r#""roles":{"prosody:admin":true}"#),
        "{:?}",
        stored()
    );
}

#[test]
fn check_config_passes_a_good_config() {
    let config = ProsodyConfig::new(
        GOOD_GLOBAL,
        "invites_page = \"https://{host}/i/{invite.token}\"",
    );
    config.ok(&["generate"]);
    let out = config.ok(&["check-config"]);
    assert!(out.lines().all(|l| l.starts_with("ok: ")), "{out}");
    assert!(out.contains("mod_invites_register is loaded"), "{out}");
    assert!(out.contains("writable"), "{out}");
    assert!(
        out.contains("landing page https://{host}/i/{invite.token}"),
        "{out}"
    );
}

#[test]
fn check_config_fails_a_broken_config() {
    let config = ProsodyConfig::new(
        "modules_enabled = { \"invites\" }\nregistration_invite_only = false",
        "invites_page = \"https://{host}/{nope}\"",
    );
    let out = config.run(&["check-config"]).code(1);
    let out = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        out.contains("error: mod_invites_register is not loaded"),
        "{out}"
    );
    assert!(
        out.contains("error: allow_registration is not true"),
        "{out}"
    );
    assert!(
        out.contains("warning: registration_invite_only = false"),
        "{out}"
    );
    assert!(
        out.contains("error: invalid landing-page template"),
        "{out}"
    );
    assert!(
        out.lines().all(|l| ["ok: ", "warning: ", "error: "]
            .iter()
            .any(|p| l.starts_with(p))),
        "{out}"
    );
}

#[test]
fn check_config_needs_a_config() {
    let run = invitectl().args([HOST, "check-config"]).assert().code(2);
    one_line_with(run, "no server configuration to check");
}
