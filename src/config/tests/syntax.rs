//! The reading rules, one small configuration each.

use super::{load, load_ok};
use crate::config::{ConfigError, Period, SectionKind, Unreadable};
use crate::lua::Value;

fn int(v: Option<crate::config::Located<&Value>>) -> Option<i64> {
    v.and_then(|l| l.value.as_int())
}

#[test]
fn sections_follow_section_lines() {
    let (_dir, config) = load_ok(
        r#"
        a = 1; b = 1
        VirtualHost "one.example"
            b = 2
            c = 2
        Component "muc.one.example" "muc"
            c = 3
        host "Two.Example"
            a = 4;
        "#,
    );
    let one = config.host("one.example").expect("one");
    assert_eq!(int(one.raw("a").expect("reads")), Some(1), "global");
    assert_eq!(int(one.raw("b").expect("reads")), Some(2), "own");
    assert_eq!(
        int(one.raw("c").expect("reads")),
        Some(2),
        "the component's c is not one's"
    );
    let two = config.host("two.example").expect("nameprepped");
    assert_eq!(int(two.raw("a").expect("reads")), Some(4));
    assert_eq!(int(two.raw("c").expect("reads")), None);
    assert_eq!(
        config.section_kind("muc.one.example"),
        Some(&SectionKind::Component {
            module: Some("muc".into())
        })
    );
}

#[test]
fn option_tables_after_section_lines() {
    let (_dir, config) = load_ok(
        r#"
        VirtualHost "x.example" { storage = "sql", enabled = false }
        after = 1
        Component ("c.example") "muc" { restrict_room_creation = true }
        later = 2
        "#,
    );
    let x = config.host("x.example").expect("x");
    assert_eq!(
        x.storage_driver("invite_token")
            .expect("reads")
            .map(|d| d.value),
        Some("sql".into())
    );
    assert!(!x.enabled().expect("reads"));
    assert_eq!(
        int(x.raw("after").expect("reads")),
        Some(1),
        "back to global"
    );
    assert_eq!(
        int(x.raw("later").expect("reads")),
        Some(2),
        "back to global"
    );
    assert_eq!(x.raw("restrict_room_creation").expect("reads"), None);
}

#[test]
fn includes_start_global_and_come_back() {
    let (dir, config) = load(&[
        (
            "prosody.cfg.lua",
            "VirtualHost \"a.example\"\nInclude \"./conf.d/storage.lua\"\nmine = true\n",
        ),
        (
            "conf.d/storage.lua",
            "storage = \"sql\"\nVirtualHost \"b.example\"\nown = 1\n",
        ),
    ]);
    let config = config.expect("loads");
    let a = config.host("a.example").expect("a");
    let storage = a
        .storage_driver("invite_token")
        .expect("reads")
        .expect("set");
    assert_eq!(storage.value, "sql");
    assert_eq!(storage.origin.file, dir.path().join("./conf.d/storage.lua"));
    assert_eq!(
        a.raw("mine").expect("reads").map(|v| v.value.clone()),
        Some(Value::Bool(true))
    );
    assert_eq!(a.raw("own").expect("reads"), None);
    assert!(config.host("b.example").is_some());
}

#[test]
fn absolute_includes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let other = dir.path().join("other.lua");
    std::fs::write(&other, "x = 5").expect("write");
    let main = format!(
        "Include {:?}\nVirtualHost \"h.example\"",
        other.display().to_string()
    );
    let (_d, config) = load_ok(&main);
    let h = config.host("h.example").expect("h");
    assert_eq!(int(h.raw("x").expect("reads")), Some(5));
}

#[test]
fn include_problems_are_errors_with_their_line() {
    type Files<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Files, &str, usize); 5] = [
        (
            &[("prosody.cfg.lua", "\nInclude \"missing.lua\"")],
            "does not exist",
            2,
        ),
        (
            &[("prosody.cfg.lua", "Include \"nodir/*.lua\"")],
            "cannot list",
            1,
        ),
        (
            &[("prosody.cfg.lua", "Include(ENV_X .. \".lua\")")],
            "expression",
            1,
        ),
        (
            &[
                ("prosody.cfg.lua", "Include \"a.lua\""),
                ("a.lua", "\n\nInclude \"prosody.cfg.lua\""),
            ],
            "cycle",
            3,
        ),
        (
            &[("prosody.cfg.lua", "Include \"prosody.cfg.lua\"")],
            "cycle",
            1,
        ),
    ];
    for (files, needle, line) in cases {
        match load(files).1 {
            Err(ConfigError::Include { origin, message }) => {
                assert!(message.contains(needle), "{message}");
                assert_eq!(origin.line, line, "{message}");
            }
            other => panic!("{files:?}: {other:?}"),
        }
    }
}

#[test]
fn includes_may_not_nest_forever() {
    let files: Vec<(String, String)> = (0..20)
        .map(|i| (format!("f{i}.lua"), format!("Include \"f{}.lua\"", i + 1)))
        .chain([("f20.lua".to_owned(), String::new())])
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let err = load(&files).1.expect_err("too deep");
    assert!(err.to_string().contains("nest deeper"), "{err}");
}

#[test]
fn syntax_errors_name_file_and_line() {
    let (dir, config) = load(&[
        ("prosody.cfg.lua", "a = 1\nInclude \"bad.lua\""),
        ("bad.lua", "-- fine\nok = true\nstorage = = \"sql\"\n"),
    ]);
    match config {
        Err(ConfigError::Syntax { origin, message }) => {
            assert_eq!(origin.file, dir.path().join("bad.lua"));
            assert_eq!(origin.line, 3);
            assert!(message.contains("'='"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    for bad in [
        "x = \"open",
        "end",
        "if x then y = 1",
        "VirtualHost",
        "f(",
        "1 = 2",
        "x = 1 +",
        "x",
        "a.b",
        "x y = 1",
    ] {
        assert!(
            matches!(load(&[("p.lua", bad)]).1, Err(ConfigError::Syntax { .. })),
            "{bad}"
        );
    }
}

#[test]
fn code_is_stepped_over() {
    let (_dir, config) = load_ok(
        r#"
        Log("info", "starting")
        local x <const> = 5
        local storage = "sql" -- a local, not an option
        local function helper(a) if a then return a end return nil end
        function global_helper() storage = "sql" end
        for i = 1, 3 do print(i) end
        for k, v in pairs({}) do end
        repeat local n = 1 until true
        while false do end
        do ::top:: goto done ::done:: end
        print [[long
        string]] ; print "s" ; print { 1, 2 }
        ("%d"):format(3)
        a.b.c = 1
        t, u = 1
        data_path = "/srv/prosody" --[[ comment ]] pidfile = "p.pid"
        VirtualHost "h.example"
        return
        "#,
    );
    let h = config.host("h.example").expect("h");
    assert_eq!(
        h.storage_driver("invite_token").expect("reads"),
        None,
        "locals are no options"
    );
    assert_eq!(int(h.raw("t").expect("reads")), Some(1));
    assert_eq!(h.raw("u").expect("reads"), None, "nil");
    let data = config.data_path().expect("reads").expect("set");
    assert_eq!(data.value.to_str(), Some("/srv/prosody"));
    assert_eq!(data.origin.line, 17);
    assert!(config.pidfile().expect("reads").is_some());
    assert!(matches!(
        h.raw("global_helper"),
        Err(ConfigError::Unreadable { .. })
    ));
}

#[test]
fn settings_in_blocks_are_conditional() {
    let (_dir, config) = load_ok(
        "storage = \"internal\"\nif ENV_X then\n  storage = \"sql\"\nend\nVirtualHost \"h.example\"",
    );
    let h = config.host("h.example").expect("h");
    match h.storage_driver("invite_token") {
        Err(ConfigError::Unreadable {
            key,
            origin,
            reason,
        }) => {
            assert_eq!(
                (key.as_str(), origin.line, reason),
                ("storage", 3, Unreadable::Conditional)
            );
        }
        other => panic!("{other:?}"),
    }
    for code in [
        "if x then VirtualHost \"a\" end",
        "for i=1,2 do Include \"x\" end",
    ] {
        assert!(
            matches!(load(&[("p.lua", code)]).1, Err(ConfigError::Syntax { .. })),
            "{code}"
        );
    }
}

#[test]
fn storage_per_store_and_defaults() {
    let (_dir, config) = load_ok(
        r#"
        storage = { invite_token = "sql", roster = "sql2" }
        default_storage = "memory"
        VirtualHost "h.example"
        VirtualHost "old.example"
            storage = "sql2"
        "#,
    );
    let h = config.host("h.example").expect("h");
    let driver = |store| h.storage_driver(store).expect("reads").map(|d| d.value);
    assert_eq!(driver("invite_token").as_deref(), Some("sql"));
    assert_eq!(driver("roster").as_deref(), Some("sql"));
    assert_eq!(driver("accounts").as_deref(), Some("memory"));
    let old = config.host("old.example").expect("old");
    assert_eq!(
        old.storage_driver("x")
            .expect("reads")
            .map(|d| d.value)
            .as_deref(),
        Some("sql")
    );
}

#[test]
fn nil_removes_a_host_setting() {
    let (_dir, config) = load_ok("x = 1\nVirtualHost \"h.example\"\nx = 2\nx = nil");
    let h = config.host("h.example").expect("h");
    assert_eq!(int(h.raw("x").expect("reads")), Some(1));
    assert!(config
        .warnings()
        .iter()
        .any(|w| w.contains("duplicate option 'x'")));
}

#[test]
fn sql_settings() {
    let (_dir, config) = load_ok(
        r#"
        data_path = "/srv/prosody"
        sql = { driver = "SQLite3", database = "invites.sqlite" }
        VirtualHost "h.example"
        VirtualHost "pg.example"
            sql = { driver = "PostgreSQL"; database = "prosody"; host = "db"; port = 5433;
                    username = "prosody"; password = ENV_DB_PASSWORD }
        "#,
    );
    let h = config.host("h.example").expect("h");
    let sql = h.sql().expect("reads").expect("set");
    let data = config.data_path().expect("reads").expect("set").value;
    assert_eq!(
        sql.value.sqlite_path(&data),
        Some(data.join("invites.sqlite"))
    );
    let pg = config.host("pg.example").expect("pg");
    let sql = pg.sql().expect("reads").expect("set");
    assert_eq!(sql.value.port, Some(5433));
    assert_eq!(sql.value.password, None);
    assert_eq!(sql.value.unreadable, ["password"]);
    assert!(sql.value.require_readable("password", &sql.origin).is_err());
}

#[test]
fn passwords_never_show() {
    let secret = "hunter2-very-secret";
    let (_dir, config) = load_ok(&format!(
        "sql = {{ driver = \"MySQL\", password = \"{secret}\", port = \"{secret}\" }}\n\
         VirtualHost \"h.example\"\nsql2 = {{ password = \"{secret}\", port = {{}} }}"
    ));
    let h = config.host("h.example").expect("h");
    let err = h.sql().expect_err("bad port");
    assert!(!err.to_string().contains(secret), "{err}");
    assert!(!format!("{err:?}").contains(secret), "{err:?}");
    assert!(!format!("{config:?}").contains(secret));
    assert!(!format!("{h:?}").contains(secret));
    let (_dir, config) = load_ok(&format!(
        "sql = {{ driver = \"MySQL\", password = \"{secret}\" }}\nVirtualHost \"h\""
    ));
    let sql = config
        .host("h")
        .expect("h")
        .sql()
        .expect("reads")
        .expect("set");
    assert!(!format!("{sql:?}").contains(secret));
    assert_eq!(
        sql.value.password.as_ref().map(|p| p.expose()),
        Some(secret)
    );
}

#[test]
fn invite_expiry_forms() {
    let cases: [(&str, Option<Period>); 8] = [
        ("604800", Some(Period::Seconds(604_800))),
        ("86400.9", Some(Period::Seconds(86_400))),
        ("\"1 week\"", Some(Period::Seconds(604_800))),
        ("\"7 days\"", Some(Period::Seconds(604_800))),
        ("\"never\"", Some(Period::Never)),
        ("false", Some(Period::Never)),
        ("{ \"1 day\" }", Some(Period::Seconds(86_400))),
        ("0x10", Some(Period::Seconds(16))),
    ];
    for (value, expected) in cases {
        let (_dir, config) = load_ok(&format!("invite_expiry = {value}\nVirtualHost \"h\""));
        let got = config
            .host("h")
            .expect("h")
            .invite_expiry()
            .expect(value)
            .map(|p| p.value);
        assert_eq!(got, expected, "{value}");
    }
    for bad in ["-1", "\"soon\"", "true", "{}"] {
        let (_dir, config) = load_ok(&format!("invite_expiry = {bad}\nVirtualHost \"h\""));
        let err = config.host("h").expect("h").invite_expiry().expect_err(bad);
        assert!(matches!(err, ConfigError::WrongType { .. }), "{bad}: {err}");
    }
}

#[test]
fn booleans_like_prosody() {
    for (value, expected) in [
        ("true", true),
        ("\"false\"", false),
        ("1", true),
        ("0", false),
    ] {
        let (_dir, config) = load_ok(&format!("allow_registration = {value}\nVirtualHost \"h\""));
        let got = config
            .host("h")
            .expect("h")
            .allow_registration()
            .expect(value);
        assert_eq!(got.map(|b| b.value), Some(expected), "{value}");
    }
    let (_dir, config) = load_ok("allow_user_invites = \"yes\"\nVirtualHost \"h\"");
    assert!(config.host("h").expect("h").allow_user_invites().is_err());
}

#[test]
fn modules_per_host() {
    let (_dir, config) = load_ok(
        r#"
        modules_enabled = { "invites", "register" }
        modules_disabled = { "s2s" }
        VirtualHost "a.example"
            modules_enabled = { "invites_register" }
            modules_disabled = { "register" }
        VirtualHost "b.example"
        "#,
    );
    let a = config.host("a.example").expect("a");
    assert!(a.is_module_enabled("invites").expect("reads"), "global");
    assert!(
        a.is_module_enabled("invites_register").expect("reads"),
        "own"
    );
    assert!(
        !a.is_module_enabled("register").expect("reads"),
        "disabled here"
    );
    assert!(
        !a.is_module_enabled("s2s").expect("reads"),
        "disabled globally"
    );
    assert!(a.is_module_enabled("c2s").expect("reads"), "automatic");
    let b = config.host("b.example").expect("b");
    assert!(b.is_module_enabled("register").expect("reads"));
    assert!(!b.is_module_enabled("invites_register").expect("reads"));
    let listed = a.modules_enabled().expect("reads").expect("set").value;
    assert_eq!(listed, ["invites_register"]);
}

#[test]
fn host_names_are_checked() {
    let (_dir, config) = load(&[("p.lua", "VirtualHost \"\u{e000}.example\"")]);
    assert!(matches!(config, Err(ConfigError::Host { .. })));
    let (_dir, config) = load(&[("p.lua", "VirtualHost \"x\"\nComponent \"x\"")]);
    assert!(matches!(config, Err(ConfigError::Host { .. })));
}

#[test]
fn missing_main_file_is_an_io_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = crate::config::Config::load(dir.path().join("nope.cfg.lua")).expect_err("missing");
    assert!(matches!(err, ConfigError::Io { .. }), "{err}");
}
