//! The store on Prosody's file storage: a data folder seeded with files
//! that are not invites of HOST, and ways to read and write its invite
//! files as the server would.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use invitectl::lua::{Table, Value};
use serde_json::Value as Json;

use super::{Schema, Store, HOST};
use crate::support::data_files::{
    decode_file_name, key_text, lua_to_json, read_table, write_table,
};

/// Files of the server that are not invites of HOST, as Prosody writes
/// them: (path in the data folder, content, mode).
const FOREIGN_FILES: &[(&str, &str, u32)] = &[
    (
        "example%2ecom/accounts/alice.dat",
        "return {\n\t[\"password\"] = \"secret\";\n};\n",
        0o640,
    ),
    (
        "example%2ecom/roster/alice.dat",
        "return {\n\t[false] = {\n\t\t[\"version\"] = 2;\n\t};\n\t[\"bob@example.com\"] = {\n\t\t[\"subscription\"] = \"both\";\n\t\t[\"groups\"] = {};\n\t};\n};\n",
        0o600,
    ),
    (
        "example%2ecom/invite_token_x.dat",
        "return {\n\t[\"AAAAAAAAAAAAAAAAAAAAAAAA\"] = {\n\t\t[\"expires\"] = 1;\n\t};\n};\n",
        0o640,
    ),
    (
        "example%2ecom/archive/alice.list",
        "item({[\"with\"] = \"bob@example.com\";[\"when\"] = 1;});\n",
        0o640,
    ),
    (
        "other%2eexample/invite_token.dat",
        "return {\n\t[\"BBBBBBBBBBBBBBBBBBBBBBBB\"] = {\n\t\t[\"jid\"] = \"other.example\";\n\t\t[\"expires\"] = 1;\n\t\t[\"type\"] = \"register\";\n\t\t[\"created_at\"] = 0;\n\t};\n};\n",
        0o640,
    ),
    (
        "other%2eexample/invite_token/carol.dat",
        "return {\n\t[\"CCCCCCCCCCCCCCCCCCCCCCCC\"] = 1;\n};\n",
        0o640,
    ),
    (
        "EXAMPLE%2eCOM/invite_token.dat",
        "return {\n\t[\"DDDDDDDDDDDDDDDDDDDDDDDD\"] = {\n\t\t[\"jid\"] = \"EXAMPLE.COM\";\n\t\t[\"expires\"] = 1;\n\t};\n};\n",
        0o640,
    ),
];

/// The name of the host's folder in the data folder.
pub fn host_folder_name() -> String {
    invitectl::store::encode_file_name(HOST)
}

impl Store {
    pub(super) fn new_files() -> Store {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        std::fs::create_dir(&path).unwrap();
        for (name, content, mode) in FOREIGN_FILES {
            let file = path.join(name);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, content).unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(*mode)).unwrap();
        }
        Store::local(Schema::Files, dir, path)
    }

    /// A copy of the whole data folder, with its modes, in a folder of
    /// its own.
    pub(super) fn files_copy(&self) -> Store {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        let status = Command::new("cp")
            .arg("-a")
            .arg(self.path())
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
        Store::local(self.schema, dir, path)
    }

    /// The host-level invite file.
    pub fn host_file(&self) -> PathBuf {
        self.path()
            .join(host_folder_name())
            .join("invite_token.dat")
    }

    /// A user's per-user invite file.
    pub fn user_file(&self, user: &str) -> PathBuf {
        self.path()
            .join(host_folder_name())
            .join("invite_token")
            .join(format!("{}.dat", invitectl::store::encode_file_name(user)))
    }

    /// Stores a record as the server would: a JSON record as the table it
    /// stands for, a number as a number, anything else as a string.
    pub(super) fn put_file(&self, user: &str, key: &str, kind: &str, value: &str) {
        let lua = match kind {
            "json" => serde_json::from_str::<Json>(value)
                .ok()
                .and_then(|j| json_to_lua(&j))
                .unwrap_or_else(|| value.into()),
            "number" => value
                .parse::<i64>()
                .map(Value::Int)
                .or_else(|_| value.parse::<f64>().map(Value::Float))
                .unwrap_or_else(|_| value.into()),
            _ => value.into(),
        };
        let file = if user.is_empty() {
            self.host_file()
        } else {
            self.user_file(user)
        };
        let mut table = read_table(&file);
        table.insert(key, lua);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        write_table(&file, table);
    }

    /// The invite records of HOST as (user, key, type, value) rows: the
    /// host-level file's entries in file order, as JSON when they are
    /// tables, then each user's entries, users in name order.
    pub(super) fn invite_records(&self) -> Vec<(String, String, String, String)> {
        let mut rows = Vec::new();
        for (key, value) in read_table(&self.host_file()).iter() {
            let (kind, text) = match value {
                Value::Table(_) => ("json", lua_to_json(value).to_string()),
                other => (other.type_name(), text_of(other)),
            };
            rows.push((String::new(), key_text(key), kind.into(), text));
        }
        let folder = self.path().join(host_folder_name()).join("invite_token");
        let mut users: Vec<String> = std::fs::read_dir(&folder)
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().into_string().unwrap())
                    .filter_map(|n| n.strip_suffix(".dat").map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        users.sort();
        for user in users {
            for (key, value) in read_table(&folder.join(format!("{user}.dat"))).iter() {
                let name = decode_file_name(&user);
                rows.push((
                    name,
                    key_text(key),
                    value.type_name().into(),
                    text_of(value),
                ));
            }
        }
        rows
    }

    /// Every file and folder of the data folder but HOST's invite files.
    pub(super) fn foreign_files(&self) -> Vec<String> {
        let host = host_folder_name();
        let ours = |rel: &str| {
            rel == format!("{host}/invite_token.dat")
                || rel == format!("{host}/invite_token")
                || rel.starts_with(&format!("{host}/invite_token/"))
        };
        tree(self.path(), |rel| !ours(rel))
    }
}

/// Each file and folder under `root` that `keep` keeps, by its path
/// relative to `root`, with its mode, owner and bytes; sorted.
pub(super) fn tree(root: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(folder) = todo.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                todo.push(path.clone());
            }
            if !keep(&rel) {
                continue;
            }
            let bytes = if meta.is_file() {
                std::fs::read(&path).unwrap()
            } else {
                Vec::new()
            };
            out.push(format!(
                "{rel}|{:o}|{}:{}|{}",
                meta.mode(),
                meta.uid(),
                meta.gid(),
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    out.sort();
    out
}

fn text_of(value: &Value) -> String {
    match value {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => s.to_string_lossy().into_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Table(_) => lua_to_json(value).to_string(),
    }
}

fn json_to_lua(json: &Json) -> Option<Value> {
    Some(match json {
        Json::Null => return None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or(Value::Float(n.as_f64()?)),
        Json::String(s) => s.as_str().into(),
        Json::Array(items) => Table::from_sequence(items.iter().filter_map(json_to_lua)).into(),
        Json::Object(map) => {
            let mut t = Table::new();
            for (k, v) in map {
                if let Some(v) = json_to_lua(v) {
                    t.insert(k.as_str(), v);
                }
            }
            t.into()
        }
    })
}
