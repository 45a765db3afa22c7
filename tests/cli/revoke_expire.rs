use super::common::*;

#[test]
fn revoke_removes_both_records_and_reports_unknown_tokens() {
    on_each(all(), |schema| {
        let store = Store::new(schema);
        let before = store.foreign_state();
        let contact = token_of(&store.ok(&["generate", "--contact", "alice"]));
        let account = token_of(&store.ok(&["generate"]));
        let keep = token_of(&store.ok(&["generate"]));
        assert_eq!(store.invite_rows().len(), 4);

        let out = store
            .run(&["revoke", &contact, "NoSuchTokenNoSuchTokenAA", &account])
            .code(3)
            .stdout("");
        let stderr = stderr_of(&out);
        assert_eq!(
            stderr,
            "invitectl: no invite with token NoSuchTokenNoSuchTokenAA\n"
        );
        let rows = store.invite_rows();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].1, keep);
        assert_eq!(
            store.foreign_state(),
            before,
            "the other host's rows must stay"
        );
    });
}

#[test]
fn revoke_matches_exactly_never_as_a_pattern() {
    on_each(backends(), |schema| {
        let store = Store::new(schema);
        let token = token_of(&store.ok(&["generate"]));
        let before = store.invite_rows();
        for pattern in [
            &token[..23],
            &format!("{}_", &token[..23]),
            &token.to_lowercase(),
        ] {
            if *pattern == token {
                continue;
            }
            store.run(&["revoke", pattern]).code(3);
        }
        assert_eq!(store.invite_rows(), before);
        store
            .run(&["revoke", "--json", &token])
            .success()
            .stdout(format!("{{\"revoked\":true,\"token\":\"{token}\"}}\n"));
        assert!(store.invite_rows().is_empty());
    });
}

#[test]
fn tokens_may_begin_with_a_hyphen() {
    on_each(backends(), |schema| {
        let store = Store::new(schema);
        let token = "-cTChIJtJMxr26DtdIvAXxTR";
        store.put(
            "",
            token,
            "json",
            r#"{"jid":"example.com","expires":4102444800,"created_at":1}"#,
        );
        assert_eq!(
            json_lines(&store.ok(&["show", token, "--json"]))[0]["token"],
            token
        );
        store.run(&["revoke", token, "--json"]).code(2);
        store.ok(&["revoke", token]);
        assert!(store.invite_rows().is_empty());
    });
}

#[test]
fn expire_removes_expired_invites_of_both_kinds_only() {
    on_each(all(), |schema| {
        let store = Store::new(schema);
        let before = store.foreign_state();
        let now = now();
        let fresh = token_of(&store.ok(&["generate", "--contact", "alice"]));
        // Expired ones, as the server would have written them.
        store.put("", "expiredAccountAAAAAAAAAA", "json",
            &format!(r#"{{"type":"register","jid":"example.com","token":"expiredAccountAAAAAAAAAA","uri":"x","expires":{},"created_at":1}}"#, now - 5));
        store.put("", "expiredContactAAAAAAAAAA", "json",
            &format!(r#"{{"type":"roster","jid":"bob@example.com","token":"expiredContactAAAAAAAAAA","uri":"x","expires":{},"created_at":1,"allow_registration":true}}"#, now - 5));
        store.put(
            "bob",
            "expiredContactAAAAAAAAAA",
            "number",
            &(now - 5).to_string(),
        );
        store.put(
            "carol",
            "expiredContactOnlyAAAAAA",
            "number",
            &format!("{}.0", now - 5),
        );
        store.put(
            "",
            "validUntilNowAAAAAAAAAAA",
            "json",
            &format!(
                r#"{{"type":"register","jid":"example.com","expires":{},"created_at":1}}"#,
                now + 60
            ),
        );

        let dry = json_lines(&store.ok(&["expire", "--dry-run", "--json"]));
        let mut dry_tokens: Vec<_> = dry
            .iter()
            .map(|l| l["token"].as_str().unwrap().to_owned())
            .collect();
        dry_tokens.sort();
        assert_eq!(
            dry_tokens,
            [
                "expiredAccountAAAAAAAAAA",
                "expiredContactAAAAAAAAAA",
                "expiredContactOnlyAAAAAA"
            ]
        );
        assert_eq!(store.invite_rows().len(), 7, "dry run removed something");

        assert_eq!(store.ok(&["expire"]), "removed 3 expired invites\n");
        let mut left: Vec<_> = store.invite_rows().into_iter().map(|r| r.1).collect();
        left.sort();
        left.dedup();
        let mut want = vec![fresh, "validUntilNowAAAAAAAAAAA".to_owned()];
        want.sort();
        assert_eq!(left, want);
        assert_eq!(store.foreign_state(), before);

        store
            .run(&["expire", "--quiet"])
            .success()
            .stdout("")
            .stderr("");
        assert_eq!(store.ok(&["expire", "--json"]), "{\"removed\":0}\n");
    });
}

#[test]
fn expire_works_through_a_large_store_slice_by_slice() {
    // More host records than one slice of the prune (10,000), with a run
    // of one key repeated past a whole slice, as 0.12's plain index
    // allows: exactly the expired rows go, whatever the slicing.
    let store = Store::new(Schema::Prosody012);
    let before = store.foreign_state();
    let now = now();
    let mut rows = Vec::new();
    for i in 0..14_000u32 {
        // Keys in no particular order: every slice mixes expired and not.
        let key = format!("{:08x}{:016}", i.wrapping_mul(2_654_435_761), i);
        let expires = if i % 3 == 0 { now - 60 } else { now + 3_600 };
        rows.push((key.clone(), prosody_row(&key, 1, expires)));
    }
    for i in 0..10_500 {
        let key = "sameKeyAgainAndAgainAAAA".to_owned();
        let expires = if i % 2 == 0 { now - 60 } else { now + 3_600 };
        rows.push((key.clone(), prosody_row(&key, 1, expires)));
    }
    let expired = rows
        .iter()
        .filter(|(_, v)| v.contains(&format!("\"expires\":{}", now - 60)))
        .count();
    let mut kept: Vec<(String, String)> = rows
        .iter()
        .filter(|(_, v)| !v.contains(&format!("\"expires\":{}", now - 60)))
        .cloned()
        .collect();
    store.put_many(rows);

    assert_eq!(
        store.ok(&["expire", "--json"]),
        format!("{{\"removed\":{expired}}}\n")
    );
    let mut left: Vec<(String, String)> = store
        .invite_rows()
        .into_iter()
        .map(|(_, key, _, value)| (key, value))
        .collect();
    left.sort();
    kept.sort();
    assert_eq!(left.len(), kept.len());
    assert!(left == kept, "the rows left are not the unexpired ones");
    assert_eq!(store.foreign_state(), before);
}
