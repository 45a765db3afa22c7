//! What only Prosody's file storage has: files written as Prosody writes
//! them, other invites' entries kept as they were, modes, and files that
//! go away when their table becomes empty.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use super::common::*;
use crate::support::data_files::read_table;

/// A host-level file as Prosody 0.12.3 wrote it.
const PROSODY_HOST_FILE: &str = "return {\n\t[\"zpEFMWvMjTRqIawWAPZce_Ps\"] = {\n\t\t[\"jid\"] = \"alice@example.com\";\n\t\t[\"expires\"] = 4102444800;\n\t\t[\"additional_data\"] = {\n\t\t\t[\"allow_reset\"] = \"alice\";\n\t\t};\n\t\t[\"created_at\"] = 1795271968;\n\t\t[\"allow_registration\"] = true;\n\t\t[\"type\"] = \"register\";\n\t\t[\"uri\"] = \"xmpp:alice@example.com?register;preauth=zpEFMWvMjTRqIawWAPZce_Ps\";\n\t\t[\"token\"] = \"zpEFMWvMjTRqIawWAPZce_Ps\";\n\t};\n\t[\"ukwQ_kgBSGa5rFmRZCz62XxG\"] = {\n\t\t[\"token\"] = \"ukwQ_kgBSGa5rFmRZCz62XxG\";\n\t\t[\"uri\"] = \"xmpp:example.com?register;preauth=ukwQ_kgBSGa5rFmRZCz62XxG\";\n\t\t[\"additional_data\"] = {\n\t\t\t[\"groups\"] = {};\n\t\t};\n\t\t[\"expires\"] = 4102444800;\n\t\t[\"created_at\"] = 1795271948;\n\t\t[\"type\"] = \"register\";\n\t\t[\"jid\"] = \"example.com\";\n\t\t[\"allow_registration\"] = true;\n\t};\n};\n";

/// A per-user file as Prosody writes it.
const PROSODY_USER_FILE: &str = "return {\n\t[\"bobsContactInviteAAAAAAA\"] = 4102444800;\n};\n";

fn seeded() -> Store {
    let store = Store::new(Schema::Files);
    std::fs::create_dir_all(store.user_file("alice").parent().unwrap()).unwrap();
    std::fs::write(store.host_file(), PROSODY_HOST_FILE).unwrap();
    std::fs::write(store.user_file("alice"), PROSODY_USER_FILE).unwrap();
    store
}

#[test]
fn other_invites_come_out_as_prosody_wrote_them() {
    let store = seeded();
    let before = store.foreign_state();
    let host_table = read_table(&store.host_file());
    let user_table = read_table(&store.user_file("alice"));

    let out = store.ok(&["generate", "--contact", "alice", "--count", "3", "--json"]);
    let tokens: Vec<String> = json_lines(&out)
        .iter()
        .map(|l| l["token"].as_str().unwrap().to_owned())
        .collect();
    // Every other entry keeps its value, and its place.
    let grown = read_table(&store.host_file());
    assert_eq!(grown.len(), 5);
    for (key, value) in host_table.iter() {
        assert_eq!(grown.get_key(key), Some(value));
    }
    let grown_user = read_table(&store.user_file("alice"));
    assert_eq!(grown_user.len(), 4);
    assert_eq!(grown_user.iter().next(), user_table.iter().next());

    let mut revoke = vec!["revoke"];
    revoke.extend(tokens.iter().map(String::as_str));
    store.ok(&revoke);
    assert_eq!(
        std::fs::read_to_string(store.host_file()).unwrap(),
        PROSODY_HOST_FILE
    );
    assert_eq!(
        std::fs::read_to_string(store.user_file("alice")).unwrap(),
        PROSODY_USER_FILE
    );
    assert_eq!(store.foreign_state(), before);
}

#[test]
fn reading_changes_no_file() {
    let store = seeded();
    let before = store.file_bytes();
    store.ok(&["list", "--all"]);
    store.ok(&["show", "zpEFMWvMjTRqIawWAPZce_Ps"]);
    store.ok(&["expire", "--dry-run"]);
    store.ok(&["expire"]);
    assert_eq!(store.file_bytes(), before);
}

#[test]
fn new_files_are_0640_and_folders_0750_existing_ones_keep_their_mode() {
    let store = Store::new(Schema::Files);
    let folder = store.user_file("alice").parent().unwrap().to_owned();
    assert!(!folder.exists());
    store.ok(&["generate", "--contact", "alice"]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().mode() & 0o7777;
    assert_eq!(mode(&store.host_file()), 0o640);
    assert_eq!(mode(&store.user_file("alice")), 0o640);
    assert_eq!(mode(&folder), 0o750);
    let data_owner = std::fs::metadata(store.path()).unwrap().uid();
    assert_eq!(
        std::fs::metadata(store.host_file()).unwrap().uid(),
        data_owner
    );

    std::fs::set_permissions(store.host_file(), std::fs::Permissions::from_mode(0o600)).unwrap();
    store.ok(&["generate"]);
    assert_eq!(mode(&store.host_file()), 0o600);
    let names: Vec<_> = std::fs::read_dir(store.host_file().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with('~'))
        .collect();
    assert!(names.is_empty(), "scratch files left: {names:?}");
}

#[test]
fn a_file_whose_table_becomes_empty_is_removed() {
    let store = Store::new(Schema::Files);
    let before = store.foreign_state();
    let contact = token_of(&store.ok(&["generate", "--contact", "alice"]));
    let account = token_of(&store.ok(&["generate"]));
    assert!(store.host_file().exists() && store.user_file("alice").exists());
    store.ok(&["revoke", &contact]);
    assert!(!store.user_file("alice").exists());
    store.ok(&["revoke", &account]);
    assert!(!store.host_file().exists());
    assert_eq!(store.foreign_state(), before);
}

#[test]
fn users_with_odd_names_get_prosodys_file_names() {
    let store = Store::new(Schema::Files);
    let token = token_of(&store.ok(&["generate", "--contact", "zoë.o-k"]));
    let file = store
        .path()
        .join("example%2ecom/invite_token/zo%c3%ab%2eo%2dk.dat");
    assert!(file.is_file());
    let shown = json_lines(&store.ok(&["show", &token, "--json"]));
    assert_eq!(shown[0]["inviter"], "zoë.o-k");
}
