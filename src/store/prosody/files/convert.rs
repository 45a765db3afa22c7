//! Invites as Lua values: the host-level record as a table and the
//! per-user record as a number, read with exactly the rules of the SQL
//! backend's JSON records.
//!
//! A Lua record is read by turning it into the JSON value Prosody's own
//! JSON encoder would make of it, and handing that to [`record`]: so
//! Lua's truth, lists that are empty tables, roles as a list or a map and
//! what counts as damaged are decided in one place for both backends.

use serde_json::{Map, Number, Value as Json};

use crate::invite::Invite;
use crate::lua::{Key, Table, Value};
use crate::record::{self, Entry};

/// The host-level record as the table Prosody stores.
pub fn encode_host(invite: &Invite) -> Value {
    // `record::encode` writes only strings, integers, booleans, objects
    // and arrays, so the JSON always reads back.
    let json: Json = serde_json::from_str(&record::encode(invite)).unwrap_or(Json::Null);
    json_to_lua(&json).unwrap_or_else(|| Table::new().into())
}

/// The per-user record: the expiry.
pub fn encode_user(invite: &Invite) -> Value {
    Value::Int(invite.expires)
}

/// Reads the host-level record stored under `key`.
pub fn decode_host(key: &Key, value: &Value) -> Entry {
    let token = key_text(key);
    match value {
        Value::Table(_) => {
            let json = lua_to_json(value).to_string();
            record::decode_host_record(token, "json", &json)
        }
        other => record::decode_host_record(token, other.type_name(), ""),
    }
}

/// Reads `user`'s per-user record stored under `key`.
pub fn decode_user(host: &str, user: &str, key: &Key, value: &Value) -> Entry {
    let token = key_text(key);
    let (kind, text) = match value {
        Value::Int(i) => ("number", i.to_string()),
        Value::Float(f) if f.is_finite() => ("number", format!("{f}")),
        Value::Float(_) => ("number", "NaN".to_owned()),
        other => (other.type_name(), String::new()),
    };
    record::decode_user_record(host, user.to_owned(), token, kind, &text)
}

/// A key as the token text it stands for.
pub fn key_text(key: &Key) -> String {
    match key {
        Key::Str(s) => s.to_string_lossy().into_owned(),
        Key::Int(i) => i.to_string(),
        Key::Float(f) => f.get().to_string(),
        Key::Bool(b) => b.to_string(),
    }
}

/// The JSON Prosody's encoder makes of a Lua value: a table whose keys
/// are exactly `1..n` is an array, any other table (the empty one too) an
/// object. NaN and the infinities, which JSON lacks, become `null`,
/// which the record reader treats as Lua treats them: true, and no number.
fn lua_to_json(value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Number((*i).into()),
        Value::Float(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.to_string_lossy().into_owned()),
        Value::Table(t) => {
            if !t.is_empty() && t.sequence().count() == t.len() {
                Json::Array(t.sequence().map(lua_to_json).collect())
            } else {
                let mut map = Map::new();
                for (k, v) in t.iter() {
                    map.insert(key_text(k), lua_to_json(v));
                }
                Json::Object(map)
            }
        }
    }
}

/// The Lua value of a JSON value; `None` for `null`, which has none.
fn json_to_lua(json: &Json) -> Option<Value> {
    Some(match json {
        Json::Null => return None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64()?),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => Table::from_sequence(items.iter().filter_map(json_to_lua)).into(),
        Json::Object(map) => {
            let mut table = Table::new();
            for (k, v) in map {
                if let Some(v) = json_to_lua(v) {
                    table.insert(k.as_str(), v);
                }
            }
            table.into()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invite::RolesFormat;
    use crate::jid::Host;
    use crate::lua::parse;

    /// A host-level file as Prosody 0.12.3 wrote it (see the README,
    /// "Prosody's file storage").
    const PROSODY_FILE: &str = "return {\n\t[\"zpEFMWvMjTRqIawWAPZce_Ps\"] = {\n\t\t[\"jid\"] = \"alice@example.com\";\n\t\t[\"expires\"] = 1795358368;\n\t\t[\"additional_data\"] = {\n\t\t\t[\"allow_reset\"] = \"alice\";\n\t\t};\n\t\t[\"created_at\"] = 1795271968;\n\t\t[\"allow_registration\"] = true;\n\t\t[\"type\"] = \"register\";\n\t\t[\"uri\"] = \"xmpp:alice@example.com?register;preauth=zpEFMWvMjTRqIawWAPZce_Ps\";\n\t\t[\"token\"] = \"zpEFMWvMjTRqIawWAPZce_Ps\";\n\t};\n};\n";

    fn first(file: &str) -> Entry {
        let value = parse(file.as_bytes()).unwrap();
        let (key, record) = value.as_table().unwrap().iter().next().unwrap();
        decode_host(key, record)
    }

    #[test]
    fn reads_a_file_prosody_wrote() {
        let Entry::Invite(invite) = first(PROSODY_FILE) else {
            panic!("not read")
        };
        assert_eq!(invite.token.as_str(), "zpEFMWvMjTRqIawWAPZce_Ps");
        assert_eq!(invite.jid, "alice@example.com");
        assert_eq!(invite.allow_reset.as_deref(), Some("alice"));
        assert_eq!(invite.created_at, Some(1795271968));
        assert_eq!(invite.expires, 1795358368);
        assert!(!invite.reusable && invite.allow_registration);
    }

    #[test]
    fn round_trips_every_field_in_both_role_shapes() {
        let host = Host::parse("example.com").unwrap();
        for format in [RolesFormat::List, RolesFormat::Map] {
            let request = crate::record::tests::every_field(format);
            let invite = request.build(&host, 1_700_000_000).unwrap();
            let lua = encode_host(&invite);
            let table = lua.as_table().unwrap();
            assert!(!table.contains_key("reusable"));
            let roles = table
                .get("additional_data")
                .and_then(Value::as_table)
                .and_then(|a| a.get("roles"))
                .and_then(Value::as_table)
                .unwrap();
            match format {
                RolesFormat::List => assert_eq!(roles.sequence().count(), 2),
                RolesFormat::Map => assert_eq!(roles.get("prosody:admin"), Some(&true.into())),
            }
            let key = Key::from(invite.token.as_str());
            assert_eq!(decode_host(&key, &lua), Entry::Invite(invite.clone()));
            let user = decode_user("example.com", "alice", &key, &encode_user(&invite));
            let Entry::Invite(read) = user else { panic!() };
            assert_eq!(read.expires, invite.expires);
        }
    }

    #[test]
    fn lua_truth_and_empty_tables() {
        let reusable = |v: &str| {
            let file = format!(
                "return {{ x = {{ jid = 'example.com', expires = 5, reusable = {v}, additional_data = {{ groups = {{}}, roles = {{}} }} }} }}"
            );
            match first(&file) {
                Entry::Invite(invite) => {
                    assert!(invite.groups.is_empty() && invite.roles.is_empty());
                    invite.reusable
                }
                Entry::Damaged(d) => panic!("{d:?}"),
            }
        };
        assert!(reusable("true") && reusable("1") && reusable("'no'") && reusable("(0/0)"));
        assert!(!reusable("false") && !reusable("nil"));
    }

    #[test]
    fn damaged_records_are_entries() {
        for file in [
            "return { x = 5 }",
            "return { x = 'text' }",
            "return { x = { jid = 'example.com' } }",
            "return { x = { jid = 'example.com', expires = 'soon' } }",
            "return { x = { jid = 'example.com', expires = (1/0) } }",
            "return { x = { type = 'teleport', jid = 'e', expires = 5 } }",
            "return { x = { 'a', 'b' } }",
        ] {
            assert!(matches!(first(file), Entry::Damaged(_)), "{file}");
        }
        let key = Key::from("x");
        for bad in [
            Value::from("soon"),
            Value::Float(f64::NAN),
            Table::new().into(),
        ] {
            let read = decode_user("example.com", "bob", &key, &bad);
            assert!(matches!(read, Entry::Damaged(_)), "{bad:?}");
        }
        let read = decode_user("example.com", "bob", &key, &Value::Float(1795876775.0));
        assert!(matches!(read, Entry::Invite(i) if i.expires == 1795876775));
    }
}
