//! The reader on configurations written as admins write them: Debian's
//! shape, includes, macros, per-host options.

use std::fs;
use std::path::PathBuf;

use super::*;

/// Writes `files` (name, text) into a new folder; the first is the main one.
fn config_of(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a folder");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("writing");
    }
    let main = dir.path().join(files[0].0);
    (dir, main)
}

fn load(files: &[(&str, &str)]) -> Result<EjabberdConfig, EjabberdConfigError> {
    let (dir, main) = config_of(files);
    let config = EjabberdConfig::load(&main);
    drop(dir);
    config
}

/// The parts of Debian's ejabberd.yml (26.07) that matter here, SQL
/// added as its comments describe.
const DEBIAN_LIKE: &str = r#"
hosts:
  - localhost
  - example.com

loglevel: info

certfiles:
  - "/etc/ejabberd/*.pem"

listen:
  -
    port: 5222
    ip: "::"
    module: ejabberd_c2s

sql_type: sqlite
default_db: sql

modules:
  mod_adhoc: {}
  mod_invites:
    landing_page: auto
    token_expire_seconds: 86400
  mod_register:
    ip_access: trusted_network
    allow_modules:
      - mod_invites
  mod_roster:
    versioning: true
"#;

#[test]
fn debian_like_configuration() {
    let config = load(&[("ejabberd.yml", DEBIAN_LIKE)]).unwrap();
    assert_eq!(config.hosts(), ["localhost", "example.com"]);
    let host = config.host("EXAMPLE.com").expect("case does not matter");
    assert_eq!(host.name(), "example.com");
    let invites = host.invites().unwrap().expect("mod_invites is loaded");
    assert_eq!(
        invites,
        InvitesModule {
            token_expire_seconds: 86_400,
            landing_page: LandingPage::Auto,
            access_create_account: "none".into(),
            max_invites: None,
            db_type: None,
        }
    );
    assert_eq!(host.register_allows_invites().unwrap(), Some(true));
    let InviteDb::Sql(sql) = host.invite_db().unwrap() else {
        panic!("default_db: sql")
    };
    assert_eq!(sql.sql_type, SqlType::Sqlite);
    assert_eq!(
        sql.sqlite_file,
        Some(PathBuf::from("/var/lib/ejabberd/sqlite/example.com.sqlite"))
    );
    assert!(config.host("other.org").is_none());
}

#[test]
fn defaults_are_ejabberds() {
    let config = load(&[("e.yml", "hosts: [a.example]\nmodules:\n  mod_invites: {}\n")]).unwrap();
    let host = config.host("a.example").unwrap();
    assert_eq!(host.invite_db().unwrap(), InviteDb::Mnesia);
    let invites = host.invites().unwrap().unwrap();
    assert_eq!(invites.token_expire_seconds, 5 * 86_400);
    assert_eq!(invites.landing_page, LandingPage::None);
    assert_eq!(
        host.register_allows_invites().unwrap(),
        None,
        "no mod_register"
    );
    let sql = host.sql().unwrap();
    assert_eq!(
        (
            sql.sql_type,
            sql.server.as_str(),
            sql.port,
            sql.database.as_str(),
            sql.username.as_str()
        ),
        (SqlType::Odbc, "localhost", None, "ejabberd", "ejabberd")
    );
}

#[test]
fn host_config_overrides_and_append_host_config_joins() {
    let text = r#"
hosts: [a.example, b.example]
default_db: mnesia
sql_type: pgsql
sql_server: db.internal
sql_password: "s3cret"
modules:
  mod_roster: {}
host_config:
  b.example:
    default_db: sql
    sql_database: "b_@HOST_URL_ENCODE@"
append_host_config:
  b.example:
    modules:
      mod_invites:
        max_invites: 10
        landing_page: "https://invite.example/{{ invite.token }}?h=@HOST@"
"#;
    let config = load(&[("e.yml", text)]).unwrap();
    let a = config.host("a.example").unwrap();
    assert_eq!(a.invite_db().unwrap(), InviteDb::Mnesia);
    assert_eq!(a.invites().unwrap(), None, "mod_invites only on b");
    let b = config.host("b.example").unwrap();
    let InviteDb::Sql(sql) = b.invite_db().unwrap() else {
        panic!("b is on SQL")
    };
    assert_eq!(sql.sql_type, SqlType::Pgsql);
    assert_eq!(sql.server, "db.internal");
    assert_eq!(sql.port, Some(5432));
    assert_eq!(sql.database, "b_b.example");
    assert_eq!(sql.password.expose(), "s3cret");
    assert!(
        !format!("{sql:?}").contains("s3cret"),
        "Debug hides the password"
    );
    let invites = b.invites().unwrap().unwrap();
    assert_eq!(invites.max_invites, Some(10));
    assert_eq!(
        invites.landing_page,
        LandingPage::Template("https://invite.example/{{ invite.token }}?h=b.example".into())
    );
}

#[test]
fn includes_and_macros() {
    let main = r#"
hosts: [MAIN_HOST]
define_macro:
  MAIN_HOST: chat.example
  DB: /srv/ejabberd/db.sqlite
include_config_file:
  sql.yml:
    allow_only: [sql_type, sql_database, default_db]
  modules.yml: {}
"#;
    let sql = "sql_type: sqlite\nsql_database: DB\ndefault_db: sql\nhosts: [ignored.example]\n";
    let modules = "modules:\n  mod_invites:\n    token_expire_seconds: 60\n";
    let config = load(&[
        ("main.yml", main),
        ("sql.yml", sql),
        ("modules.yml", modules),
    ])
    .unwrap();
    assert_eq!(
        config.hosts(),
        ["chat.example"],
        "allow_only keeps hosts out"
    );
    let host = config.host("chat.example").unwrap();
    let InviteDb::Sql(settings) = host.invite_db().unwrap() else {
        panic!("on SQL")
    };
    assert_eq!(
        settings.sqlite_file,
        Some(PathBuf::from("/srv/ejabberd/db.sqlite")),
        "the macro is replaced in an included file's option"
    );
    assert_eq!(host.invites().unwrap().unwrap().token_expire_seconds, 60);
}

#[test]
fn repeated_lists_join_and_repeated_values_are_refused() {
    let main = "hosts: [a.example]\ninclude_config_file: [more.yml]\n";
    let config = load(&[("main.yml", main), ("more.yml", "hosts: [b.example]\n")]).unwrap();
    assert_eq!(config.hosts(), ["a.example", "b.example"]);
    let err = load(&[
        (
            "main.yml",
            "hosts: [a]\ndefault_db: sql\ninclude_config_file: more.yml\n",
        ),
        ("more.yml", "default_db: mnesia\n"),
    ])
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("`default_db` is set more than once"),
        "{err}"
    );
}

#[test]
fn an_include_cycle_ends() {
    let config = load(&[
        ("a.yml", "hosts: [a.example]\ninclude_config_file: b.yml\n"),
        ("b.yml", "include_config_file: a.yml\nloglevel: info\n"),
    ])
    .unwrap();
    assert_eq!(config.hosts(), ["a.example"]);
}

#[test]
fn bad_configurations_are_errors_without_values() {
    let cases: &[(&str, &str)] = &[
        ("sql_password: [s3cret\n", "e.yml"),
        ("- a\n- b\n", "not a mapping"),
        ("loglevel: info\n", "`hosts` should be a list"),
        (
            "hosts: [a]\ninclude_config_file: missing.yml\n",
            "cannot read",
        ),
        (
            "hosts: [a]\ndefault_db: sql\nsql_type: oracle\n",
            "`sql_type` should be",
        ),
        (
            "hosts: [a]\ndefault_db: sql\nsql_type: sqlite\nsql_database: \"@LOG_PATH@/x\"\n",
            "@LOG_PATH@",
        ),
        (
            "hosts: [a]\ndefault_db: sql\nsql_port: 70000\nsql_type: pgsql\n",
            "`sql_port` should be",
        ),
    ];
    for (text, expected) in cases {
        let result = load(&[("e.yml", text)])
            .and_then(|c| c.host("a").map_or(Ok(()), |h| h.invite_db().map(|_| ())));
        let err = result.expect_err(text);
        let message = err.to_string();
        assert!(message.contains(expected), "{text}: {message}");
        assert!(!message.contains("s3cret"), "{message}");
    }
}

#[test]
fn module_options_of_the_wrong_kind_are_errors() {
    for (options, key) in [
        ("token_expire_seconds: -1", "token_expire_seconds"),
        ("landing_page: [x]", "landing_page"),
        ("max_invites: lots", "max_invites"),
    ] {
        let text = format!("hosts: [a]\nmodules:\n  mod_invites:\n    {options}\n");
        let config = load(&[("e.yml", &text)]).unwrap();
        let err = config.host("a").unwrap().invites().unwrap_err();
        assert!(err.to_string().contains(key), "{err}");
    }
}
