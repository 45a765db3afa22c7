use super::common::*;

#[test]
fn list_shows_pending_invites_newest_first_including_foreign_made_and_contact_only() {
    on_each(all(), |schema| {
        let store = Store::new(schema);
        let before = store.foreign_state();
        let now = now();
        store.put(
            "",
            "ukwQ_kgBSGa5rFmRZCz62XxG",
            "json",
            &prosody_row("ukwQ_kgBSGa5rFmRZCz62XxG", now - 100, now + 1_000),
        );
        store.put(
            "",
            "oldoldoldoldoldoldoldold",
            "json",
            &prosody_row("oldoldoldoldoldoldoldold", now - 900, now + 1_000),
        );
        store.put(
            "",
            "expiredexpiredexpiredexp",
            "json",
            &prosody_row("expiredexpiredexpiredexp", now - 900, now - 10),
        );
        store.put(
            "bob",
            "contactonlycontactonlyco",
            "number",
            &(now + 500).to_string(),
        );
        let newest = token_of(&store.ok(&["generate"]));

        let lines = json_lines(&store.ok(&["list", "--json"]));
        let tokens: Vec<_> = lines.iter().map(|l| l["token"].as_str().unwrap()).collect();
        assert_eq!(
            tokens,
            [
                newest.as_str(),
                "ukwQ_kgBSGa5rFmRZCz62XxG",
                "oldoldoldoldoldoldoldold",
                "contactonlycontactonlyco"
            ]
        );
        assert_eq!(lines[3]["kind"], "contact");
        assert_eq!(lines[3]["inviter"], "bob");
        assert_eq!(lines[3]["allow_registration"], false);
        assert_eq!(lines[1]["groups"], serde_json::json!([]));

        let all = json_lines(&store.ok(&["list", "--all", "--json"]));
        assert_eq!(all.len(), 5);
        let expired = json_lines(&store.ok(&["list", "--expired", "--json"]));
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0]["token"], "expiredexpiredexpiredexp");
        assert_eq!(expired[0]["expired"], true);

        let contacts = json_lines(&store.ok(&["list", "--kind", "contact", "--json"]));
        assert_eq!(contacts.len(), 1);
        assert_eq!(store.foreign_state(), before);
    });
}

#[test]
fn list_filters_by_kind() {
    on_each(backends(), |schema| {
        let store = Store::new(schema);
        store.ok(&["generate"]);
        store.ok(&["generate", "--reset", "bob"]);
        store.ok(&["generate", "--contact", "alice"]);
        store.ok(&["generate", "--reusable"]);
        for kind in ["account", "reset", "contact", "group"] {
            let lines = json_lines(&store.ok(&["list", "--kind", kind, "--json"]));
            assert_eq!(lines.len(), 1, "{kind}");
            assert_eq!(lines[0]["kind"], kind);
        }
    });
}

#[test]
fn piped_list_is_tab_separated_without_escape_codes() {
    on_each(backends(), |schema| {
        let store = Store::new(schema);
        // generate refuses such a note; another tool may have written it.
        store.put(
            "",
            "noteFromElsewhereAAAAAAA",
            "json",
            r#"{"jid":"example.com","expires":4102444800,"created_at":1,"type":"register","additional_data":{"note":"line\nbreak \u001b[31mred"}}"#,
        );
        let out = store.ok(&["list"]);
        assert!(!out.contains('\u{1b}'), "{out:?}");
        let fields: Vec<_> = out.trim_end().split('\t').collect();
        assert_eq!(fields.len(), 6, "{out:?}");
        assert_eq!(fields[1], "account");
        assert_eq!(fields[5], "line\\u{a}break \\u{1b}[31mred");
    });
}

#[test]
fn show_prints_one_invite() {
    on_each(backends(), |schema| {
        let store = Store::new(schema);
        let token = token_of(&store.ok(&["generate", "--contact", "alice", "--note", "hello"]));
        let json = json_lines(&store.ok(&["show", &token, "--json"]));
        assert_eq!(json.len(), 1);
        assert_eq!(json[0]["token"], token.as_str());
        assert_eq!(json[0]["kind"], "contact");
        assert_eq!(json[0]["note"], "hello");
        let text = store.ok(&["show", &token]);
        assert!(
            text.contains(&token) && text.contains("contact of alice") && text.contains("hello"),
            "{text}"
        );
    });
}

#[test]
fn show_of_an_unknown_token_exits_3() {
    on_each(backends(), |schema| {
        let store = Store::new(schema);
        let bytes = store.file_bytes();
        let out = store
            .run(&["show", "ZZZZZZZZZZZZZZZZZZZZZZZZ"])
            .code(3)
            .stdout("");
        let stderr = stderr_of(&out);
        assert_eq!(
            stderr,
            "invitectl: no invite with token ZZZZZZZZZZZZZZZZZZZZZZZZ\n"
        );
        assert_eq!(store.file_bytes(), bytes);
    });
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let store = Store::new(Schema::Prosody13);
    store.ok(&["generate", "--count", "20000"]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("invitectl"))
        .args([
            "--store",
            store.path().to_str().unwrap(),
            HOST,
            "list",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// The JSON Lines contract, byte for byte: field order, escapes (quotes,
/// backslashes, control characters, non-ASCII left as is), times beyond
/// the calendar's range, nulls, roles in both shapes, damaged records.
#[test]
fn list_json_lines_are_pinned_byte_for_byte() {
    on_each([Schema::Prosody012, Schema::Prosody13], |schema| {
        let store = Store::new(schema);
        store.put(
            "",
            "fullfullfullfullfullfull",
            "json",
            r#"{"type":"register","jid":"example.com","token":"fullfullfullfullfullfull","uri":"xmpp:example.com?register;preauth=fullfullfullfullfullfull","allow_registration":true,"created_at":1795271948,"expires":4102444800,"reusable":true,"additional_data":{"roles":{"prosody:member":true,"prosody:admin":false,"x\"y":1},"groups":["g\"1","g\\2","\u001f\t"],"note":"for \"Bob\"\n\u0001 é ✓ \u2028 \u007f","source":"admin@example.com"},"landing_page":"https://example.com/i#t=1"}"#,
        );
        store.put(
            "",
            "resetresetresetresetrese",
            "json",
            r#"{"type":"register","jid":"alice@example.com","allow_registration":false,"created_at":1795271947.7,"expires":253402300800,"additional_data":{"allow_reset":"alice","roles":["prosody:registered"]}}"#,
        );
        store.put("bob", "contactcontactcontactcon", "number", "4102444800.0");
        store.put("", "brokenbrokenbrokenbroken", "json", "{");
        store.put("carol", "badbadbadbadbadbadbadbad", "string", "soon");
        let out = store.ok(&["list", "--all", "--json"]);
        let mut lines: Vec<&str> = out.lines().collect();
        // Records without a creation time come last; their order among
        // themselves is the backend's.
        lines[2..].sort_unstable();
        // Raw U+2028 and DEL: JSON needs no escape for them.
        let first = r#"{"token":"fullfullfullfullfullfull","kind":"group","jid":"example.com","uri":"xmpp:example.com?register;preauth=fullfullfullfullfullfull","landing_page":"https://example.com/i#t=1","link":"https://example.com/i#t=1","created_at":"2026-11-21T14:39:08Z","created_at_unix":1795271948,"expires":"2100-01-01T00:00:00Z","expires_unix":4102444800,"expired":false,"reusable":true,"allow_registration":true,"inviter":null,"reset_user":null,"roles":["prosody:member","x\"y"],"groups":["g\"1","g\\2","\u001f\t"],"note":"for \"Bob\"\n\u0001 é ✓ <LS> <DEL>","source":"admin@example.com"}"#
            .replace("<LS>", "\u{2028}")
            .replace("<DEL>", "\u{7f}");
        assert_eq!(
            lines,
            [
                first.as_str(),
                r#"{"token":"resetresetresetresetrese","kind":"reset","jid":"alice@example.com","uri":"xmpp:alice@example.com?register;preauth=resetresetresetresetrese","landing_page":null,"link":"xmpp:alice@example.com?register;preauth=resetresetresetresetrese","created_at":"2026-11-21T14:39:07Z","created_at_unix":1795271947,"expires":"253402300800","expires_unix":253402300800,"expired":false,"reusable":false,"allow_registration":false,"inviter":null,"reset_user":"alice","roles":["prosody:registered"],"groups":[],"note":null,"source":null}"#,
                r#"{"token":"badbadbadbadbadbadbadbad","kind":"damaged","user":"carol","error":"per-user record is not a number (string)"}"#,
                r#"{"token":"brokenbrokenbrokenbroken","kind":"damaged","user":null,"error":"unreadable JSON: EOF while parsing an object at line 1 column 1"}"#,
                r#"{"token":"contactcontactcontactcon","kind":"contact","jid":"bob@example.com","uri":"xmpp:bob@example.com?roster;preauth=contactcontactcontactcon","landing_page":null,"link":"xmpp:bob@example.com?roster;preauth=contactcontactcontactcon","created_at":null,"created_at_unix":null,"expires":"2100-01-01T00:00:00Z","expires_unix":4102444800,"expired":false,"reusable":false,"allow_registration":false,"inviter":"bob","reset_user":null,"roles":[],"groups":[],"note":null,"source":null}"#,
            ],
            "{schema:?}"
        );
    });
}
