use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use super::common::*;

fn record(store: &Store, token: &str) -> Value {
    let rows = store.invite_rows();
    let (_, _, kind, value) = rows
        .iter()
        .find(|r| r.0.is_empty() && r.1 == token)
        .expect("host-level row");
    assert_eq!(kind, "json");
    serde_json::from_str(value).unwrap()
}

/// The rules every host-level record keeps, as Prosody's mod_invites
/// writes one.
fn assert_spec_record(record: &Value, token: &str) {
    let raw = record.to_string();
    assert!(!raw.contains("null"), "null in {raw}");
    assert_eq!(record["token"], token);
    assert!(record["uri"].as_str().unwrap().starts_with("xmpp:"));
    assert!(record["uri"]
        .as_str()
        .unwrap()
        .contains(&format!("preauth={token}")));
    assert!(
        record["created_at"].is_i64() && record["expires"].is_i64(),
        "{raw}"
    );
    assert_eq!(record["allow_registration"], true);
    if let Some(reusable) = record.get("reusable") {
        assert_eq!(
            reusable,
            &Value::Bool(true),
            "reusable present but not true"
        );
    }
}

#[test]
fn an_account_invite_follows_spec_on_both_schemas() {
    on_each(all(), |schema| {
        let store = Store::new(schema);
        let before = store.foreign_state();
        let link = store.ok(&["generate"]);
        let token = token_of(link.trim());
        assert_eq!(link, format!("xmpp:example.com?register;preauth={token}\n"));
        assert_eq!(token.len(), 24);
        let rec = record(&store, &token);
        assert_spec_record(&rec, &token);
        assert_eq!(rec["type"], "register");
        assert_eq!(rec["jid"], "example.com");
        assert!(rec.get("reusable").is_none());
        let ttl = rec["expires"].as_i64().unwrap() - rec["created_at"].as_i64().unwrap();
        assert_eq!(ttl, 7 * 86_400);
        assert!((rec["created_at"].as_i64().unwrap() - now()).abs() < 60);
        assert_eq!(store.invite_rows().len(), 1);
        assert_eq!(store.foreign_state(), before);
    });
}

#[test]
fn every_kind_writes_the_records_spec_names() {
    on_each(backends(), |schema| {
        let store = Store::new(schema);
        let before = store.foreign_state();

        let token = token_of(&store.ok(&["generate", "--username", "Dave"]));
        let rec = record(&store, &token);
        assert_spec_record(&rec, &token);
        assert_eq!(rec["jid"], "dave@example.com");
        assert_eq!(
            rec["uri"],
            format!("xmpp:dave@example.com?register;preauth={token}")
        );

        let token = token_of(&store.ok(&["generate", "--reset", "bob"]));
        let rec = record(&store, &token);
        assert_spec_record(&rec, &token);
        assert_eq!(rec["jid"], "bob@example.com");
        assert_eq!(rec["additional_data"]["allow_reset"], "bob");
        assert_eq!(
            rec["expires"].as_i64().unwrap() - rec["created_at"].as_i64().unwrap(),
            86_400
        );

        let link = store.ok(&["generate", "--contact", "alice"]);
        let token = token_of(&link);
        assert!(link.trim().ends_with(";ibr=y"), "{link}");
        let rec = record(&store, &token);
        assert_spec_record(&rec, &token);
        assert_eq!(rec["type"], "roster");
        assert_eq!(rec["jid"], "alice@example.com");
        let per_user: Vec<_> = store
            .invite_rows()
            .into_iter()
            .filter(|r| r.1 == token && !r.0.is_empty())
            .collect();
        assert_eq!(per_user.len(), 1);
        assert_eq!(per_user[0].0, "alice");
        assert_eq!(per_user[0].2, "number");
        assert_eq!(per_user[0].3, rec["expires"].to_string());

        let link = store.ok(&["generate", "--contact", "alice", "--no-register"]);
        let token = token_of(&link);
        assert_eq!(
            link.trim(),
            format!("xmpp:alice@example.com?roster;preauth={token}")
        );
        let rows: Vec<_> = store
            .invite_rows()
            .into_iter()
            .filter(|r| r.1 == token)
            .collect();
        assert_eq!(rows.len(), 1, "contact-only has only the per-user record");
        assert_eq!(
            (rows[0].0.as_str(), rows[0].2.as_str()),
            ("alice", "number")
        );

        let token = token_of(&store.ok(&[
            "generate",
            "--group",
            "staff",
            "--group",
            "ops",
            "--reusable",
            "--ttl",
            "2w",
        ]));
        let rec = record(&store, &token);
        assert_spec_record(&rec, &token);
        assert_eq!(rec["reusable"], true);
        assert_eq!(
            rec["additional_data"]["groups"],
            serde_json::json!(["staff", "ops"])
        );
        assert_eq!(
            rec["expires"].as_i64().unwrap() - rec["created_at"].as_i64().unwrap(),
            14 * 86_400
        );

        let token = token_of(&store.ok(&[
            "generate",
            "--admin",
            "--role",
            "prosody:member",
            "--note",
            "for the new admin",
        ]));
        let rec = record(&store, &token);
        assert_eq!(
            rec["additional_data"]["roles"],
            serde_json::json!(["prosody:admin", "prosody:member"])
        );
        assert_eq!(rec["additional_data"]["note"], "for the new admin");

        let token = token_of(&store.ok(&["generate", "--admin", "--roles-format", "map"]));
        assert_eq!(
            record(&store, &token)["additional_data"]["roles"],
            serde_json::json!({"prosody:admin": true})
        );

        assert_eq!(store.foreign_state(), before);
    });
}

#[test]
fn count_makes_distinct_invites_in_one_go() {
    on_each(all(), |schema| {
        let store = Store::new(schema);
        let before = store.foreign_state();
        let out = store.ok(&["generate", "--count", "500", "--json"]);
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 500);
        let tokens: std::collections::HashSet<_> = lines
            .iter()
            .map(|l| l["token"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(tokens.len(), 500);
        let rows = store.invite_rows();
        assert_eq!(rows.len(), 500);
        assert!(rows.iter().all(|r| tokens.contains(&r.1)));
        assert_eq!(store.foreign_state(), before);
    });
}

#[test]
fn json_output_has_the_documented_fields() {
    let store = Store::new(Schema::Prosody13);
    let out = store.ok(&[
        "generate", "--json", "--group", "g1", "--role", "r1", "--note", "n", "--ttl", "1h",
    ]);
    let line = &json_lines(&out)[0];
    for field in [
        "token",
        "kind",
        "jid",
        "uri",
        "landing_page",
        "link",
        "created_at",
        "created_at_unix",
        "expires",
        "expires_unix",
        "expired",
        "reusable",
        "allow_registration",
        "inviter",
        "reset_user",
        "roles",
        "groups",
        "note",
        "source",
    ] {
        assert!(line.get(field).is_some(), "no {field} in {line}");
    }
    assert_eq!(line["kind"], "account");
    assert_eq!(line["roles"], serde_json::json!(["r1"]));
    assert_eq!(line["groups"], serde_json::json!(["g1"]));
    assert_eq!(
        line["expires_unix"].as_i64().unwrap() - line["created_at_unix"].as_i64().unwrap(),
        3_600
    );
    assert!(line["expires"].as_str().unwrap().ends_with('Z'));
    let rec = record(&store, line["token"].as_str().unwrap());
    assert_eq!(rec["expires"], line["expires_unix"]);
}

#[test]
fn landing_pages_are_rendered_stored_and_printed() {
    let store = Store::new(Schema::Prosody13);
    let link = store.ok(&[
        "generate",
        "--landing-page",
        "https://{host}/invite/{invite.token}/",
    ]);
    let token = link
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(link, format!("https://example.com/invite/{token}/\n"));
    assert_eq!(record(&store, &token)["landing_page"], link.trim());

    // From the environment too. As in Prosody 13, a password reset gets
    // one (it is a `register` invite); a contact-only invite does not.
    let generate = |args: &[&str]| {
        let out = invitectl()
            .env(
                "INVITECTL_LANDING_PAGE",
                "https://{host}:5281/invites_page?{invite.token}",
            )
            .args(["--store", store.path().to_str().unwrap(), HOST, "generate"])
            .args(args)
            .assert()
            .success();
        stdout_of(&out)
    };
    let link = generate(&["--reset", "bob"]);
    let token = link.trim().rsplit('?').next().unwrap().to_owned();
    assert_eq!(
        link,
        format!("https://example.com:5281/invites_page?{token}\n")
    );
    assert_eq!(record(&store, &token)["landing_page"], link.trim());
    let link = generate(&["--contact", "alice", "--no-register"]);
    assert!(
        link.starts_with("xmpp:alice@example.com?roster;preauth="),
        "{link}"
    );
}

#[test]
fn a_new_store_gets_prosody_13s_schema_private_to_its_owner() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/new.sqlite");
    invitectl()
        .arg("--store")
        .arg(&path)
        .args([HOST, "generate"])
        .assert()
        .success()
        .stderr("");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let schema: Vec<String> = conn
        .prepare("SELECT sql FROM sqlite_master ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        schema,
        [
            r#"CREATE TABLE "prosody" ("host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL)"#,
            r#"CREATE UNIQUE INDEX "prosody_unique_index" ON "prosody" ("host", "user", "store", "key")"#,
        ]
    );
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "delete");
}

#[test]
fn an_existing_store_keeps_its_mode_and_journal() {
    let store = Store::new(Schema::Prosody13);
    store
        .conn()
        .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o640)).unwrap();
    let before = store.foreign_state();
    store.ok(&["generate", "--count", "3"]);
    store.ok(&["expire"]);
    assert_eq!(
        std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
    assert_eq!(
        store.foreign_state(),
        before,
        "journal mode or foreign rows changed"
    );
}

#[test]
fn the_default_store_is_announced_once() {
    let data = tempfile::tempdir().unwrap();
    let run = || {
        invitectl()
            .env("XDG_DATA_HOME", data.path())
            .args([HOST, "generate"])
            .assert()
            .success()
    };
    let first = run();
    let stderr = String::from_utf8(first.get_output().stderr.clone()).unwrap();
    let path = data.path().join("invitectl/invites.sqlite");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
    run().stderr("");
    assert!(exists(&path));
}
