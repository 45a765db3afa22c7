//! Rows someone else wrote that do not read as invites: listed as
//! damaged, never pruned, shown and revoked by name.

use super::common::*;

/// Rows someone else wrote that do not read as invites.
const DAMAGED: &[(&str, &str, &str, &str)] = &[
    ("", "brokenJsonAAAAAAAAAAAAAA", "json", "{\"expires\":"),
    (
        "",
        "stringExpiresAAAAAAAAAAA",
        "json",
        r#"{"jid":"example.com","expires":"soon"}"#,
    ),
    ("", "notJsonTypeAAAAAAAAAAAAA", "string", "hello"),
    ("dave", "garbageNumberAAAAAAAAAAA", "number", "12abc"),
];

fn damaged_store(schema: Schema) -> Store {
    let store = Store::new(schema);
    for (user, key, kind, value) in DAMAGED {
        store.put(user, key, kind, value);
    }
    store
}

#[test]
fn damaged_rows_are_listed_as_damaged_and_never_pruned() {
    on_each(
        backends(),
        damaged_rows_are_listed_as_damaged_and_never_pruned_on,
    );
}

fn damaged_rows_are_listed_as_damaged_and_never_pruned_on(schema: Schema) {
    let store = damaged_store(schema);
    store.ok(&["generate"]);
    let lines = json_lines(&store.ok(&["list", "--json"]));
    let damaged: Vec<_> = lines.iter().filter(|l| l["kind"] == "damaged").collect();
    assert_eq!(damaged.len(), DAMAGED.len(), "{lines:?}");
    assert!(damaged
        .iter()
        .all(|l| l["error"].as_str().is_some_and(|e| !e.is_empty())));
    assert_eq!(lines.len(), DAMAGED.len() + 1);

    let rows = store.invite_rows();
    store.ok(&["expire"]);
    assert_eq!(store.invite_rows(), rows);
    assert!(store.ok(&["expire", "--dry-run", "--json"]).is_empty());
}

#[test]
fn a_damaged_row_can_be_shown_and_revoked_by_name() {
    on_each(
        backends(),
        a_damaged_row_can_be_shown_and_revoked_by_name_on,
    );
}

fn a_damaged_row_can_be_shown_and_revoked_by_name_on(schema: Schema) {
    let store = damaged_store(schema);
    let shown = json_lines(&store.ok(&["show", "brokenJsonAAAAAAAAAAAAAA", "--json"]));
    assert_eq!(shown[0]["kind"], "damaged");
    store.ok(&[
        "revoke",
        "brokenJsonAAAAAAAAAAAAAA",
        "garbageNumberAAAAAAAAAAA",
    ]);
    assert_eq!(store.invite_rows().len(), DAMAGED.len() - 2);
}

#[test]
fn a_non_text_value_is_damaged_not_fatal() {
    let store = Store::new(Schema::Prosody13);
    store
        .conn()
        .execute(
            "INSERT INTO prosody VALUES (?1, '', 'invite_token', 'blobValueAAAAAAAAAAAAAAA', 'json', x'00ff')",
            [HOST],
        )
        .unwrap();
    let lines = json_lines(&store.ok(&["list", "--json"]));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["kind"], "damaged");
}
