//! The binary given ejabberd's configuration: how it refuses what it
//! cannot use, in one line, with the documented exit code, and before
//! anything is written.

use std::path::PathBuf;

use tempfile::TempDir;

use super::common::{invitectl, stderr_of, HOST};

const FAILURE: i32 = 1;
const USAGE: i32 = 2;

/// A temporary `ejabberd.yml` with HOST in its hosts.
struct EjabberdYml {
    dir: TempDir,
    path: PathBuf,
}

impl EjabberdYml {
    fn new(rest: &str) -> EjabberdYml {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ejabberd.yml");
        std::fs::write(&path, format!("hosts:\n  - {HOST}\n{rest}")).unwrap();
        EjabberdYml { dir, path }
    }

    /// Runs `invitectl --config PATH host args`, expecting a refusal with
    /// `code`; returns its one line, and checks nothing was written
    /// beside the configuration.
    fn refused(&self, host: &str, args: &[&str], code: i32) -> String {
        let out = invitectl()
            .arg("--config")
            .arg(&self.path)
            .arg(host)
            .args(args)
            .assert()
            .code(code)
            .stdout("");
        let stderr = stderr_of(&out);
        assert!(stderr.starts_with("invitectl: "), "{args:?}: {stderr:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
        let entries: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["ejabberd.yml"], "{args:?} wrote beside it");
        stderr
    }
}

/// Mnesia is reached through ejabberd's API on loopback: without a
/// `mod_http_api` listener there, or with one on TLS whose certificates
/// cannot be read, every command is refused with the fix. (The API
/// itself: tests/interop, ejabberd_mnesia.)
#[test]
fn mnesia_without_a_usable_api_is_refused_with_the_fix() {
    let no_api = EjabberdYml::new("modules:\n  mod_invites: {}\n");
    for command in [&["generate"][..], &["list"], &["expire"], &["revoke", "x"]] {
        let line = no_api.refused(HOST, command, FAILURE);
        assert!(
            line.contains("Mnesia")
                && line.contains("no ejabberd_http listener")
                && line.contains("module: ejabberd_http, request_handlers: {/api: mod_http_api}")
                && line.contains("`default_db: sql`"),
            "{line}"
        );
    }
    let tls = |certfiles: &str| {
        EjabberdYml::new(&format!(
            "certfiles: {certfiles}\nlisten:\n  - {{port: 5443, module: ejabberd_http, tls: true, request_handlers: {{/api: mod_http_api}}}}\nmodules:\n  mod_invites: {{}}\n"
        ))
    };
    for (config, why) in [
        (tls("[]"), "its certfiles name no certificate"),
        (
            tls("[/nonexistent/ejabberd.pem]"),
            "cannot read its certificates (/nonexistent/ejabberd.pem",
        ),
    ] {
        let line = config.refused(HOST, &["list"], FAILURE);
        assert!(
            line.contains("the only ones trusted")
                || line.contains("trusts only the server's own certificates"),
            "{line}"
        );
        assert!(line.contains(why), "{line}");
    }
}

#[test]
fn a_host_not_in_hosts_is_a_usage_error() {
    let config = EjabberdYml::new("default_db: sql\nsql_type: sqlite\n");
    let line = config.refused("other.example", &["list"], USAGE);
    assert_eq!(
        line.trim_end(),
        format!(
            "invitectl: host other.example is not in the hosts of {}",
            config.path.display()
        )
    );
}

#[test]
fn a_broken_configuration_is_one_line_without_its_values() {
    let config = EjabberdYml::new("sql_password: [\"s3cret\"\n");
    let line = config.refused(HOST, &["list"], FAILURE);
    assert!(
        line.contains("ejabberd.yml") && !line.contains("s3cret"),
        "{line}"
    );
    let config = EjabberdYml::new("default_db: sql\nsql_type: oracle\n");
    let line = config.refused(HOST, &["generate"], FAILURE);
    assert!(line.contains("`sql_type` should be"), "{line}");
}

#[test]
fn unsupported_sql_types_are_refused() {
    for sql_type in ["mssql", "odbc"] {
        let config = EjabberdYml::new(&format!("default_db: sql\nsql_type: {sql_type}\n"));
        let line = config.refused(HOST, &["list"], FAILURE);
        assert!(
            line.contains(&format!("sql_type {sql_type} is not supported")),
            "{line}"
        );
    }
}

/// An ejabberd SQLite database in 26.07's multihost schema, beside a
/// configuration that points at it, with a row of another host and
/// ejabberd's users table.
fn ejabberd_on_sqlite() -> (EjabberdYml, PathBuf) {
    ejabberd_on_sqlite_with("", "")
}

/// As [`ejabberd_on_sqlite`], with more global options (`listen`) and
/// more options of mod_invites (each line indented by four spaces).
fn ejabberd_on_sqlite_with(global: &str, invites: &str) -> (EjabberdYml, PathBuf) {
    let config = EjabberdYml::new("");
    let db = config.dir.path().join("ejabberd.sqlite");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(include_str!("../fixtures/ejabberd/lite.new.sql"))
        .unwrap();
    conn.execute_batch(
        "CREATE TABLE users (username text, server_host text, password text);
         INSERT INTO users VALUES ('alice', 'example.com', 'pw');
         INSERT INTO invite_token VALUES ('otherhosttoken', '', 'other.example', '',
           '2026-01-01 00:00:00', '2026-01-02 00:00:00', 'A', '');",
    )
    .unwrap();
    std::fs::write(
        &config.path,
        format!(
            "hosts:\n  - {HOST}\n{global}default_db: sql\nsql_type: sqlite\nsql_database: {:?}\nmodules:\n  mod_invites:\n    token_expire_seconds: 3600\n{invites}  mod_register:\n    allow_modules: [mod_invites]\n",
            db.display().to_string()
        ),
    )
    .unwrap();
    (config, db)
}

fn rows(db: &std::path::Path) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT token, username, server_host, invitee, created_at, expires, type, account_name FROM invite_token ORDER BY rowid")
        .unwrap();
    stmt.query_map([], |r| (0..8).map(|i| r.get(i)).collect())
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn run_ok(config: &EjabberdYml, args: &[&str]) -> String {
    let out = invitectl()
        .arg("--config")
        .arg(&config.path)
        .arg(HOST)
        .args(args)
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn the_commands_work_on_ejabberds_sqlite_store() {
    let (config, db) = ejabberd_on_sqlite();
    let made = run_ok(&config, &["generate", "--username", "bob", "--json"]);
    let made: serde_json::Value = serde_json::from_str(made.trim()).unwrap();
    let token = made["token"].as_str().unwrap().to_owned();
    assert_eq!(
        made["uri"],
        format!("xmpp:bob@{HOST}?register;preauth={token}")
    );
    let all = rows(&db);
    assert_eq!(all.len(), 2);
    let row = &all[1];
    assert_eq!(row[0], token);
    assert_eq!(&row[1..4], ["", HOST, ""]);
    assert_eq!((row[6].as_str(), row[7].as_str()), ("A", "bob"));
    // token_expire_seconds, in ejabberd's own time format.
    let form = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]";
    let (lifetime, both_in_form): (i64, bool) = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT strftime('%s', expires) - strftime('%s', created_at), \
             created_at GLOB ?1 AND expires GLOB ?1 FROM invite_token WHERE token = ?2",
            rusqlite::params![form, token],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(lifetime, 3600);
    assert!(both_in_form, "{row:?}");

    let listed = run_ok(&config, &["list", "--json"]);
    assert_eq!(listed.lines().count(), 1, "only this host's: {listed}");
    assert!(listed.contains(&token));
    assert!(run_ok(&config, &["show", &token]).contains(&token));
    run_ok(&config, &["revoke", &token]);
    assert_eq!(rows(&db).len(), 1, "revoked; the other host's row stays");
    assert_eq!(rows(&db)[0][0], "otherhosttoken");
}

#[test]
fn a_thousand_invites_come_with_a_warning_about_ejabberds_own_cap() {
    let (config, db) = ejabberd_on_sqlite();
    let run = |count: &str| {
        let out = invitectl()
            .arg("--config")
            .arg(&config.path)
            .args([HOST, "generate", "--count", count])
            .assert()
            .success();
        stderr_of(&out)
    };
    assert_eq!(run("999"), "");
    let stderr = run("1000");
    assert!(stderr.contains("ejabberd#4616"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(rows(&db).len(), 1 + 999 + 1000);
}

#[test]
fn what_ejabberd_cannot_hold_is_a_usage_error_that_writes_nothing() {
    let (config, db) = ejabberd_on_sqlite();
    let before = std::fs::read(&db).unwrap();
    for args in [
        &["generate", "--reusable"][..],
        &["generate", "--group", "friends"],
        &["generate", "--role", "prosody:admin"],
        &["generate", "--note", "for bob"],
        &["generate", "--count", "5", "--note", "x"],
    ] {
        let out = invitectl()
            .arg("--config")
            .arg(&config.path)
            .arg(HOST)
            .args(args)
            .assert()
            .code(USAGE)
            .stdout("");
        let stderr = stderr_of(&out);
        assert!(
            stderr.starts_with("invitectl: ") && stderr.contains("ejabberd"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing written");
}

#[test]
fn check_config_reports_an_ejabberd_host() {
    let (config, _db) = ejabberd_on_sqlite();
    let report = run_ok(&config, &["check-config"]);
    for line in [
        "ok: mod_invites is loaded",
        "ok: invites last 3600 s",
        "ok: mod_register lets invites create accounts",
        "ok: store: SQLite database",
        "ok: the store opens and is writable by this user",
    ] {
        assert!(report.contains(line), "{line}: {report}");
    }
    let bare =
        EjabberdYml::new("default_db: sql\nsql_type: sqlite\nsql_database: /nonexistent/x.db\n");
    let out = invitectl()
        .arg("--config")
        .arg(&bare.path)
        .args([HOST, "check-config"])
        .assert()
        .code(FAILURE);
    let report = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        report.contains("error: mod_invites is not loaded"),
        "{report}"
    );
    assert!(
        report.contains("error: mod_register is not loaded"),
        "{report}"
    );
}

/// An `ejabberd_http` listener serving mod_invites, as ejabberd's example
/// configuration has it, on another address than the host's.
const INVITES_LISTENER: &str = "listen:\n  -\n    port: 5222\n    module: ejabberd_c2s\n  -\n    port: 5443\n    ip: \"::\"\n    module: ejabberd_http\n    tls: true\n    request_handlers:\n      /api: mod_http_api\n      /invites: mod_invites\n";

/// `invitectl generate ARGS` on `config`: its output and stderr, and the
/// token of the one row it added.
fn generate(config: &EjabberdYml, db: &std::path::Path, args: &[&str]) -> (String, String, String) {
    let before = rows(db).len();
    let out = invitectl()
        .arg("--config")
        .arg(&config.path)
        .args([HOST, "generate"])
        .args(args)
        .assert()
        .success();
    let after = rows(db);
    assert_eq!(after.len(), before + 1, "{args:?}");
    (
        String::from_utf8(out.get_output().stdout.clone()).unwrap(),
        stderr_of(&out),
        after[before][0].clone(),
    )
}

#[test]
fn generate_prints_mod_invites_landing_page() {
    let (config, db) = ejabberd_on_sqlite_with(INVITES_LISTENER, "    landing_page: auto\n");
    let (out, err, token) = generate(&config, &db, &[]);
    assert_eq!(out, format!("https://{HOST}:5443/invites/{token}\n"));
    assert_eq!(err, "");
    let (out, _, token) = generate(
        &config,
        &db,
        &["--json", "--contact", "alice", "--no-register"],
    );
    let made: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let page = format!("https://{HOST}:5443/invites/{token}");
    assert_eq!(
        (&made["landing_page"], &made["link"]),
        (&page.clone().into(), &page.into())
    );
    assert_eq!(
        made["uri"],
        format!("xmpp:alice@{HOST}?roster;preauth={token}")
    );

    let (config, db) = ejabberd_on_sqlite_with(
        "",
        "    landing_page: \"https://@HOST@/join/#{{ invite.uri|strip_protocol }}\"\n",
    );
    let (out, _, token) = generate(&config, &db, &["--reset", "bob"]);
    assert_eq!(
        out,
        format!("https://{HOST}/join/#bob@{HOST}?register;preauth={token}\n")
    );
}

#[test]
fn landing_page_overrides_mod_invites_in_its_syntax() {
    let (config, db) = ejabberd_on_sqlite_with(
        INVITES_LISTENER,
        "    landing_page: \"https://elsewhere.example/{{ invite.token }}\"\n",
    );
    let (out, _, token) = generate(
        &config,
        &db,
        &[
            "--landing-page",
            "https://{{ host }}/i/?u={{ invite.uri|urlencode }}",
        ],
    );
    assert_eq!(
        out,
        format!("https://{HOST}/i/?u=xmpp%3A{HOST}%3Fregister%3Bpreauth%3D{token}\n")
    );
    let (out, _, token) = generate(&config, &db, &["--landing-page", "auto"]);
    assert_eq!(out, format!("https://{HOST}:5443/invites/{token}\n"));
    for none in ["", "none"] {
        let (out, _, token) = generate(&config, &db, &["--landing-page", none]);
        assert_eq!(out, format!("xmpp:{HOST}?register;preauth={token}\n"));
    }
    // Prosody's syntax is not ejabberd's: refused, not printed as text.
    let before = std::fs::read(&db).unwrap();
    for bad in [
        "https://{host}/i/{invite.token}",
        "https://{{ host }}/{{ invite.secret }}",
    ] {
        let out = invitectl()
            .arg("--config")
            .arg(&config.path)
            .args([HOST, "generate", "--landing-page", bad])
            .assert()
            .code(USAGE)
            .stdout("");
        let stderr = stderr_of(&out);
        assert!(
            stderr.starts_with("invitectl: invalid landing-page template"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing written");
}

#[test]
fn auto_without_a_listener_warns_and_gives_uris_as_ejabberd_does() {
    let (config, db) = ejabberd_on_sqlite_with("", "    landing_page: auto\n");
    let (out, err, token) = generate(&config, &db, &[]);
    assert_eq!(out, format!("xmpp:{HOST}?register;preauth={token}\n"));
    assert!(
        err.starts_with("invitectl: warning: ")
            && err.contains("no ejabberd_http listener has mod_invites")
            && err.lines().count() == 1,
        "{err}"
    );
    // Asked for on the command line, it is an error that writes nothing.
    let before = std::fs::read(&db).unwrap();
    let fail = |config: &EjabberdYml, args: &[&str]| {
        let out = invitectl()
            .arg("--config")
            .arg(&config.path)
            .args([HOST, "generate"])
            .args(args)
            .assert()
            .code(FAILURE)
            .stdout("");
        let stderr = stderr_of(&out);
        assert!(
            stderr.starts_with("invitectl: ") && stderr.lines().count() == 1,
            "{stderr}"
        );
        stderr
    };
    let line = fail(&config, &["--landing-page", "auto"]);
    assert!(
        line.contains("no ejabberd_http listener has mod_invites"),
        "{line}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing written");
    // Two listeners: ejabberd's pick is its table's order, not the file's.
    let two = format!("{INVITES_LISTENER}  -\n    port: 5280\n    module: ejabberd_http\n    request_handlers:\n      /invites: mod_invites\n");
    let (config, db) = ejabberd_on_sqlite_with(&two, "    landing_page: auto\n");
    let before = std::fs::read(&db).unwrap();
    let line = fail(&config, &[]);
    assert!(
        line.contains("https://@HOST@:5443/invites/, http://@HOST@:5280/invites/"),
        "{line}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing written");
    // A configured template invitectl cannot render as ejabberd does.
    let (config, db) = ejabberd_on_sqlite_with(
        "",
        "    landing_page: \"https://@HOST@/{% if 1 %}{{ invite.token }}{% endif %}\"\n",
    );
    let before = std::fs::read(&db).unwrap();
    let line = fail(&config, &[]);
    assert!(
        line.contains("mod_invites.landing_page") && line.contains("tag"),
        "{line}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing written");
}

#[test]
fn check_config_shows_the_landing_page_auto_gives() {
    let (config, _db) = ejabberd_on_sqlite_with(INVITES_LISTENER, "    landing_page: auto\n");
    let report = run_ok(&config, &["check-config"]);
    assert!(
        report.contains(&format!("ok: landing page https://{HOST}:5443/invites/{{{{ invite.token }}}} (landing_page: auto")),
        "{report}"
    );
    // A template ejabberd's own pages fail with, when it serves them.
    let page = "    landing_page: \"https://@HOST@/#{{ invite.uri|strip_protocol }}\"\n";
    let warning = "warning: ejabberd 26.07 serves no invite page of its own";
    let (config, _db) = ejabberd_on_sqlite_with(INVITES_LISTENER, page);
    let report = run_ok(&config, &["check-config"]);
    assert!(report.contains(warning), "{report}");
    let (config, _db) = ejabberd_on_sqlite_with("", page);
    let report = run_ok(&config, &["check-config"]);
    assert!(!report.contains(warning), "{report}");
    let (config, _db) = ejabberd_on_sqlite_with("", "    landing_page: auto\n");
    let report = run_ok(&config, &["check-config"]);
    assert!(
        report.contains("warning: ")
            && report.contains("no ejabberd_http listener has mod_invites"),
        "{report}"
    );
}

/// An API listener that nothing answers on (ejabberd stopped): one line,
/// a runtime failure, nothing written.
#[test]
fn mnesia_with_the_server_stopped_is_one_line() {
    let port = crate::support::ports::free_port();
    let config = EjabberdYml::new(&format!(
        "listen:\n  - {{port: {port}, ip: 127.0.0.1, module: ejabberd_http, request_handlers: {{/api: mod_http_api}}}}\nmodules:\n  mod_invites: {{}}\n"
    ));
    for command in [&["generate"][..], &["list"]] {
        let line = config.refused(HOST, command, FAILURE);
        assert!(
            line.contains(&format!(
                "http://127.0.0.1:{port}/api: ejabberd's API did not answer"
            )),
            "{line}"
        );
    }
}

/// ejabberd keeps used invites, and counts them against its own cap:
/// `expire` keeps them, `expire --used` removes them too (and with
/// `--dry-run` lists exactly what it would remove). Other hosts' rows stay.
#[test]
fn expire_used_removes_the_used_invites_too() {
    let (config, db) = ejabberd_on_sqlite();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(&format!(
            "INSERT INTO invite_token VALUES
               ('expired-unused', '', '{HOST}', '', '2026-01-01 00:00:00', '2026-01-02 00:00:00', 'A', ''),
               ('valid-used-one', '', '{HOST}', 'bob@{HOST}', '2026-01-01 00:00:00', '2999-01-02 00:00:00', 'A', 'bob'),
               ('valid-unused-1', '', '{HOST}', '', '2026-01-01 00:00:00', '2999-01-02 00:00:00', 'A', '');"
        ))
        .unwrap();
    let tokens = |out: &str| -> Vec<String> {
        let mut t: Vec<String> = out
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["token"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        t.sort();
        t
    };
    let dry = run_ok(&config, &["expire", "--used", "--dry-run", "--json"]);
    assert_eq!(tokens(&dry), ["expired-unused", "valid-used-one"]);
    assert_eq!(rows(&db).len(), 4, "a dry run removes nothing");
    assert_eq!(run_ok(&config, &["expire"]), "removed 1 expired invite\n");
    assert_eq!(
        run_ok(&config, &["expire", "--used", "--json"]),
        "{\"removed\":1}\n"
    );
    let left: Vec<String> = rows(&db).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(left, ["otherhosttoken", "valid-unused-1"]);
}

/// On ejabberd's default `access_create_account: none`, the server refuses
/// a contact invite that would create an account (seen in the interop
/// suite): `generate --contact` says so and writes nothing, while
/// `--no-register` makes the roster invite it honours.
#[test]
fn a_contact_invite_that_registers_needs_access_create_account() {
    let (config, db) = ejabberd_on_sqlite();
    let out = invitectl()
        .arg("--config")
        .arg(&config.path)
        .args([HOST, "generate", "--contact", "alice"])
        .assert()
        .code(USAGE)
        .stdout("");
    let line = stderr_of(&out);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("access_create_account: none") && line.contains("--no-register"),
        "{line}"
    );
    assert_eq!(rows(&db).len(), 1, "nothing was written");
    run_ok(
        &config,
        &["generate", "--contact", "alice", "--no-register"],
    );
    let all = rows(&db);
    assert_eq!((all[1][1].as_str(), all[1][6].as_str()), ("alice", "R"));
}

/// ejabberd makes its SQLite database when it starts: where the
/// configuration names one that is not there yet, `generate` makes none
/// (a Prosody table there would be read by no one).
#[test]
fn a_missing_sqlite_database_is_not_made() {
    let config = EjabberdYml::new("default_db: sql\nsql_type: sqlite\nsql_database: DIR/none.db\n");
    let text = std::fs::read_to_string(&config.path)
        .unwrap()
        .replace("DIR", &config.dir.path().display().to_string());
    std::fs::write(&config.path, text).unwrap();
    let line = config.refused(HOST, &["generate"], FAILURE);
    assert!(
        line.contains("none.db: no database here yet: ejabberd makes it"),
        "{line}"
    );
}
