//! A server's data folder (`storage = "internal"`), read and changed for
//! the assertions: each entry of a data file as a [`Row`], tables as the
//! JSON Prosody's SQL storage would hold for them.

use std::path::Path;

use invitectl::lua::{Key, Value};
use invitectl::store::encode_file_name;

use super::harness::{Row, HOST};
use crate::support::data_files::{
    decode_file_name, host_folder, key_text, lua_to_json, read_table, write_table,
};

fn row(user: &str, store: &str, key: &Key, value: &Value) -> Row {
    let (kind, value) = match value {
        Value::Table(_) => ("json", lua_to_json(value).to_string()),
        Value::Int(i) => ("number", i.to_string()),
        Value::Float(f) => ("number", f.to_string()),
        Value::Str(s) => ("string", s.to_string_lossy().into_owned()),
        Value::Bool(b) => ("boolean", b.to_string()),
    };
    Row {
        host: HOST.to_owned(),
        user: user.to_owned(),
        store: store.to_owned(),
        key: key_text(key),
        kind: kind.to_owned(),
        value,
    }
}

/// The entries of `store` (the host-level file and every user's file, or
/// only `user`'s), ordered by user and key like the SQL query.
pub fn rows(root: &Path, store: &str, user: Option<&str>) -> Vec<Row> {
    let folder = host_folder(root, HOST);
    let mut rows = Vec::new();
    if user.is_none_or(str::is_empty) {
        let table = read_table(&folder.join(format!("{store}.dat")));
        rows.extend(table.iter().map(|(k, v)| row("", store, k, v)));
    }
    let users: Vec<String> = match user {
        Some("") => Vec::new(),
        Some(user) => vec![user.to_owned()],
        None => std::fs::read_dir(folder.join(store))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter_map(|n| n.strip_suffix(".dat").map(decode_file_name))
                    .collect()
            })
            .unwrap_or_default(),
    };
    for user in users {
        let file = folder
            .join(store)
            .join(format!("{}.dat", encode_file_name(&user)));
        let table = read_table(&file);
        rows.extend(table.iter().map(|(k, v)| row(&user, store, k, v)));
    }
    rows.sort_by(|a, b| (&a.user, &a.key).cmp(&(&b.user, &b.key)));
    rows
}

/// Rewrites `expires` of invite `token` in its host-level record and in
/// every per-user record, in place (so the files keep owner and mode).
pub fn set_invite_expiry(root: &Path, token: &str, expires: i64) {
    let folder = host_folder(root, HOST);
    let host_file = folder.join("invite_token.dat");
    let mut table = read_table(&host_file);
    let record = table
        .get_mut(token)
        .and_then(Value::as_table_mut)
        .unwrap_or_else(|| panic!("no host-level record for {token}"));
    record.insert("expires", expires);
    write_table(&host_file, table);
    for entry in std::fs::read_dir(folder.join("invite_token"))
        .into_iter()
        .flatten()
    {
        let path = entry.expect("folder entry").path();
        let mut table = read_table(&path);
        if table.contains_key(token) {
            table.insert(token, expires);
            write_table(&path, table);
        }
    }
}
