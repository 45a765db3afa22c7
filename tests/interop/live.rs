//! Beside a running Prosody on SQLite or file storage: which way invitectl
//! reaches the store, and that every command keeps its promises through
//! the server's admin socket.
//!
//! - the running server does the writes: generate (one invite, and
//!   thousands in chunks), show, list, revoke, expire and check-config,
//!   and the server honours the invites and logs no error;
//! - on Prosody 13 with `sqlite_tune = "normal"` (WAL), check-config says
//!   so and `list` reads the database directly;
//! - stopped, or killed with SIGKILL (a stale socket and pid file left),
//!   the server is not running: the direct path, and the invite registers
//!   once the server is back;
//! - running without `admin_shell`: writes are refused in one line,
//!   naming the fix, with nothing written, unless `--via store`;
//! - text full of Lua, SQL and XML syntax in every text field is stored
//!   byte for byte and never run.

use std::collections::HashSet;

use std::cell::RefCell;

use invitectl::admin_shell::{Connection, InviteStore, Records};
use invitectl::store::{ProsodyServer, Route, Via};
use invitectl::{Error, Host, InviteRequest, Location, OpenMode, Store};
use serde_json::Value;

use crate::harness::{self, Options, Server, Storage, Version, HOST};
use crate::scenarios::register_ok;

/// One test per server generation and storage for each `NAME(&mut Server)`.
macro_rules! beside_every_server {
    ($($name:ident),* $(,)?) => {
        mod prosody_0_12 {
            $( #[test] fn $name() { super::run(super::Version::V012, super::Storage::Sql, "", super::$name) } )*
        }
        mod prosody_13 {
            $( #[test] fn $name() { super::run(super::Version::V13, super::Storage::Sql, "", super::$name) } )*
        }
        mod prosody_0_12_files {
            $( #[test] fn $name() { super::run(super::Version::V012, super::Storage::Internal, "", super::$name) } )*
        }
        mod prosody_13_files {
            $( #[test] fn $name() { super::run(super::Version::V13, super::Storage::Internal, "", super::$name) } )*
        }
    };
}

beside_every_server!(
    the_running_server_does_the_writes,
    the_library_takes_the_same_way,
    a_stopped_server_means_the_direct_path,
    a_killed_server_means_the_direct_path,
    hostile_text_is_stored_and_never_run,
);

/// One test per listed server for a test function given extra
/// configuration: `MODULE::prosody_0_12` and so on.
macro_rules! on_servers {
    ($module:ident, $extra:expr, $test:ident: $($name:ident => $version:ident, $storage:ident);+ $(;)?) => {
        mod $module {
            $( #[test] fn $name() {
                super::run(super::Version::$version, super::Storage::$storage, $extra, super::$test)
            } )+
        }
    };
}

// SQLite: a row removed only while byte for byte as read.
on_servers!(sqlite_rows, "", a_changed_row_stays:
    prosody_0_12 => V012, Sql;
    prosody_13 => V13, Sql;
);

/// The configuration of a server without `admin_shell`.
const NO_SHELL: &str = "modules_disabled = { \"s2s\"; \"offline\"; \"admin_shell\" }\n";

// Without `admin_shell`, on both generations and storages.
on_servers!(without_admin_shell, super::NO_SHELL, refused_without_the_socket:
    prosody_0_12 => V012, Sql;
    prosody_13 => V13, Sql;
    prosody_0_12_files => V012, Internal;
    prosody_13_files => V13, Internal;
);

// A database the admin switched to WAL mode, on both generations.
on_servers!(in_wal_mode, "", wal_is_read_directly:
    prosody_0_12 => V012, Sql;
    prosody_13 => V13, Sql;
);

fn run(version: Version, storage: Storage, extra: &str, test: fn(&mut Server)) {
    let options = Options {
        storage,
        log_level: "info",
        extra_config: extra.to_owned(),
        ..Options::default()
    };
    if let Some(mut server) = harness::start_with(version, options) {
        test(&mut server);
        let log = server.log();
        let errors: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("Traceback") || l.contains("\terror\t"))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: the server logged an error:\n{}\n{}",
            server.version.label(),
            errors.join("\n"),
            server.diagnostics()
        );
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `invitectl --verbose ARGS`, which must succeed; returns (stdout, stderr).
fn verbose_ok(server: &Server, args: &[&str]) -> (String, String) {
    let mut all = vec!["--verbose"];
    all.extend_from_slice(args);
    let out = server.invitectl(&all);
    assert!(
        out.status.success(),
        "{}: invitectl {all:?} failed ({}): {}\n{}",
        server.version.label(),
        out.status,
        stderr(&out),
        server.diagnostics()
    );
    let err = stderr(&out);
    (String::from_utf8(out.stdout).expect("UTF-8"), err)
}

fn tokens_of(json_lines: &str) -> Vec<String> {
    json_lines
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON line");
            v["token"].as_str().expect("a token").to_owned()
        })
        .collect()
}

/// The host-level keys the server's store holds, read the assertions' way.
fn stored_keys(server: &Server) -> HashSet<String> {
    server
        .rows("invite_token", Some(""))
        .into_iter()
        .map(|r| r.key)
        .collect()
}

/// A client registers `user` with `token`, and the account exists.
fn registers(server: &Server, token: &str, user: &str) {
    register_ok(server, token, user, "pw");
    assert!(server.account_exists(user), "{user} was not created");
}

const THROUGH: &str = "through the running Prosody";

fn the_running_server_does_the_writes(server: &mut Server) {
    let label = server.version.label();
    // One invite: through the server, and honoured.
    let (out, err) = verbose_ok(server, &["generate", "--json"]);
    assert!(err.contains(THROUGH), "{label}: {err}");
    let one = tokens_of(&out).remove(0);
    assert!(stored_keys(server).contains(&one));
    let (shown, err) = verbose_ok(server, &["show", "--json", &one]);
    assert!(err.contains(THROUGH), "{label}: {err}");
    assert!(shown.contains(&one), "{shown}");
    registers(server, &one, "first");
    assert!(
        !stored_keys(server).contains(&one),
        "the server consumed it"
    );

    // Thousands, in many chunks, all stored, all listed.
    let (out, _) = verbose_ok(server, &["generate", "--json", "--count", "3000"]);
    let many = tokens_of(&out);
    assert_eq!(many.len(), 3000);
    let stored = stored_keys(server);
    assert!(
        many.iter().all(|t| stored.contains(t)),
        "{label}: a printed token is missing"
    );
    let (listed, err) = verbose_ok(server, &["list", "--json"]);
    assert!(err.contains(THROUGH), "{label}: {err}");
    let listed = tokens_of(&listed);
    assert_eq!(listed.len(), 3000);
    assert_eq!(
        listed.iter().collect::<HashSet<_>>(),
        many.iter().collect::<HashSet<_>>()
    );

    // A contact invite with no registration: only the inviter's record.
    let (out, _) = verbose_ok(
        server,
        &["generate", "--json", "--contact", "first", "--no-register"],
    );
    let contact = tokens_of(&out).remove(0);
    assert!(server
        .rows("invite_token", Some("first"))
        .iter()
        .any(|r| r.key == contact));

    // Revoke a thousand: gone; the others stay.
    let mut revoke = vec!["revoke"];
    revoke.extend(many[..1000].iter().map(String::as_str));
    verbose_ok(server, &revoke);
    let stored = stored_keys(server);
    assert!(many[..1000].iter().all(|t| !stored.contains(t)));
    assert!(many[1000..].iter().all(|t| stored.contains(t)));

    // Expire: only what has expired, counted.
    for token in &many[1000..1100] {
        server.set_invite_expiry(token, harness::now_unix() - 60);
    }
    let (out, _) = verbose_ok(server, &["expire", "--json"]);
    let removed: Value = serde_json::from_str(out.trim()).expect("expire --json");
    assert_eq!(removed["removed"], 100, "{label}: {out}");
    let stored = stored_keys(server);
    assert!(many[1000..1100].iter().all(|t| !stored.contains(t)));
    assert!(many[1100..].iter().all(|t| stored.contains(t)));
    assert!(
        server
            .rows("invite_token", Some("first"))
            .iter()
            .any(|r| r.key == contact),
        "the live contact invite stays"
    );

    // check-config tells the way.
    let out = server.invitectl_with_config(&["check-config"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains(&format!("ok: writes go {THROUGH}")),
        "{label}: {report}"
    );
    if server.storage == Storage::Sql {
        assert!(report.contains("rollback journal"), "{label}: {report}");
    }
    // And the invites still work.
    registers(server, &many[2999], "last");
}

fn wal_is_read_directly(server: &mut Server) {
    // Set by the admin while the server is stopped: WAL is a property of
    // the database file (Prosody 13's sqlite_tune cannot set it through
    // LuaDBI, which wraps every statement in a transaction).
    server.shut_down();
    let mode: String = server
        .db()
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .expect("switching to WAL");
    assert_eq!(mode, "wal");
    server.restart();
    let out = server.invitectl_with_config(&["check-config"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("WAL mode"), "{report}");
    let (out, _) = verbose_ok(server, &["generate", "--json", "--count", "500"]);
    let made = tokens_of(&out);
    let (listed, _) = verbose_ok(server, &["list", "--json"]);
    // All of them, read directly (the order among invites of one second
    // is the server's own order of writing them).
    let listed = tokens_of(&listed);
    assert_eq!(listed.len(), made.len());
    assert_eq!(
        listed.iter().collect::<HashSet<_>>(),
        made.iter().collect::<HashSet<_>>()
    );
    registers(server, &made[0], "walker");
}

fn a_stopped_server_means_the_direct_path(server: &mut Server) {
    server.shut_down();
    let (out, err) = verbose_ok(server, &["generate", "--json"]);
    assert!(err.contains("directly: Prosody is not running"), "{err}");
    let token = tokens_of(&out).remove(0);
    server.restart();
    registers(server, &token, "after_restart");
}

fn a_killed_server_means_the_direct_path(server: &mut Server) {
    server.crash();
    assert!(
        server.dir().join("prosody.sock").exists(),
        "a crash leaves the socket"
    );
    let started = std::time::Instant::now();
    let (out, err) = verbose_ok(server, &["generate", "--json"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(err.contains("directly: Prosody is not running"), "{err}");
    assert!(err.contains("refuses connections"), "{err}");
    // Given the configuration, the pid file left behind names no process.
    let out_cfg = server.invitectl_with_config(&["--verbose", "generate", "--json"]);
    assert!(out_cfg.status.success(), "{}", stderr(&out_cfg));
    let token = tokens_of(&out).remove(0);
    let second = tokens_of(&String::from_utf8_lossy(&out_cfg.stdout)).remove(0);
    server.restart();
    registers(server, &token, "after_crash");
    registers(server, &second, "after_crash_2");
}

fn refused_without_the_socket(server: &mut Server) {
    let before = server.rows("invite_token", None);
    let out = server.invitectl_with_config(&["generate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("invitectl: Prosody is running (pid "),
        "{err}"
    );
    assert!(err.contains("\"admin_shell\""), "{err}");
    assert!(err.contains("--via store"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(server.rows("invite_token", None), before, "nothing written");
    // Forced, the direct path works (and races the server, as told).
    let out = server.invitectl_with_config(&["--via", "store", "generate", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = tokens_of(&String::from_utf8_lossy(&out.stdout)).remove(0);
    registers(server, &token, "forced");
    // Asking for the server path alone fails too.
    let out = server.invitectl_with_config(&["--via", "server", "list"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// Quotes, long brackets, comments, backslashes, XML and SQL in every text
/// field: each stored and shown byte for byte, none run.
fn hostile_text_is_stored_and_never_run(server: &mut Server) {
    let hostile = "a\"b'c]]d]==]e--f\\g\\\"h<i>&j;k') ; os.exit(1) --[[ DROP TABLE prosody; --";
    let page = "https://example.com/{invite.token}?x=]]--\x27);os.exit(1)--[[".to_owned();
    let out = server.invitectl(&[
        "generate",
        "--json",
        "--note",
        hostile,
        "--group",
        hostile,
        "--role",
        hostile,
        "--landing-page",
        &page,
        "--username",
        "x]]--y",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stored_only = tokens_of(&String::from_utf8_lossy(&out.stdout)).remove(0);
    // The server refuses to register with a role it does not know, so the
    // invite that registers has every other field.
    let out = server.invitectl(&[
        "generate",
        "--json",
        "--note",
        hostile,
        "--group",
        hostile,
        "--landing-page",
        &page,
        "--username",
        "x]]--y",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = tokens_of(&String::from_utf8_lossy(&out.stdout)).remove(0);
    let shown = server.invitectl_ok(&["show", "--json", &stored_only]);
    let shown: Value = serde_json::from_str(shown.trim()).expect("show --json");
    assert_eq!(shown["note"], hostile, "{shown}");
    assert_eq!(shown["groups"][0], hostile, "{shown}");
    assert_eq!(shown["roles"][0], hostile, "{shown}");
    assert!(
        shown["landing_page"]
            .as_str()
            .is_some_and(|p| p.contains("]]--'")),
        "{shown}"
    );
    let record = server
        .rows("invite_token", Some(""))
        .into_iter()
        .find(|r| r.key == token)
        .expect("stored");
    let json = record.json();
    assert_eq!(json["additional_data"]["note"], hostile);
    // Still serving: nothing ran.
    registers(server, &token, "x]]--y");
}

/// `Store::open_beside`, as a Rust registration service would use it:
/// check and redeem through the server, and a `create` that fails part
/// way (its caller's output failing) leaves none of its invites.
fn the_library_takes_the_same_way(server: &mut Server) {
    let location = Location::from_path(server.store_path());
    let beside = ProsodyServer::beside(&location);
    let mut store = Store::open_beside(&location, OpenMode::Existing, &beside, Via::Auto)
        .expect("opening beside the running server");
    assert!(
        matches!(store.route(), Route::Server { .. }),
        "{}",
        store.route()
    );
    let host = Host::parse(HOST).expect("host");
    let now = invitectl::now();

    let invite = InviteRequest::default()
        .build(&host, now)
        .expect("an invite");
    store.insert(&host, &invite).expect("insert");
    let checked = store.check(&host, &invite.token, now).expect("check");
    assert_eq!(checked.token, invite.token);
    store.redeem(&host, &invite.token, now).expect("redeem");
    assert!(!stored_keys(server).contains(invite.token.as_str()));
    assert!(matches!(
        store.redeem(&host, &invite.token, now),
        Err(Error::NotFound(_))
    ));
    let reusable = InviteRequest {
        reusable: true,
        ..InviteRequest::default()
    }
    .build(&host, now)
    .expect("a reusable invite");
    store.insert(&host, &reusable).expect("insert");
    store.redeem(&host, &reusable.token, now).expect("redeem");
    assert!(
        stored_keys(server).contains(reusable.token.as_str()),
        "a reusable invite stays"
    );

    let made = RefCell::new(Vec::new());
    let mut told = 0;
    let failed = store.create(
        &host,
        3_000,
        || {
            let invite = InviteRequest::default().build(&host, now)?;
            made.borrow_mut().push(invite.token.to_string());
            Ok(invite)
        },
        |_| {
            told += 1;
            if told == 2_500 {
                Err(std::io::Error::other("the caller's output failed"))
            } else {
                Ok(())
            }
        },
    );
    assert!(failed.is_err(), "the failing callback fails create");
    let stored = stored_keys(server);
    let made = made.into_inner();
    assert!(made.len() >= 2_500, "{} made", made.len());
    let left: Vec<&String> = made.iter().filter(|t| stored.contains(*t)).collect();
    assert!(
        left.is_empty(),
        "{} of a failed create's invites were left",
        left.len()
    );
    // And the server still honours invites.
    let (out, _) = verbose_ok(server, &["generate", "--json"]);
    registers(server, &tokens_of(&out)[0], "after_failure");
}

/// The conditional removal of raw rows: a row the server changed since it
/// was read stays; as read, it goes.
fn a_changed_row_stays(server: &mut Server) {
    let host = Host::parse(HOST).expect("host");
    let (out, _) = verbose_ok(server, &["generate", "--json"]);
    let token = tokens_of(&out).remove(0);
    let mut connection = Connection::open(&server.dir().join("prosody.sock")).expect("socket");
    let mut store = InviteStore::new(&mut connection, &host);
    let read = store.rows_of_keys(&[&token]).expect("rows");
    assert_eq!(read.len(), 1);
    // The server rewrites the record (as it would on an update).
    let mut records = Records::new();
    let mut changed = invitectl::lua::Table::new();
    changed.insert("type", "register");
    changed.insert("expires", 1);
    records.host_record(token.as_str(), changed);
    assert!(store.set_records(&records).expect("set").ok);
    assert_eq!(
        store.delete_rows_if_unchanged(&[&read[0]]).expect("delete"),
        vec![false]
    );
    assert!(
        stored_keys(server).contains(&token),
        "the changed row stays"
    );
    let fresh = store.rows_of_keys(&[&token]).expect("rows");
    assert_eq!(
        store
            .delete_rows_if_unchanged(&[&fresh[0]])
            .expect("delete"),
        vec![true]
    );
    assert!(!stored_keys(server).contains(&token));
}
