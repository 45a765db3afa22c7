//! Reading Prosody's file storage as the assertions need it: a data
//! file's table, its keys as text, tables as the JSON Prosody's SQL
//! storage would hold for them, and file names back to the names they
//! encode.

use std::path::{Path, PathBuf};

use invitectl::lua::{parse, to_prosody_string, Key, Table, Value};

/// The folder of `host` in the data folder `root`.
pub fn host_folder(root: &Path, host: &str) -> PathBuf {
    root.join(invitectl::store::encode_file_name(host))
}

/// The table in a data file; an empty one when there is no file.
pub fn read_table(path: &Path) -> Table {
    match std::fs::read(path) {
        Ok(bytes) => match parse(&bytes) {
            Ok(Value::Table(t)) => t,
            other => panic!("{}: {other:?}", path.display()),
        },
        Err(_) => Table::new(),
    }
}

/// Writes `table` to `path` as Prosody writes a data file, in place (so
/// the file keeps its owner and mode).
pub fn write_table(path: &Path, table: Table) {
    let text = to_prosody_string(&table.into()).expect("serialisable");
    std::fs::write(path, text).expect("writing a data file");
}

/// A key as the SQL storage's `key` column would hold it.
pub fn key_text(key: &Key) -> String {
    match key {
        Key::Str(s) => s.to_string_lossy().into_owned(),
        Key::Int(i) => i.to_string(),
        Key::Bool(b) => b.to_string(),
        Key::Float(f) => f.get().to_string(),
    }
}

/// A table with keys exactly `1..n` as an array, any other as an object.
pub fn lua_to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Float(f) => (*f).into(),
        Value::Str(s) => s.to_string_lossy().into_owned().into(),
        Value::Table(t) if !t.is_empty() && t.sequence().count() == t.len() => {
            serde_json::Value::Array(t.sequence().map(lua_to_json).collect())
        }
        Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (key_text(k), lua_to_json(v)))
                .collect(),
        ),
    }
}

/// The name a data file's stem encodes (the inverse of
/// `invitectl::store::encode_file_name`).
pub fn decode_file_name(stem: &str) -> String {
    let mut out = Vec::new();
    let mut rest = stem.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' && tail.len() >= 2 {
            let hex = std::str::from_utf8(&tail[..2]).expect("ASCII name");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            rest = &tail[2..];
        } else {
            out.push(b);
            rest = tail;
        }
    }
    String::from_utf8(out).expect("UTF-8 name")
}
