//! Run as root on the server's store, invitectl acts as the store's owner,
//! so it leaves no root-owned file where the server must write.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::common::*;
use crate::support::accounts::is_root;
use crate::support::skip::skipped;

/// The server's user in these tests: an id no one else uses.
const SERVER: u32 = 4242;

fn chown_tree(path: &Path, id: u32) {
    std::os::unix::fs::chown(path, Some(id), Some(id)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), id);
        }
    }
}

/// Every file and folder below `path` (itself included) with its owner.
fn owners(path: &Path, out: &mut Vec<(String, u32, u32)>) {
    let meta = std::fs::symlink_metadata(path).unwrap();
    out.push((path.display().to_string(), meta.uid(), meta.gid()));
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            owners(&entry.unwrap().path(), out);
        }
    }
}

fn assert_all_owned_by_server(root: &Path) {
    let mut all = Vec::new();
    owners(root, &mut all);
    let foreign: Vec<_> = all
        .iter()
        .filter(|(_, uid, gid)| (*uid, *gid) != (SERVER, SERVER))
        .collect();
    assert!(foreign.is_empty(), "not the server's: {foreign:?}");
}

#[test]
fn on_file_storage_root_acts_as_the_data_folders_owner() {
    if !is_root() {
        skipped("on_file_storage_root_acts_as_the_data_folders_owner needs root");
        return;
    }
    let store = Store::new(Schema::Files);
    chown_tree(store.path(), SERVER);
    store.ok(&["generate", "--contact", "bob"]);
    store.ok(&["generate", "--count", "3"]);
    let token = token_of(&store.ok(&["generate", "--reset", "carol"]));
    store.ok(&["revoke", &token]);
    assert!(store.user_file("bob").exists());
    assert_all_owned_by_server(store.path());
}

#[test]
fn on_sqlite_root_acts_as_the_folders_owner() {
    if !is_root() {
        skipped("on_sqlite_root_acts_as_the_folders_owner needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    chown_tree(&data, SERVER);
    let db = data.join("prosody.sqlite");
    let run = |args: &[&str]| {
        invitectl()
            .arg("--store")
            .arg(&db)
            .arg(HOST)
            .args(args)
            .assert()
            .success();
    };
    // A new database is the server's, and so is everything after.
    run(&["generate"]);
    run(&["generate", "--count", "50"]);
    run(&["expire"]);
    assert_all_owned_by_server(&data);
}

#[test]
fn a_store_of_roots_keeps_root() {
    if !is_root() {
        skipped("a_store_of_roots_keeps_root needs root");
        return;
    }
    let store = Store::new(Schema::Prosody13);
    store.ok(&["generate"]);
    assert_eq!(std::fs::metadata(store.path()).unwrap().uid(), 0);
}
