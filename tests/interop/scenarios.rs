//! The scenarios. Each takes a freshly started server (either generation)
//! and asserts on real server replies and real rows of its database.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use invitectl::{Host, InviteRequest};
use serde_json::Value;

use super::harness::{now_unix, Options, Running, Server, Storage, Version, COMMAND_TIMEOUT, HOST};
use super::machine::Machine;
use super::stall::StallMeter;
use super::xmpp::{StanzaError, NS_CLIENT};
use crate::support::postgres_cluster;

/// Server settings per scenario: the concurrency scenario greps the log for
/// errors, so it logs at "info" (debug logs SQL tracebacks of handled
/// errors); the stall scenario's pings would fill a debug log, and the
/// server would spend its time writing it. The stall scenario measures the
/// server's answers, so it has the machine to itself (machine.rs).
pub fn options(scenario: &str) -> Options {
    match scenario {
        "concurrent_use" => Options {
            log_level: "info",
            ..Options::default()
        },
        "server_keeps_answering" => Options {
            log_level: "info",
            machine: Machine::Alone,
            ..Options::default()
        },
        "landing_pages_match_the_server" => Options {
            extra_config: format!("invites_page = {LANDING_TEMPLATE:?}\n"),
            ..Options::default()
        },
        _ => Options::default(),
    }
}

// ---------------------------------------------------------------- helpers

/// One invite as `invitectl generate --json` reported it.
struct Generated {
    token: String,
    json: Value,
}

/// Runs `invitectl generate --json ARGS` and returns the invites it printed.
fn generate_many(server: &Server, args: &[&str]) -> Vec<Generated> {
    let mut all = vec!["generate", "--json"];
    all.extend_from_slice(args);
    parse_generated(&server.invitectl_ok(&all))
}

/// The invites `generate --json` printed.
fn parse_generated(stdout: &str) -> Vec<Generated> {
    stdout
        .lines()
        .map(|line| {
            let json: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("generate printed a non-JSON line ({e}): {line}"));
            for field in [
                "token",
                "kind",
                "jid",
                "uri",
                "expires_unix",
                "created_at_unix",
            ] {
                assert!(
                    json.get(field).is_some(),
                    "generate --json line without {field:?}: {line}"
                );
            }
            let token = json["token"].as_str().expect("token string").to_string();
            Generated { token, json }
        })
        .collect()
}

fn generate(server: &Server, args: &[&str]) -> Generated {
    let mut got = generate_many(server, args);
    assert_eq!(
        got.len(),
        1,
        "generate {args:?} printed {} invites",
        got.len()
    );
    got.remove(0)
}

/// Presents `token` on a new, unauthenticated stream.
fn preauth(server: &Server, token: &str) -> Result<(), StanzaError> {
    let mut c = server.client();
    let r = c.preauth(token).expect("preauth round trip");
    c.close();
    r
}

/// Preauth with `token`, then in-band registration. The preauth must
/// succeed; returns the registration's outcome once the server has finished
/// handling it.
fn register(server: &Server, token: &str, user: &str, password: &str) -> Result<(), StanzaError> {
    let mut c = server.client();
    c.preauth(token)
        .expect("preauth round trip")
        .unwrap_or_else(|e| {
            panic!(
                "preauth with {token} refused: {e}\n{}",
                server.diagnostics()
            )
        });
    let r = c.register(user, password).expect("register round trip");
    c.sync_unauthed().expect("round trip after registration");
    c.close();
    r
}

pub(super) fn register_ok(server: &Server, token: &str, user: &str, password: &str) {
    if let Err(e) = register(server, token, user, password) {
        panic!(
            "{}: registering {user} with {token} failed: {e}\n{}",
            server.version.label(),
            server.diagnostics()
        );
    }
}

/// Whether `user`/`password` can log in.
fn can_login(server: &Server, user: &str, password: &str) -> bool {
    let mut c = server.client();
    let ok = c.login(user, password).expect("login round trip").is_ok();
    c.close();
    ok
}

/// The token out of an xmpp: URI, or a landing page that embeds the
/// percent-encoded URI, that a server tool printed.
fn token_from_output(output: &str) -> String {
    let lower = output.to_ascii_lowercase();
    let (start, marker) = ["preauth=", "preauth%3d"]
        .iter()
        .find_map(|m| lower.find(m).map(|i| (i, m.len())))
        .unwrap_or_else(|| panic!("no preauth= in {output:?}"));
    output[start + marker..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// An account invite made by the server's own tooling.
fn server_made_invite(server: &Server) -> String {
    let out = match server.version {
        // 0.12: the prosodyctl command of mod_invites writes to the store itself.
        Version::V012 => server.prosodyctl(&["mod_invites", "generate", HOST]),
        // 13: `generate` is deprecated; the admin shell asks the running server.
        Version::V13 => server.prosodyctl(&["shell", "invite", "create_account", HOST]),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "prosodyctl failed ({}): {stdout}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        server.diagnostics()
    );
    let token = token_from_output(&stdout);
    assert_eq!(token.len(), 24, "token from {stdout:?}");
    token
}

/// The rows of invite `token` as (user, type) pairs.
fn invite_row_shapes(server: &Server, token: &str) -> Vec<(String, String)> {
    server
        .invite_rows(token)
        .into_iter()
        .map(|r| (r.user, r.kind))
        .collect()
}

/// The host-level record of `token`.
fn host_record(server: &Server, token: &str) -> Value {
    let rows = server.invite_rows(token);
    let row = rows
        .iter()
        .find(|r| r.user.is_empty())
        .unwrap_or_else(|| panic!("no host-level record for {token}: {rows:?}"));
    assert_eq!(row.kind, "json");
    row.json()
}

/// A roster entry as the server stored it (`roster` store of `user`).
fn stored_roster_item(server: &Server, user: &str, contact: &str) -> Option<Value> {
    server
        .rows("roster", Some(user))
        .into_iter()
        .find(|r| r.key == contact)
        .map(|r| r.json())
}

fn jid(user: &str) -> String {
    format!("{user}@{HOST}")
}

// ---------------------------------------------------------------- 1

/// An account invite from `invitectl generate` registers a new account, and
/// the server consumes the token: no row with that key remains.
pub fn account_invite_registers_and_is_consumed(server: &Server) {
    let inv = generate(server, &[]);
    assert_eq!(inv.json["kind"], "account");
    assert_eq!(inv.json["jid"], HOST);
    assert_eq!(
        inv.json["uri"],
        format!("xmpp:{HOST}?register;preauth={}", inv.token)
    );
    assert_eq!(
        invite_row_shapes(server, &inv.token),
        vec![(String::new(), "json".to_string())],
        "one host-level JSON record"
    );

    assert!(!server.account_exists("newcomer"));
    register_ok(server, &inv.token, "newcomer", "first-password");
    assert!(server.account_exists("newcomer"), "account row written");
    assert!(
        server.invite_rows(&inv.token).is_empty(),
        "token consumed: {:?}",
        server.invite_rows(&inv.token)
    );
    assert!(can_login(server, "newcomer", "first-password"));
    assert!(!can_login(server, "newcomer", "wrong-password"));
}

// ---------------------------------------------------------------- 2

/// A used token is refused at the preauth step, and registering without a
/// valid token is refused too.
pub fn used_token_is_refused(server: &Server) {
    let inv = generate(server, &[]);
    register_ok(server, &inv.token, "first", "pw-first");

    let refusal = preauth(server, &inv.token).expect_err("second preauth must be refused");
    assert_eq!(refusal.condition, "forbidden", "{refusal}");

    // The same stream goes on to try registering anyway.
    let mut c = server.client();
    let _ = c.preauth(&inv.token).expect("preauth round trip");
    let r = c
        .register("second", "pw-second")
        .expect("register round trip");
    assert!(r.is_err(), "registration without a valid invite succeeded");
    c.sync_unauthed().expect("sync");
    assert!(!server.account_exists("second"));
}

// ---------------------------------------------------------------- 3

/// `invitectl revoke` removes the invite; the server refuses the token.
pub fn revoked_token_is_refused(server: &Server) {
    let inv = generate(server, &[]);
    let keep = generate(server, &[]);
    preauth(server, &inv.token).expect("valid before revoking");

    server.invitectl_ok(&["revoke", &inv.token]);
    assert!(server.invite_rows(&inv.token).is_empty());
    assert_eq!(
        invite_row_shapes(server, &keep.token).len(),
        1,
        "other invite untouched"
    );

    let refusal = preauth(server, &inv.token).expect_err("revoked token must be refused");
    assert_eq!(refusal.condition, "forbidden", "{refusal}");

    // Revoking it again: not found.
    let again = server.invitectl(&["revoke", &inv.token]);
    assert_eq!(again.status.code(), Some(3), "revoking an unknown token");
    preauth(server, &keep.token).expect("the other invite still works");
}

// ---------------------------------------------------------------- 4

/// An expired invite is refused. The invite is built with the library for a
/// creation time in the past (no sleeping); a control invite built and
/// inserted the same way but valid now is accepted, so the refusal is down
/// to the expiry alone.
pub fn expired_token_is_refused(server: &Server) {
    let host = Host::parse(HOST).expect("host");
    let now = invitectl::now();
    let request = InviteRequest {
        ttl: Some(Duration::from_secs(1)),
        ..InviteRequest::default()
    };
    let expired = request.build(&host, now - 3600).expect("build expired");
    let valid = InviteRequest::default()
        .build(&host, now)
        .expect("build valid");
    server.insert_invites(&[&expired, &valid]);
    let token = expired.token.to_string();
    let record = host_record(server, &token);
    assert_eq!(record["expires"], now - 3600 + 1);

    let refusal = preauth(server, &token).expect_err("expired token must be refused");
    assert_eq!(refusal.condition, "forbidden", "{refusal}");
    assert_eq!(
        server.invite_rows(&token).len(),
        1,
        "the server leaves it in place"
    );

    register_ok(server, &valid.token.to_string(), "punctual", "pw");

    // The CLI's --ttl 1s writes expires = created_at + 1.
    let short = generate(server, &["--ttl", "1s"]);
    let record = host_record(server, &short.token);
    assert_eq!(
        record["expires"].as_i64().expect("expires")
            - record["created_at"].as_i64().expect("created_at"),
        1
    );
    assert_eq!(short.json["expires_unix"], record["expires"]);
}

// ---------------------------------------------------------------- 5

/// `generate --username alice` makes an invite for alice@HOST that registers
/// alice.
pub fn fixed_username_registers_that_user(server: &Server) {
    let inv = generate(server, &["--username", "alice"]);
    assert_eq!(inv.json["kind"], "account");
    assert_eq!(inv.json["jid"], jid("alice"));
    assert_eq!(
        inv.json["uri"],
        format!("xmpp:{}?register;preauth={}", jid("alice"), inv.token)
    );
    assert_eq!(host_record(server, &inv.token)["jid"], jid("alice"));

    register_ok(server, &inv.token, "alice", "alice-pw");
    assert!(server.account_exists("alice"));
    assert!(server.invite_rows(&inv.token).is_empty());
    assert!(can_login(server, "alice", "alice-pw"));
}

/// What the servers really do with a fixed-username invite presented for
/// another name: neither Prosody 0.12.3 nor 13.0.1 checks the invite's `jid`
/// when registering (mod_invites_register only looks at `allow_reset`), so
/// the username in the invite is a hint for the client, not a restriction.
/// This test pins that down; if a server starts enforcing it, it fails and
/// the expectation (and invitectl's help text) can be tightened.
pub fn fixed_username_is_not_enforced_by_the_server(server: &Server) {
    let inv = generate(server, &["--username", "alice"]);
    let outcome = register(server, &inv.token, "mallory", "pw");
    assert_eq!(
        outcome,
        Ok(()),
        "{} refused another name for a fixed-username invite: it now enforces the username",
        server.version.label()
    );
    assert!(server.account_exists("mallory"));
    assert!(!server.account_exists("alice"));
    assert!(server.invite_rows(&inv.token).is_empty());
}

// ---------------------------------------------------------------- 6

/// `generate --reset bob` lets bob set a new password: the new one logs in,
/// the old one no longer does, and the token is consumed.
pub fn reset_changes_password(server: &Server) {
    let account = generate(server, &[]);
    register_ok(server, &account.token, "bob", "old-password");
    assert!(can_login(server, "bob", "old-password"));

    let reset = generate(server, &["--reset", "bob"]);
    assert_eq!(reset.json["kind"], "reset");
    assert_eq!(reset.json["jid"], jid("bob"));
    let record = host_record(server, &reset.token);
    assert_eq!(record["additional_data"]["allow_reset"], "bob");

    // Without the reset invite an existing name is a conflict.
    let other = generate(server, &[]);
    let conflict = register(server, &other.token, "bob", "hijack").expect_err("conflict");
    assert_eq!(conflict.condition, "conflict", "{conflict}");

    register_ok(server, &reset.token, "bob", "new-password");
    assert!(
        server.invite_rows(&reset.token).is_empty(),
        "reset token consumed"
    );
    assert!(
        can_login(server, "bob", "new-password"),
        "new password works"
    );
    assert!(
        !can_login(server, "bob", "old-password"),
        "old password refused"
    );
}

// ---------------------------------------------------------------- 7

/// `generate --group g1 --reusable` registers two people and stays.
pub fn reusable_group_invite_registers_two(server: &Server) {
    let inv = generate(server, &["--group", "g1", "--reusable"]);
    assert_eq!(inv.json["kind"], "group");
    let before = host_record(server, &inv.token);
    assert_eq!(before["reusable"], true);
    assert_eq!(
        before["additional_data"]["groups"],
        serde_json::json!(["g1"])
    );

    register_ok(server, &inv.token, "member1", "pw1");
    register_ok(server, &inv.token, "member2", "pw2");
    assert!(server.account_exists("member1") && server.account_exists("member2"));
    assert_eq!(
        host_record(server, &inv.token),
        before,
        "a reusable invite stays, unchanged"
    );
    assert!(can_login(server, "member2", "pw2"));
}

// ---------------------------------------------------------------- 8

/// Roles in the invite reach the new account. 0.12 reads a map and stores
/// it in its `roles` store; 13 reads an ordered list and stores the primary
/// role as `_default` (secondary ones as `ROLE = true`) in `account_roles`.
/// Also pins down what each server does with the other's format and (13)
/// with a role it does not know: nothing is granted in those cases.
pub fn roles_reach_the_new_account(server: &Server) {
    match server.version {
        Version::V012 => {
            let inv = generate(server, &["--admin", "--roles-format", "map"]);
            let record = host_record(server, &inv.token);
            assert_eq!(
                record["additional_data"]["roles"],
                serde_json::json!({"prosody:admin": true})
            );
            register_ok(server, &inv.token, "boss", "pw");
            let rows = server.rows("roles", Some("boss"));
            let shapes: Vec<(&str, &str, &str)> = rows
                .iter()
                .map(|r| (r.key.as_str(), r.kind.as_str(), r.value.as_str()))
                .collect();
            assert_eq!(shapes, vec![("prosody:admin", "boolean", "true")]);

            // A user without a role invite gets no row.
            let plain = generate(server, &[]);
            register_ok(server, &plain.token, "plain", "pw");
            assert!(server.rows("roles", Some("plain")).is_empty());

            // The wrong format for this server (13's list): 0.12 stores the
            // list as a nameless value, so no role is granted, and says nothing.
            let wrong = generate(server, &["--admin", "--roles-format", "list"]);
            register_ok(server, &wrong.token, "notboss", "pw");
            let rows = server.rows("roles", Some("notboss"));
            assert!(
                rows.iter().all(|r| r.key != "prosody:admin"),
                "0.12 understood a role list: {rows:?}"
            );
        }
        Version::V13 => {
            let inv = generate(server, &["--admin"]);
            let record = host_record(server, &inv.token);
            assert_eq!(
                record["additional_data"]["roles"],
                serde_json::json!(["prosody:admin"])
            );
            register_ok(server, &inv.token, "boss", "pw");
            let rows = server.rows("account_roles", Some("boss"));
            let shapes: Vec<(&str, &str, &str)> = rows
                .iter()
                .map(|r| (r.key.as_str(), r.kind.as_str(), r.value.as_str()))
                .collect();
            assert_eq!(shapes, vec![("_default", "string", "prosody:admin")]);

            // Primary plus secondary role, in order.
            let two = generate(
                server,
                &["--role", "prosody:member", "--role", "prosody:admin"],
            );
            assert_eq!(
                host_record(server, &two.token)["additional_data"]["roles"],
                serde_json::json!(["prosody:member", "prosody:admin"])
            );
            register_ok(server, &two.token, "deputy", "pw");
            let rows = server.rows("account_roles", Some("deputy"));
            let mut shapes: Vec<(String, String, String)> =
                rows.into_iter().map(|r| (r.key, r.kind, r.value)).collect();
            shapes.sort();
            assert_eq!(
                shapes,
                vec![
                    ("_default".into(), "string".into(), "prosody:member".into()),
                    ("prosody:admin".into(), "boolean".into(), "true".into()),
                ]
            );

            // Without roles, 13 stores nothing: the account has the default role.
            let plain = generate(server, &[]);
            register_ok(server, &plain.token, "plain", "pw");
            assert!(server.rows("account_roles", Some("plain")).is_empty());

            // The wrong format for this server (0.12's map): 13 only files it
            // in the legacy `roles` store with a "migration required" warning;
            // the account gets no role.
            let legacy = generate(server, &["--admin", "--roles-format", "map"]);
            register_ok(server, &legacy.token, "legacy", "pw");
            assert!(server.rows("account_roles", Some("legacy")).is_empty());
            assert_eq!(server.rows("roles", Some("legacy")).len(), 1);
            assert!(server.log().contains("legacy, migration required"));

            // A role the server does not know: 13 registers the account,
            // consumes the token, grants nothing and logs a Lua error.
            let unknown = generate(server, &["--role", "example:custom"]);
            register_ok(server, &unknown.token, "custom", "pw");
            assert!(server.invite_rows(&unknown.token).is_empty());
            assert!(server.rows("account_roles", Some("custom")).is_empty());
            assert!(
                server
                    .log()
                    .contains("Cannot assign user an unknown role: example:custom"),
                "{}",
                server.diagnostics()
            );
        }
    }
}

// ---------------------------------------------------------------- 9

/// `generate --contact alice`: the invitee registers and becomes alice's
/// mutual contact; alice, online, gets the roster push. On 13 a contact-only
/// invite (`--no-register`) presented by an existing user in a subscription
/// request is approved automatically.
pub fn contact_invite_makes_mutual_contacts(server: &Server) {
    let account = generate(server, &["--username", "alice"]);
    register_ok(server, &account.token, "alice", "alice-pw");
    let mut alice = server.client();
    alice
        .login("alice", "alice-pw")
        .expect("login")
        .expect("alice logs in");
    assert!(alice.roster().expect("roster").is_empty());

    let inv = generate(server, &["--contact", "alice"]);
    assert_eq!(inv.json["kind"], "contact");
    assert_eq!(inv.json["jid"], jid("alice"));
    assert_eq!(
        inv.json["uri"],
        format!("xmpp:{}?roster;preauth={};ibr=y", jid("alice"), inv.token)
    );
    let mut shapes = invite_row_shapes(server, &inv.token);
    shapes.sort();
    assert_eq!(
        shapes,
        vec![
            (String::new(), "json".to_string()),
            ("alice".to_string(), "number".to_string())
        ]
    );

    register_ok(server, &inv.token, "dave", "dave-pw");
    assert!(
        server.invite_rows(&inv.token).is_empty(),
        "both records consumed"
    );

    let push = alice
        .wait_roster_push(&jid("dave"), Duration::from_secs(10), |i| {
            i.subscription == "both"
        })
        .expect("alice gets a roster push for dave");
    assert_eq!(push.subscription, "both");
    let a = stored_roster_item(server, "alice", &jid("dave")).expect("alice's roster has dave");
    let d = stored_roster_item(server, "dave", &jid("alice")).expect("dave's roster has alice");
    assert_eq!(a["subscription"], "both", "{a}");
    assert_eq!(d["subscription"], "both", "{d}");

    let mut dave = server.client();
    dave.login("dave", "dave-pw")
        .expect("login")
        .expect("dave logs in");
    let roster = dave.roster().expect("roster");
    assert!(
        roster
            .iter()
            .any(|i| i.jid == jid("alice") && i.subscription == "both"),
        "dave's roster: {roster:?}"
    );
    dave.close();

    // XEP-0379 for an existing account.
    let account = generate(server, &[]);
    register_ok(server, &account.token, "erin", "erin-pw");
    let only = generate(server, &["--contact", "alice", "--no-register"]);
    assert_eq!(only.json["kind"], "contact");
    assert_eq!(
        only.json["uri"],
        format!("xmpp:{}?roster;preauth={}", jid("alice"), only.token)
    );
    assert_eq!(
        invite_row_shapes(server, &only.token),
        vec![("alice".to_string(), "number".to_string())],
        "a contact-only invite has only the per-user record"
    );
    let mut erin = server.client();
    erin.login("erin", "erin-pw")
        .expect("login")
        .expect("erin logs in");
    erin.roster().expect("roster");
    erin.send_presence(None, None, "")
        .expect("initial presence");
    erin.subscribe_with_preauth(&jid("alice"), &only.token)
        .expect("send subscribe");

    match server.version {
        Version::V13 => {
            let approved = erin
                .wait_for("alice's approval", Duration::from_secs(10), |el| {
                    el.is("presence", NS_CLIENT)
                        && el.attr("type") == Some("subscribed")
                        && el.attr("from") == Some(jid("alice").as_str())
                })
                .expect("the subscription is approved");
            assert_eq!(approved.attr("type"), Some("subscribed"));
            let item = erin
                .wait_roster_push(&jid("alice"), Duration::from_secs(10), |i| {
                    i.subscription == "to" || i.subscription == "both"
                })
                .expect("erin gets a roster push for alice");
            assert!(item.subscription == "to" || item.subscription == "both");
            erin.sync_roster();
            assert!(server.invite_rows(&only.token).is_empty(), "token consumed");
            let a =
                stored_roster_item(server, "alice", &jid("erin")).expect("alice's roster has erin");
            assert!(
                a["subscription"] == "from" || a["subscription"] == "both",
                "alice's item for erin: {a}"
            );
        }
        Version::V012 => {
            // 0.12.3's mod_invites crashes on a token with no host-level
            // record (fixed in 0.12.5): a Lua traceback in the log, no
            // approval, the token stays. This pins that down.
            let deadline = Instant::now() + Duration::from_secs(10);
            while !server
                .log()
                .contains("attempt to index a nil value (local 'token_info')")
            {
                assert!(
                    Instant::now() < deadline,
                    "expected 0.12.3's mod_invites traceback in the log\n{}",
                    server.diagnostics()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            let approval = erin.wait_for("an approval", Duration::from_millis(500), |el| {
                el.is("presence", NS_CLIENT) && el.attr("type") == Some("subscribed")
            });
            assert!(approval.is_err(), "0.12.3 approved a contact-only invite");
            assert_eq!(
                server.invite_rows(&only.token).len(),
                1,
                "token not consumed"
            );
        }
    }
    erin.close();
    alice.close();
}

// ---------------------------------------------------------------- 10

/// An invite made by the server's own tool is listed and shown by invitectl;
/// `revoke` makes the server refuse it; `expire` prunes it once expired.
pub fn server_made_invites_are_managed(server: &Server) {
    let token = server_made_invite(server);
    let original = host_record(server, &token);

    let listed: Vec<Value> = server
        .invitectl_ok(&["list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("list --json line"))
        .collect();
    let entry = listed
        .iter()
        .find(|v| v["token"] == token.as_str())
        .unwrap_or_else(|| panic!("{token} not in list --json: {listed:?}"));
    assert_eq!(entry["kind"], "account");
    assert_eq!(entry["jid"], HOST);
    assert_eq!(entry["expires_unix"], original["expires"]);

    let shown: Value =
        serde_json::from_str(server.invitectl_ok(&["show", &token, "--json"]).trim())
            .expect("show --json");
    assert_eq!(shown["token"], token.as_str());
    assert_eq!(shown["uri"], original["uri"]);
    assert_eq!(shown["created_at_unix"], original["created_at"]);
    assert_eq!(shown["allow_registration"], true);
    assert_eq!(shown["reusable"], false);
    assert_eq!(
        host_record(server, &token),
        original,
        "reading changes nothing"
    );

    preauth(server, &token).expect("valid before revoking");
    server.invitectl_ok(&["revoke", &token]);
    let refusal = preauth(server, &token).expect_err("revoked");
    assert_eq!(refusal.condition, "forbidden");

    // A second one, expired by rewriting its expiry.
    let old = server_made_invite(server);
    let fresh = server_made_invite(server);
    server.set_invite_expiry(&old, now_unix() - 60);
    let refusal = preauth(server, &old).expect_err("expired");
    assert_eq!(refusal.condition, "forbidden");

    let pending = server.invitectl_ok(&["list", "--json"]);
    assert!(!pending.contains(&old), "list shows only pending invites");
    assert!(pending.contains(&fresh));
    let expired = server.invitectl_ok(&["list", "--expired", "--json"]);
    assert!(expired.contains(&old) && !expired.contains(&fresh));

    server.invitectl_ok(&["expire", "--dry-run"]);
    assert_eq!(
        server.invite_rows(&old).len(),
        1,
        "--dry-run removes nothing"
    );
    server.invitectl_ok(&["expire"]);
    assert!(server.invite_rows(&old).is_empty(), "expired invite pruned");
    assert_eq!(server.invite_rows(&fresh).len(), 1, "valid invite kept");
    register_ok(server, &fresh, "frank", "pw");
}

// ---------------------------------------------------------------- 11

/// The load scenarios (11 and 17) take turns within the test process, so
/// that each meets its bounds under its own load: run side by side on two
/// cores, a 20,000-invite generate on MariaDB outlasted the 10 s that
/// another invitectl waits for its turn to write.
static LOAD_TURN: Mutex<()> = Mutex::new(());

pub(crate) fn load_turn() -> MutexGuard<'static, ()> {
    LOAD_TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// The global options every invitectl run of scenarios 11 and 17 gets: the
/// server's configuration, as an admin's cron job has it (/etc/prosody),
/// so that invitectl knows the server's admin socket.
fn live_globals(server: &Server) -> [OsString; 2] {
    ["--config".into(), server.config_path().into()]
}

/// `invitectl GLOBALS generate --json ARGS`, its invites.
fn generate_many_with(server: &Server, globals: &[OsString], args: &[&str]) -> Vec<Generated> {
    let mut all = vec!["generate", "--json"];
    all.extend_from_slice(args);
    parse_generated(&server.invitectl_ok_with(globals, &all))
}

/// What one command run in a loop of scenario 11 ended with.
struct LoopRun {
    output: Output,
    /// For `list --json`: the invites it listed, or why its output is bad.
    listed: Result<usize, String>,
}

/// Runs `args` again and again until `stop` (or `deadline`), starting a run
/// at most every `every` (at once if the last one took longer).
fn run_in_a_loop(
    server: &Server,
    globals: &[OsString],
    args: &[&str],
    every: Duration,
    stop: &AtomicBool,
    deadline: Instant,
) -> Vec<LoopRun> {
    let mut runs = Vec::new();
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        let started = Instant::now();
        let output = server.invitectl_with(globals, args);
        let listed = if args.contains(&"--json") {
            list_json_count(&output.stdout)
        } else {
            Ok(0)
        };
        runs.push(LoopRun { output, listed });
        std::thread::sleep(every.saturating_sub(started.elapsed()));
    }
    runs
}

/// The number of invites `list --json` printed, each line one object with
/// a token; Err(why) otherwise.
fn list_json_count(stdout: &[u8]) -> Result<usize, String> {
    let text = std::str::from_utf8(stdout).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut n = 0;
    for line in text.lines() {
        let json: Value =
            serde_json::from_str(line).map_err(|e| format!("not JSON ({e}): {line}"))?;
        if !json["token"].is_string() {
            return Err(format!("no token: {line}"));
        }
        n += 1;
    }
    Ok(n)
}

/// One registration of the stream: (username, token, outcome).
type Registration = (String, String, Result<(), String>);

/// Registers `stream{i}` with `tokens[i]`, one after another on new
/// connections, until `stop` or `limit`.
fn registration_stream(
    port: u16,
    tokens: &[String],
    stop: &AtomicBool,
    done: &AtomicUsize,
    limit: Duration,
) -> Vec<Registration> {
    let started = Instant::now();
    let mut results = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if stop.load(Ordering::SeqCst) || started.elapsed() > limit {
            break;
        }
        let user = format!("stream{i}");
        let outcome = (|| -> anyhow::Result<Result<(), String>> {
            let mut c = super::xmpp::Client::connect(port, HOST)?;
            if let Err(e) = c.preauth(token)? {
                return Ok(Err(format!("preauth: {e}")));
            }
            if let Err(e) = c.register(&user, "pw")? {
                return Ok(Err(format!("register: {e}")));
            }
            c.sync_unauthed()?;
            c.close();
            Ok(Ok(()))
        })();
        let outcome = outcome.unwrap_or_else(|e| Err(format!("transport: {e:#}")));
        results.push((user, token.clone(), outcome));
        done.fetch_add(1, Ordering::SeqCst);
    }
    results
}

/// The problem with one command run, if it failed.
fn failed_run(name: &str, out: &Output) -> Option<String> {
    (!out.status.success()).then(|| {
        format!(
            "invitectl {name}: {} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })
}

/// While a client registers a stream of people with invites, `generate
/// --count 20000`, `expire` every 100 ms, `list --json` in a loop and a
/// bulk `revoke` of hundreds of invites run together, as a cron job and
/// scripts beside a live server do. Every command run and every
/// registration succeeds; the server logs no error and no traceback; and
/// afterwards every token generate printed is in the store, or was used
/// by the stream, or was revoked (never two of these), and the expired
/// ones are gone.
pub fn concurrent_use(server: &Server) {
    const STREAM_TOKENS: usize = 300;
    const REVOKED: usize = 500;
    const STALE: usize = 50;
    const BATCH: usize = 20_000;
    const EXPIRE_EVERY: Duration = Duration::from_millis(100);
    const STREAM_LIMIT: Duration = Duration::from_secs(30);
    let _turn = load_turn();
    let globals = live_globals(server);

    let mut made = generate_many_with(
        server,
        &globals,
        &["--count", &(STREAM_TOKENS + REVOKED).to_string()],
    )
    .into_iter()
    .map(|g| g.token);
    let stream_tokens: Vec<String> = made.by_ref().take(STREAM_TOKENS).collect();
    let revoked: Vec<String> = made.collect();
    assert_eq!(revoked.len(), REVOKED);
    // Expired invites for `expire` to prune, written from outside.
    let host = Host::parse(HOST).expect("host");
    let now = invitectl::now();
    let stale_invites: Vec<invitectl::Invite> = (0..STALE)
        .map(|_| {
            InviteRequest {
                ttl: Some(Duration::from_secs(60)),
                ..InviteRequest::default()
            }
            .build(&host, now - 86_400)
            .expect("build")
        })
        .collect();
    server.insert_invites(&stale_invites.iter().collect::<Vec<_>>());
    let stale: Vec<String> = stale_invites.iter().map(|i| i.token.to_string()).collect();
    let log_start = server.log().len();

    let stop_stream = AtomicBool::new(false);
    let commands_done = AtomicBool::new(false);
    let done = AtomicUsize::new(0);
    let mut revoke_args = vec!["revoke", "--json"];
    revoke_args.extend(revoked.iter().map(String::as_str));
    let batch = BATCH.to_string();
    let generate_args = ["generate", "--json", "--count", batch.as_str()];

    let (results, gen, rev, expires, lists, took, during) = std::thread::scope(|s| {
        let (globals, commands_done, stream_tokens) = (&globals, &commands_done, &stream_tokens);
        let (stop_stream, done) = (&stop_stream, &done);
        let stream = s.spawn(move || {
            registration_stream(server.port, stream_tokens, stop_stream, done, STREAM_LIMIT)
        });
        // Let the stream get going, then start everything at once.
        let warm = Instant::now();
        while done.load(Ordering::SeqCst) < 5
            && !stream.is_finished()
            && warm.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        let during_from = done.load(Ordering::SeqCst);
        let t0 = Instant::now();
        // The loops stop when the commands are done; the deadline only
        // bounds them should this thread fail first.
        let deadline = t0 + 2 * COMMAND_TIMEOUT;
        let expires = s.spawn(move || {
            run_in_a_loop(
                server,
                globals,
                &["expire"],
                EXPIRE_EVERY,
                commands_done,
                deadline,
            )
        });
        let lists = s.spawn(move || {
            run_in_a_loop(
                server,
                globals,
                &["list", "--json"],
                Duration::ZERO,
                commands_done,
                deadline,
            )
        });
        let gen = server.spawn_invitectl_with(globals, &generate_args);
        let rev = server.spawn_invitectl_with(globals, &revoke_args);
        let gen = gen.wait(COMMAND_TIMEOUT);
        let rev = rev.wait(COMMAND_TIMEOUT);
        let took = t0.elapsed();
        commands_done.store(true, Ordering::SeqCst);
        let during_to = done.load(Ordering::SeqCst);
        let expires = expires.join().expect("expire loop");
        let lists = lists.join().expect("list loop");
        // A few more registrations after the commands, then stop.
        while done.load(Ordering::SeqCst) < during_to + 5
            && !stream.is_finished()
            && t0.elapsed() < STREAM_LIMIT
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        stop_stream.store(true, Ordering::SeqCst);
        let results = stream.join().expect("registration stream");
        (
            results,
            gen,
            rev,
            expires,
            lists,
            took,
            during_to - during_from,
        )
    });

    let failures: Vec<&Registration> = results.iter().filter(|(_, _, r)| r.is_err()).collect();
    let log = server.log();
    let new_log = &log[log_start.min(log.len())..];
    let bad_lines: Vec<&str> = new_log
        .lines()
        .filter(|l| l.contains("\terror\t") || l.to_lowercase().contains("traceback"))
        .take(20)
        .collect();
    let listed: Vec<usize> = lists.iter().filter_map(|r| r.listed.clone().ok()).collect();
    eprintln!(
        "{} on {:?}: generate --count {BATCH} and revoke of {REVOKED} took {took:?}; \
         meanwhile {} expire runs, {} list --json runs (listing {:?}..{:?} invites), \
         {} registrations ({} in total)",
        server.version.label(),
        server.storage,
        expires.len(),
        lists.len(),
        listed.iter().min(),
        listed.iter().max(),
        during,
        results.len(),
    );

    let mut problems = Vec::new();
    problems.extend(failed_run(&format!("generate --count {BATCH}"), &gen));
    problems.extend(failed_run(&format!("revoke ({REVOKED} tokens)"), &rev));
    let failed_expires: Vec<String> = expires
        .iter()
        .filter_map(|r| failed_run("expire", &r.output))
        .collect();
    if let Some(first) = failed_expires.first() {
        problems.push(format!(
            "{} of {} expire runs failed, the first: {first}",
            failed_expires.len(),
            expires.len()
        ));
    }
    let failed_lists: Vec<String> = lists
        .iter()
        .filter_map(|r| {
            failed_run("list --json", &r.output).or_else(|| {
                r.listed
                    .clone()
                    .err()
                    .map(|e| format!("list --json printed {e}"))
            })
        })
        .collect();
    if let Some(first) = failed_lists.first() {
        problems.push(format!(
            "{} of {} list runs failed, the first: {first}",
            failed_lists.len(),
            lists.len()
        ));
    }
    if !failures.is_empty() {
        let first_failure = results.iter().position(|(_, _, r)| r.is_err());
        problems.push(format!(
            "{} of {} registrations failed (first at #{:?}: {:?}; last: {:?})",
            failures.len(),
            results.len(),
            first_failure,
            failures.first().map(|f| &f.2),
            failures.last().map(|f| &f.2),
        ));
    }
    if !bad_lines.is_empty() {
        problems.push(format!(
            "the server logged errors:\n{}",
            bad_lines.join("\n")
        ));
    }
    assert!(
        problems.is_empty(),
        "{} on {:?}: concurrent use failed:\n- {}\n{}",
        server.version.label(),
        server.storage,
        problems.join("\n- "),
        server.diagnostics()
    );
    assert!(during > 0, "no registration overlapped the commands");
    assert!(
        !expires.is_empty() && !lists.is_empty(),
        "the loops did not run"
    );

    let printed = parse_generated(&String::from_utf8(gen.stdout).expect("UTF-8"));
    assert_eq!(printed.len(), BATCH, "generate --count {BATCH} printed");
    let batch_tokens: HashSet<String> = printed.into_iter().map(|g| g.token).collect();
    assert_eq!(batch_tokens.len(), BATCH, "generate printed a token twice");
    let revoke_report: Vec<Value> = String::from_utf8_lossy(&rev.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("revoke --json line"))
        .collect();
    assert_eq!(revoke_report.len(), REVOKED, "revoke --json lines");
    for (line, token) in revoke_report.iter().zip(&revoked) {
        assert_eq!(line["token"], token.as_str());
        assert_eq!(line["revoked"], true, "revoke reports {line}");
    }

    // Afterwards: each printed token in exactly one of stored, used, revoked.
    let stored: HashSet<String> = server
        .rows("invite_token", Some(""))
        .into_iter()
        .map(|r| r.key)
        .collect();
    let any_record: HashSet<String> = server
        .rows("invite_token", None)
        .into_iter()
        .map(|r| r.key)
        .collect();
    let accounts: HashSet<String> = server
        .rows("accounts", None)
        .into_iter()
        .map(|r| r.user)
        .collect();
    let used: HashSet<&str> = results.iter().map(|(_, t, _)| t.as_str()).collect();
    let mut wrong: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut note = |kind, example: String| wrong.entry(kind).or_default().push(example);
    for token in &batch_tokens {
        if !stored.contains(token) {
            note(
                "printed by generate --count, not in the store",
                token.clone(),
            );
        }
    }
    for (user, token, _) in &results {
        if !accounts.contains(user) {
            note("registered, no account", format!("{user} ({token})"));
        }
        if any_record.contains(token) {
            note("used, still in the store", token.clone());
        }
    }
    for token in &stream_tokens {
        if !used.contains(token.as_str()) && !stored.contains(token) {
            note("not used, not in the store", token.clone());
        }
    }
    for token in &revoked {
        if any_record.contains(token) {
            note("revoked, back in the store", token.clone());
        }
    }
    for token in &stale {
        if any_record.contains(token) {
            note("expired, not pruned", token.clone());
        }
    }
    let expected = BATCH + STREAM_TOKENS - results.len();
    if stored.len() != expected {
        note(
            "count of pending invites",
            format!("{} stored, {expected} expected", stored.len()),
        );
    }
    let report: Vec<String> = wrong
        .iter()
        .map(|(kind, all)| {
            let some: Vec<&str> = all.iter().take(3).map(String::as_str).collect();
            format!("{kind}: {} (e.g. {})", all.len(), some.join(", "))
        })
        .collect();
    assert!(
        report.is_empty(),
        "{} on {:?}: the store afterwards:\n- {}",
        server.version.label(),
        server.storage,
        report.join("\n- ")
    );
    let final_list = server.invitectl_ok_with(&globals, &["list", "--json"]);
    let listed: HashSet<String> = final_list
        .lines()
        .map(|l| {
            let json: Value = serde_json::from_str(l).expect("list --json line");
            json["token"].as_str().expect("token").to_owned()
        })
        .collect();
    assert_eq!(listed, stored, "list --json afterwards shows the store");
}

// ---------------------------------------------------------------- 12

/// The server's own tool reads what invitectl writes. Prosody 13's admin
/// shell lists and shows an invitectl invite with its roles, groups and
/// note. Prosody 0.12 has no command that lists or shows invites (its
/// `mod_invites generate` only creates), so there the server itself is the
/// only reader, which the other scenarios cover.
pub fn server_tool_reads_invitectl_invites(server: &Server) {
    let inv = generate(
        server,
        &[
            "--note",
            "for Zoe",
            "--role",
            "prosody:member",
            "--group",
            "g1",
            "--group",
            "g2",
        ],
    );
    if server.version == Version::V012 {
        eprintln!("Prosody 0.12 has no invite list/show command: nothing more to check");
        return;
    }
    let out = server.prosodyctl(&["shell", "invite", "show", HOST, &inv.token]);
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "invite show: {shown}");
    for expected in [
        "Invitation to register on example.test".to_string(),
        format!("xmpp:{HOST}?register;preauth={}", inv.token),
        "Role:\tprosody:member".to_string(),
        "Groups:\tg1, g2".to_string(),
        "Comment:\tfor Zoe".to_string(),
        "Invitation valid".to_string(),
    ] {
        assert!(shown.contains(&expected), "{expected:?} not in:\n{shown}");
    }
    let out = server.prosodyctl(&["shell", "invite", "list", HOST]);
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "invite list: {listed}");
    assert!(
        listed.contains(&inv.token),
        "{} not in:\n{listed}",
        inv.token
    );
    assert!(listed.contains("1 pending invites"), "{listed}");
}

// ---------------------------------------------------------------- 13

/// A template with every value Prosody 13 offers, so the escaping of each is
/// compared.
const LANDING_TEMPLATE: &str =
    "https://{host}/invite/{invite.token}/?uri={invite.uri}&jid={invite.jid}";

/// With the same landing-page template, invitectl and Prosody 13 (option
/// `invites_page`) agree, for every kind, on whether an invite gets a landing
/// page and on the rendered URL (tokens aside). 0.12 renders landing pages
/// only with a community module, so there is nothing to compare.
pub fn landing_pages_match_the_server(server: &Server) {
    if server.version == Version::V012 {
        eprintln!("Prosody 0.12 has no built-in landing pages: nothing to compare");
        return;
    }
    let alice = jid("alice");
    let bob = jid("bob");
    let cases: [(&str, Vec<&str>, Vec<&str>); 5] = [
        ("account", vec!["create_account", HOST], vec![]),
        (
            "account for alice",
            vec!["create_account", &alice],
            vec!["--username", "alice"],
        ),
        (
            "password reset",
            vec!["create_reset", &bob],
            vec!["--reset", "bob"],
        ),
        (
            "contact with registration",
            vec!["create_contact", &bob, "--allow_registration"],
            vec!["--contact", "bob"],
        ),
        (
            "contact only",
            vec!["create_contact", &bob],
            vec!["--contact", "bob", "--no-register"],
        ),
    ];
    let mut mismatches = Vec::new();
    for (label, shell, ours) in cases {
        let mut args = vec!["shell", "invite"];
        args.extend_from_slice(&shell);
        let out = server.prosodyctl(&args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{args:?}: {stdout}");
        let server_token = token_from_output(&stdout);
        // What the server hands out: its landing page if it made one, else the URI.
        let server_link = stdout
            .split_whitespace()
            .find(|w| w.contains(&server_token))
            .expect("a link in the output")
            .to_string();
        let stored = server
            .invite_rows(&server_token)
            .into_iter()
            .find(|r| r.user.is_empty())
            .map(|r| r.json()["landing_page"].clone());

        let mut gen_args = vec!["--landing-page", LANDING_TEMPLATE];
        gen_args.extend_from_slice(&ours);
        let inv = generate(server, &gen_args);
        let our_link = inv.json["link"].as_str().expect("link").to_string();
        let our_landing = inv.json["landing_page"].clone();
        let our_stored = server
            .invite_rows(&inv.token)
            .into_iter()
            .find(|r| r.user.is_empty())
            .map(|r| r.json()["landing_page"].clone());

        let norm = |s: &str, t: &str| s.replace(t, "TOKEN");
        let server_norm = norm(&server_link, &server_token);
        let our_norm = norm(&our_link, &inv.token);
        if server_norm != our_norm {
            mismatches.push(format!(
                "{label}: server hands out {server_norm}\n{:>w$}  invitectl hands out {our_norm}",
                "",
                w = label.len()
            ));
        }
        let stored_norm = stored.map(|v| norm(v.as_str().unwrap_or("<none>"), &server_token));
        let our_stored_norm = our_stored.map(|v| norm(v.as_str().unwrap_or("<none>"), &inv.token));
        if stored_norm != our_stored_norm {
            mismatches.push(format!(
                "{label}: server stores landing_page {stored_norm:?}, invitectl stores {our_stored_norm:?}"
            ));
        }
        let json_norm = our_landing.as_str().map(|s| norm(s, &inv.token));
        if json_norm.as_deref()
            != our_stored_norm
                .as_ref()
                .and_then(|v| (v != "<none>").then_some(v.as_str()))
        {
            mismatches.push(format!(
                "{label}: invitectl's JSON landing_page {json_norm:?} differs from what it stored {our_stored_norm:?}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "landing pages differ from Prosody 13's:\n{}",
        mismatches.join("\n")
    );
}

// ---------------------------------------------------------------- 14

/// Pins down how the servers treat SQLite locks, which bounds what invitectl
/// may do while a server runs. Both generations use LuaDBI with no busy
/// timeout, so a server write that meets a lock held by another process
/// fails at once ("database is locked"); and since LuaDBI leaves the failed
/// statement un-reset, every later commit on the server's connection fails
/// too ("commit failed"): the server keeps a read lock, refuses valid
/// invites and blocks every other writer until it is restarted.
/// If a server ever starts waiting for locks or recovering, this test fails
/// and the constraint can be relaxed.
pub fn server_does_not_wait_for_sqlite_locks(server: &Server) {
    let held = generate(server, &[]);
    let later = generate(server, &[]);
    let mut c = server.client();
    c.preauth(&held.token)
        .expect("preauth round trip")
        .expect("valid invite");

    let lock = server.db();
    lock.execute_batch("BEGIN IMMEDIATE;")
        .expect("take the write lock");
    let t0 = Instant::now();
    let outcome = c.register("blocked", "pw").expect("register round trip");
    let waited = t0.elapsed();
    lock.execute_batch("COMMIT;")
        .expect("release the write lock");
    drop(lock);
    let err = outcome.expect_err("registration during a held write lock succeeded");
    assert!(
        err.text
            .as_deref()
            .unwrap_or("")
            .contains("database is locked"),
        "unexpected refusal: {err}"
    );
    assert!(
        waited < Duration::from_secs(2),
        "the server waited {waited:?}"
    );
    c.close();

    // The lock is gone, yet the server's connection stays broken.
    let refusal = preauth(server, &later.token).expect_err("the server recovered");
    assert_eq!(refusal.condition, "forbidden");
    assert!(
        server
            .log()
            .contains("Error in SQL transaction: commit failed"),
        "{}",
        server.diagnostics()
    );
    let writer = server.db();
    writer
        .busy_timeout(Duration::from_millis(300))
        .expect("busy timeout");
    let write = writer.execute(
        "UPDATE prosody SET value = value WHERE store = 'invite_token' AND key = ?1",
        [&later.token],
    );
    assert!(
        write.is_err(),
        "an outside writer could commit: the server no longer holds a lock"
    );
}

/// With only the server's configuration (`--config`, no `--store`),
/// invitectl finds the server's store and its invite registers an account;
/// `check-config` agrees that the setup honours invites.
pub fn configuration_alone_finds_the_store(server: &Server) {
    let out = server.invitectl_with_config(&["generate"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "generate --config failed ({}): {stdout} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let token = token_from_output(stdout.trim());
    register_ok(server, &token, "configured", "pw-configured");
    assert!(can_login(server, "configured", "pw-configured"));
    let check = server.invitectl_with_config(&["check-config"]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "check-config: {report}");
    assert!(!report.contains("error:"), "{report}");
}

// ---------------------------------------------------------------- 16

/// The shape of the `prosody` table and the list of tables of `client`'s
/// database: what a server generation's schema is, as far as invitectl
/// and the server care.
#[derive(Debug, PartialEq)]
struct PgSchema {
    tables: Vec<String>,
    /// (name, type, nullable, default) in column order.
    columns: Vec<(String, String, String, Option<String>)>,
    /// (name, definition) of each index on `prosody`.
    indexes: Vec<(String, String)>,
}

fn pg_schema(client: &mut postgres::Client) -> PgSchema {
    let strings = |rows: Vec<postgres::Row>| -> Vec<String> {
        rows.iter().map(|r| r.get::<_, String>(0)).collect()
    };
    let tables = strings(
        client
            .query(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() ORDER BY 1",
                &[],
            )
            .expect("tables"),
    );
    let columns = client
        .query(
            "SELECT column_name::text, data_type::text, is_nullable::text, column_default::text \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = 'prosody' \
             ORDER BY ordinal_position",
            &[],
        )
        .expect("columns")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let indexes = client
        .query(
            "SELECT indexname::text, indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = 'prosody' ORDER BY 1",
            &[],
        )
        .expect("indexes")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    PgSchema {
        tables,
        columns,
        indexes,
    }
}

/// On PostgreSQL, `generate` on a database with no `prosody` table creates
/// it with Prosody 13's schema (13: identical to what the server made for
/// itself; 0.12: the same columns, 13's unique index instead of 0.12's
/// plain one) and no other table. A server started on that database then
/// honours the invite; 13 keeps the table as it is, 0.12 adds its plain
/// index beside the unique one.
pub fn new_database_gets_the_servers_schema(server: &Server) {
    assert_eq!(server.storage, Storage::Postgres, "a PostgreSQL scenario");
    let cluster = postgres_cluster::cluster().expect("the cluster the server runs on");
    let db = cluster.fresh_database();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_invitectl"));
    cmd.arg("--store")
        .arg(db.url())
        .args([HOST, "generate", "--json"])
        .envs(db.env());
    let out = Running::spawn("invitectl generate on a new database", cmd).wait(COMMAND_TIMEOUT);
    assert!(
        out.status.success(),
        "generate on a new database: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).expect("generate --json");
    let token = made["token"].as_str().expect("token").to_string();

    let ours = pg_schema(&mut db.client());
    let theirs = pg_schema(&mut server.pg());
    assert_eq!(ours.tables, ["prosody"], "invitectl makes one table");
    assert_eq!(
        ours.columns, theirs.columns,
        "the columns of the server's table"
    );
    let unique = |s: &PgSchema| {
        s.indexes
            .iter()
            .map(|(name, def)| (name.clone(), def.starts_with("CREATE UNIQUE INDEX")))
            .collect::<Vec<_>>()
    };
    match server.version {
        Version::V13 => assert_eq!(ours.indexes, theirs.indexes, "Prosody 13's index"),
        Version::V012 => {
            assert_eq!(unique(&theirs), [("prosody_index".to_string(), false)]);
            assert_eq!(unique(&ours), [("prosody_unique_index".to_string(), true)]);
        }
    }

    let options = Options {
        storage: Storage::Postgres,
        ..Options::default()
    };
    let second = super::harness::start_on_database(server.version, options, db);
    register_ok(&second, &token, "early", "pw-early");
    assert!(second.account_exists("early"));
    assert!(second.invite_rows(&token).is_empty(), "token consumed");
    // On every start 0.12 runs `CREATE INDEX IF NOT EXISTS` for its own
    // index; 13 would drop that one and make its own.
    let after = pg_schema(&mut second.pg());
    match server.version {
        Version::V13 => assert_eq!(after.indexes, ours.indexes, "13 keeps invitectl's index"),
        Version::V012 => assert_eq!(
            unique(&after),
            [
                ("prosody_index".to_string(), false),
                ("prosody_unique_index".to_string(), true)
            ],
            "0.12 adds its plain index beside invitectl's unique one"
        ),
    }
    // Roles follow the server that uses the database now, whichever made
    // the table: 0.12 reads a map, 13 a list.
    let out = second.invitectl_with_config(&["generate", "--admin", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).expect("generate --json");
    let token = made["token"].as_str().expect("token");
    let record = second.invite_rows(token)[0].json();
    let roles = &record["additional_data"]["roles"];
    match server.version {
        Version::V13 => assert_eq!(roles, &serde_json::json!(["prosody:admin"])),
        Version::V012 => assert_eq!(roles, &serde_json::json!({"prosody:admin": true})),
    }
}

/// `SHOW CREATE TABLE` of each table of a MariaDB database, by name.
fn my_schema(conn: &mut mysql::Conn) -> Vec<(String, String)> {
    use mysql::prelude::Queryable;
    let tables: Vec<String> = conn
        .query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name")
        .expect("listing tables");
    tables
        .into_iter()
        .map(|table| {
            let create: Option<(String, String)> = conn
                .query_first(format!("SHOW CREATE TABLE `{table}`"))
                .expect("SHOW CREATE TABLE");
            (table, create.expect("a table").1)
        })
        .collect()
}

/// On MariaDB, `generate` on a database with no `prosody` table creates
/// exactly the table Prosody 13 makes there (13: identical, index and
/// character set included; 0.12: the same but for the name of its index)
/// and no other. A server started on that database then honours the
/// invite; 13 keeps the table as it is, 0.12 adds its own index beside.
pub fn new_mysql_database_gets_the_servers_schema(server: &Server) {
    assert_eq!(server.storage, Storage::Mysql, "a MariaDB scenario");
    let db = crate::support::mariadb_server::server()
        .expect("the server the server runs on")
        .fresh_database();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_invitectl"));
    cmd.arg("--store")
        .arg(db.url())
        .args([HOST, "generate", "--json"])
        .envs(db.env());
    let out = Running::spawn("invitectl generate on a new database", cmd).wait(COMMAND_TIMEOUT);
    assert!(
        out.status.success(),
        "generate on a new database: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).expect("generate --json");
    let token = made["token"].as_str().expect("token").to_string();

    let ours = my_schema(&mut db.client());
    let theirs = my_schema(&mut server.my());
    assert_eq!(ours.len(), 1, "invitectl makes one table: {ours:?}");
    let theirs_prosody = &theirs
        .iter()
        .find(|(t, _)| t == "prosody")
        .expect("the server's table")
        .1;
    match server.version {
        Version::V13 => assert_eq!(&ours[0].1, theirs_prosody, "Prosody 13's table"),
        Version::V012 => assert_eq!(
            ours[0].1,
            theirs_prosody.replace("KEY `prosody_index`", "KEY `prosody_unique_index`"),
            "0.12's table, with 13's index name"
        ),
    }

    let options = Options {
        storage: Storage::Mysql,
        ..Options::default()
    };
    let second = super::harness::start_on_my_database(server.version, options, db);
    register_ok(&second, &token, "early", "pw-early");
    assert!(second.account_exists("early"));
    assert!(second.invite_rows(&token).is_empty(), "token consumed");
    let after = my_schema(&mut second.my());
    let prosody_after = &after
        .iter()
        .find(|(t, _)| t == "prosody")
        .expect("the table")
        .1;
    match server.version {
        Version::V13 => assert_eq!(prosody_after, &ours[0].1, "13 keeps invitectl's table"),
        Version::V012 => assert!(
            prosody_after.contains("KEY `prosody_index`")
                && prosody_after.contains("KEY `prosody_unique_index`"),
            "0.12 adds its index beside invitectl's: {prosody_after}"
        ),
    }
    // Roles follow the server that uses the database now: 0.12 reads a
    // map, 13 a list.
    let out = second.invitectl_with_config(&["generate", "--admin", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).expect("generate --json");
    let token = made["token"].as_str().expect("token");
    let record = second.invite_rows(token)[0].json();
    let roles = &record["additional_data"]["roles"];
    match server.version {
        Version::V13 => assert_eq!(roles, &serde_json::json!(["prosody:admin"])),
        Version::V012 => assert_eq!(roles, &serde_json::json!({"prosody:admin": true})),
    }
}

// ---------------------------------------------------------------- 17

/// The longest a client may wait for the server during a big `generate`.
const STALL_BOUND: Duration = Duration::from_millis(100);

/// The stall meter's pause between pings (see tests/interop/stall.rs).
const PING_PAUSE: Duration = Duration::from_millis(1);

/// `generate --count 100000` does not stop the server answering: a
/// logged-in client pings it back to back throughout, and the longest round
/// trip stays under [`STALL_BOUND`]. The figures are printed in any case.
pub fn server_keeps_answering(server: &Server) {
    const COUNT: usize = 100_000;
    let _turn = load_turn();
    let globals = live_globals(server);
    let inv = generate(server, &[]);
    register_ok(server, &inv.token, "pinger", "pw-pinger");
    let mut client = server.client();
    client
        .login("pinger", "pw-pinger")
        .expect("login round trip")
        .expect("pinger logs in");
    let meter = StallMeter::start(client, PING_PAUSE, 3 * COMMAND_TIMEOUT)
        .unwrap_or_else(|e| panic!("starting the stall meter: {e:#}\n{}", server.diagnostics()));
    let t0 = Instant::now();
    let out = server
        .spawn_invitectl_with(&globals, &["generate", "--count", &COUNT.to_string()])
        .wait(2 * COMMAND_TIMEOUT);
    let took = t0.elapsed();
    let trips = meter
        .stop()
        .unwrap_or_else(|e| panic!("the stall meter: {e:#}\n{}", server.diagnostics()));
    eprintln!(
        "{} on {:?}: generate --count {COUNT} took {took:?}; meanwhile {trips}",
        server.version.label(),
        server.storage,
    );
    assert!(
        out.status.success(),
        "generate --count {COUNT}: {} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout.iter().filter(|&&b| b == b'\n').count(),
        COUNT,
        "links printed"
    );
    assert_eq!(
        server.rows("invite_token", Some("")).len(),
        COUNT,
        "invites stored"
    );
    assert!(trips.count() >= 10, "too few pings to measure: {trips}");
    assert!(
        trips.max() < STALL_BOUND,
        "{} on {:?}: a client waited {:?} (bound {STALL_BOUND:?}) during generate --count {COUNT}: {trips}",
        server.version.label(),
        server.storage,
        trips.max(),
    );
}
