//! Prosody's stored form of an invite: the host-level JSON record and the
//! per-user expiry number (see the README, "Design notes": the stored
//! invite).

use std::borrow::Cow;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::invite::{Action, Invite, RolesFormat};
use crate::token::Token;
use crate::uri::xmpp_uri;

/// What one stored invite turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A record that reads as an invite.
    Invite(Invite),
    /// A record that cannot be read. It is shown, never pruned.
    Damaged(Damaged),
}

impl Entry {
    /// Whether `expire` removes this entry: an invite that reads whole,
    /// was not used (ejabberd keeps used ones, see [`Invite::used_by`])
    /// and has expired at `now`. A damaged record never does.
    pub fn is_expired_invite(&self, now: i64) -> bool {
        matches!(self, Entry::Invite(invite) if !invite.is_used() && invite.is_expired(now))
    }

    /// The token the record is stored under.
    pub fn token(&self) -> &Token {
        match self {
            Entry::Invite(invite) => &invite.token,
            Entry::Damaged(damaged) => &damaged.token,
        }
    }
}

/// A record someone else wrote that does not read as an invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    /// The key it is stored under.
    pub token: Token,
    /// The user of a per-user record; `None` for the host-level record.
    pub user: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// Encodes the host-level record as compact JSON, as Prosody would: no
/// `null` anywhere, integer times, `reusable` only when true.
pub fn encode(invite: &Invite) -> String {
    let additional = AdditionalOut {
        roles: (!invite.roles.is_empty()).then_some(RolesOut(&invite.roles, invite.roles_format)),
        groups: (!invite.groups.is_empty()).then_some(&invite.groups),
        allow_reset: invite.allow_reset.as_deref(),
        note: invite.note.as_deref(),
        source: invite.source.as_deref(),
    };
    let record = RecordOut {
        action: invite.action.as_str(),
        jid: &invite.jid,
        token: invite.token.as_str(),
        uri: &invite.uri,
        allow_registration: true,
        created_at: invite.created_at.unwrap_or(0),
        expires: invite.expires,
        reusable: invite.reusable.then_some(true),
        additional_data: (!additional.is_empty()).then_some(additional),
        landing_page: invite.landing_page.as_deref(),
    };
    // Serialising plain strings, numbers and booleans cannot fail.
    serde_json::to_string(&record).unwrap_or_default()
}

#[derive(Serialize)]
struct RecordOut<'a> {
    #[serde(rename = "type")]
    action: &'a str,
    jid: &'a str,
    token: &'a str,
    uri: &'a str,
    allow_registration: bool,
    created_at: i64,
    expires: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reusable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_data: Option<AdditionalOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    landing_page: Option<&'a str>,
}

#[derive(Serialize)]
struct AdditionalOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    roles: Option<RolesOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<&'a Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_reset: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
}

impl AdditionalOut<'_> {
    fn is_empty(&self) -> bool {
        self.roles.is_none()
            && self.groups.is_none()
            && self.allow_reset.is_none()
            && self.note.is_none()
            && self.source.is_none()
    }
}

struct RolesOut<'a>(&'a [String], RolesFormat);

impl Serialize for RolesOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.1 {
            RolesFormat::List => serializer.collect_seq(self.0),
            RolesFormat::Map => {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for role in self.0 {
                    map.serialize_entry(role, &true)?;
                }
                map.end()
            }
        }
    }
}

/// Reads a host-level record stored under `key`.
pub fn decode_host_record(key: String, kind: &str, value: &str) -> Entry {
    let token = Token::from_store(key);
    let record = match read_host_record(kind, value) {
        Ok(record) => record,
        Err(reason) => {
            return Entry::Damaged(Damaged {
                token,
                user: None,
                reason,
            })
        }
    };
    let HostRecord {
        record,
        jid,
        action,
        expires,
    } = record;
    let additional = AdditionalIn::from_value(record.additional_data);
    let (roles, roles_format) = read_roles(additional.roles.as_ref());
    let uri = match record.uri {
        Some(uri) => uri.into_owned(),
        None => xmpp_uri(action, &jid, &token, action == Action::Roster),
    };
    Entry::Invite(Invite {
        action,
        jid: jid.into_owned(),
        uri,
        allow_registration: record.allow_registration.as_ref().is_none_or(is_truthy),
        created_at: record.created_at.as_ref().and_then(as_unix_time),
        expires,
        reusable: record.reusable.as_ref().is_some_and(is_truthy),
        roles,
        roles_format,
        groups: read_list(additional.groups.as_ref()),
        allow_reset: additional.allow_reset,
        note: additional.note,
        source: additional.source,
        landing_page: record.landing_page.map(Cow::into_owned),
        used_by: None,
        token,
    })
}

/// Whether a host-level record reads as an invite expired at `now`: the
/// answer of `decode_host_record(..).is_expired_invite(now)`, from the
/// same checks, without building the invite. `expire` asks this of every
/// row it deletes.
pub fn host_record_is_expired(kind: &str, value: &str, now: i64) -> bool {
    read_host_record(kind, value).is_ok_and(|r| now > r.expires)
}

/// The creation time of a host-level record, for sorting: the one that
/// `decode_host_record` shows, read without the rest of the record (so a
/// record that is damaged elsewhere still sorts by its time; one whose
/// JSON does not parse has none).
pub fn host_record_created_at(kind: &str, value: &str) -> Option<i64> {
    /// Only `created_at`; serde_json skips the rest without building it.
    #[derive(Deserialize)]
    struct CreatedIn {
        created_at: Option<Value>,
    }
    if kind != "json" {
        return None;
    }
    serde_json::from_str::<CreatedIn>(value)
        .ok()?
        .created_at
        .as_ref()
        .and_then(as_unix_time)
}

/// A host-level record that reads as an invite.
struct HostRecord<'a> {
    record: RecordIn<'a>,
    jid: Cow<'a, str>,
    action: Action,
    expires: i64,
}

/// What makes a host-level record an invite, or why it is damaged.
fn read_host_record<'a>(kind: &str, value: &'a str) -> Result<HostRecord<'a>, String> {
    if kind != "json" {
        return Err(format!("stored as {kind:?}, not json"));
    }
    let mut record: RecordIn = match serde_json::from_str(value) {
        Ok(record) => record,
        Err(e) => return Err(format!("unreadable JSON: {e}")),
    };
    let Some(expires) = record.expires.as_ref().and_then(as_unix_time) else {
        return Err("no numeric expires".into());
    };
    let action = match record.action.as_deref() {
        Some("roster") => Action::Roster,
        Some("register") | None => Action::Register,
        Some(other) => return Err(format!("unknown type {other:?}")),
    };
    let Some(jid) = record.jid.take() else {
        return Err("no jid".into());
    };
    Ok(HostRecord {
        record,
        jid,
        action,
        expires,
    })
}

/// Reads a per-user record: `user`'s contact invite, which holds only its
/// expiry. Used for contact-only invites, which have no host-level record.
pub fn decode_user_record(host: &str, user: String, key: String, kind: &str, value: &str) -> Entry {
    let token = Token::from_store(key);
    let Some(expires) = user_record_expires(kind, value) else {
        return Entry::Damaged(Damaged {
            token,
            user: Some(user),
            reason: format!("per-user record is not a number ({kind})"),
        });
    };
    let jid = format!("{user}@{host}");
    Entry::Invite(Invite {
        uri: xmpp_uri(Action::Roster, &jid, &token, false),
        token,
        action: Action::Roster,
        jid,
        allow_registration: false,
        created_at: None,
        expires,
        reusable: false,
        roles: Vec::new(),
        roles_format: RolesFormat::default(),
        groups: Vec::new(),
        allow_reset: None,
        note: None,
        source: None,
        landing_page: None,
        used_by: None,
    })
}

/// Whether a per-user record reads as an invite expired at `now`: the
/// answer of `decode_user_record(..).is_expired_invite(now)`.
pub fn user_record_is_expired(kind: &str, value: &str, now: i64) -> bool {
    user_record_expires(kind, value).is_some_and(|expires| now > expires)
}

fn user_record_expires(kind: &str, value: &str) -> Option<i64> {
    match kind {
        "number" => parse_number(value),
        _ => None,
    }
}

#[derive(Deserialize)]
struct RecordIn<'a> {
    #[serde(rename = "type", borrow)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow)]
    jid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "present")]
    allow_registration: Option<Value>,
    created_at: Option<Value>,
    expires: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    reusable: Option<Value>,
    additional_data: Option<Value>,
    #[serde(borrow)]
    landing_page: Option<Cow<'a, str>>,
}

/// The parts of `additional_data` invitectl knows. Prosody encodes an
/// empty table as `{}` or `[]`, so lists may arrive as objects and the
/// whole of it as an array; a field of the wrong type reads as absent.
#[derive(Default)]
struct AdditionalIn {
    roles: Option<Value>,
    groups: Option<Value>,
    allow_reset: Option<String>,
    note: Option<String>,
    source: Option<String>,
}

impl AdditionalIn {
    fn from_value(value: Option<Value>) -> AdditionalIn {
        let Some(Value::Object(mut map)) = value else {
            return AdditionalIn::default();
        };
        let mut text = |key: &str| match map.remove(key) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        AdditionalIn {
            allow_reset: text("allow_reset"),
            note: text("note"),
            source: text("source"),
            roles: map.remove("roles"),
            groups: map.remove("groups"),
        }
    }
}

/// Keeps a JSON `null` as a value instead of reading it as absent: to
/// Prosody a present `null` is true.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Lua's truth: everything but `false` and `nil` is true, and Prosody
/// decodes JSON `null` to a value that is true.
fn is_truthy(value: &Value) -> bool {
    !matches!(value, Value::Bool(false))
}

fn as_unix_time(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.floor() as i64)
        }),
        _ => None,
    }
}

/// Reads a per-user expiry as Prosody stores numbers: an integer, or a
/// float such as `1795876775.0`.
pub(crate) fn parse_number(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f.floor() as i64)
    })
}

fn read_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn read_roles(value: Option<&Value>) -> (Vec<String>, RolesFormat) {
    match value {
        Some(Value::Object(map)) if !map.is_empty() => {
            let mut roles: Vec<String> = map
                .iter()
                .filter(|(_, granted)| is_truthy(granted))
                .map(|(role, _)| role.clone())
                .collect();
            roles.sort();
            (roles, RolesFormat::Map)
        }
        other => (read_list(other), RolesFormat::List),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::invite::{InviteRequest, Target};
    use crate::jid::{Host, Username};

    const PROSODY_ROW: &str = r#"{"token":"ukwQ_kgBSGa5rFmRZCz62XxG","uri":"xmpp:example.com?register;preauth=ukwQ_kgBSGa5rFmRZCz62XxG","additional_data":{"groups":{}},"expires":1795876748,"created_at":1795271948,"type":"register","jid":"example.com","allow_registration":true}"#;

    fn host_entry(key: &str, value: &str) -> Entry {
        decode_host_record(key.into(), "json", value)
    }

    #[test]
    fn reads_a_row_written_by_prosody() {
        let Entry::Invite(invite) = host_entry("ukwQ_kgBSGa5rFmRZCz62XxG", PROSODY_ROW) else {
            panic!("not read");
        };
        assert_eq!(invite.jid, "example.com");
        assert_eq!(invite.created_at, Some(1795271948));
        assert_eq!(invite.expires, 1795876748);
        assert!(invite.groups.is_empty() && !invite.reusable);
    }

    #[test]
    fn round_trips_every_field() {
        let host = Host::parse("example.com").unwrap();
        for format in [RolesFormat::List, RolesFormat::Map] {
            let request = every_field(format);
            let mut invite = request.build(&host, 1_700_000_000).unwrap();
            // generate refuses such notes; other tools may write them.
            invite.note = Some("for \u{1} Bob\n".into());
            let json = encode(&invite);
            assert!(
                !json.contains("null") && !json.contains("reusable"),
                "{json}"
            );
            let read = host_entry(invite.token.as_str(), &json);
            assert_eq!(read, Entry::Invite(invite));
        }
    }

    #[test]
    fn roles_in_both_shapes() {
        let host = Host::parse("example.com").unwrap();
        let mut request = InviteRequest {
            roles: vec!["prosody:admin".into()],
            ..Default::default()
        };
        let list = encode(&request.build(&host, 0).unwrap());
        assert!(list.contains(r#""roles":["prosody:admin"]"#), "{list}");
        request.roles_format = RolesFormat::Map;
        let map = encode(&request.build(&host, 0).unwrap());
        assert!(map.contains(r#""roles":{"prosody:admin":true}"#), "{map}");
    }

    #[test]
    fn reusable_follows_lua_truth() {
        let with = |v: &str| {
            let json = format!(r#"{{"jid":"example.com","expires":5,"reusable":{v}}}"#);
            match host_entry("abcdefgh", &json) {
                Entry::Invite(invite) => invite.reusable,
                Entry::Damaged(d) => panic!("{d:?}"),
            }
        };
        assert!(with("true") && with("null") && with("1"));
        let json = r#"{"jid":"example.com","expires":5,"additional_data":[]}"#;
        assert!(matches!(host_entry("abcdefgh", json), Entry::Invite(_)));
        assert!(!with("false"));
    }

    /// A contact invite that also registers, with every optional field
    /// set (the record tests of each store start from it).
    pub(crate) fn every_field(format: RolesFormat) -> InviteRequest {
        InviteRequest {
            target: Some(Target::Contact {
                inviter: Username::parse("alice").unwrap(),
                allow_registration: true,
            }),
            groups: vec!["g1".into(), "g\"2".into()],
            roles: vec!["prosody:admin".into(), "prosody:member".into()],
            roles_format: format,
            note: Some("for Bob".into()),
            ..Default::default()
        }
    }

    /// JSON records the reader must call damaged.
    const DAMAGED: [&str; 7] = [
        "{",
        "[]",
        "42",
        r#"{"jid":"example.com"}"#,
        r#"{"jid":"example.com","expires":"soon"}"#,
        r#"{"jid":5,"expires":5}"#,
        r#"{"type":"teleport","jid":"e","expires":5}"#,
    ];

    #[test]
    fn damaged_records_are_reported_not_dropped() {
        for bad in DAMAGED {
            assert!(
                matches!(host_entry("abcdefgh", bad), Entry::Damaged(_)),
                "{bad}"
            );
        }
        assert!(matches!(
            decode_host_record("abcdefgh".into(), "string", PROSODY_ROW),
            Entry::Damaged(_)
        ));
    }

    #[test]
    fn the_expiry_test_agrees_with_the_reader() {
        let mut records: Vec<(&str, String)> = DAMAGED
            .iter()
            .chain(&[
                r#"{"jid":"e","expires":5,"additional_data":{"x":1e999}}"#,
                r#"{"jid":"e","expires":5,"expires":5}"#,
                r#"{"jid":"e","expires":5} x"#,
                r#"{"jid":"e","expires":5.5,"created_at":2.5}"#,
                r#"{"jid":"e","expires":5,"created_at":"then"}"#,
                r#"{"jid":"e","expires":1e300}"#,
                r#"{"jid":"e","expires":-5,"reusable":null}"#,
                PROSODY_ROW,
            ])
            .map(|v| ("json", v.to_string()))
            .collect();
        records.push(("string", PROSODY_ROW.into()));
        for (kind, value) in &records {
            let entry = decode_host_record("abcdefgh".into(), kind, value);
            for now in [-10, 4, 5, 6, 1_795_876_748, 1_795_876_749, i64::MAX] {
                assert_eq!(
                    host_record_is_expired(kind, value, now),
                    entry.is_expired_invite(now),
                    "{value} at {now}"
                );
            }
            if let Entry::Invite(invite) = &entry {
                assert_eq!(
                    host_record_created_at(kind, value),
                    invite.created_at,
                    "{value}"
                );
            }
        }
        for (kind, value) in [
            ("number", "5"),
            ("number", "5.5"),
            ("number", "x"),
            ("string", "5"),
        ] {
            let entry = decode_user_record("example.com", "bob".into(), "k".into(), kind, value);
            for now in [4, 5, 6] {
                assert_eq!(
                    user_record_is_expired(kind, value, now),
                    entry.is_expired_invite(now),
                    "{value} at {now}"
                );
            }
        }
    }

    #[test]
    fn per_user_records() {
        let read = decode_user_record(
            "example.com",
            "bob".into(),
            "abcdefgh".into(),
            "number",
            "1795876775",
        );
        let Entry::Invite(invite) = read else {
            panic!()
        };
        assert_eq!(invite.expires, 1795876775);
        assert_eq!(invite.uri, "xmpp:bob@example.com?roster;preauth=abcdefgh");
        assert!(!invite.allow_registration);
        assert_eq!(parse_number("1795876775.0"), Some(1795876775));
        for bad in ["", "soon", "1e999", "NaN"] {
            let read = decode_user_record(
                "example.com",
                "bob".into(),
                "abcdefgh".into(),
                "number",
                bad,
            );
            assert!(matches!(read, Entry::Damaged(_)), "{bad}");
        }
    }
}
