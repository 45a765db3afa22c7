//! Properties of the parsers, on random input (proptest, a bounded number
//! of cases; failures are kept in `properties.regressions` beside this
//! file and replayed first). cargo-fuzz needs a nightly compiler, which CI
//! does not have. The Lua reader and writer have their own properties in
//! `src/lua/tests/proptests.rs` (write-then-read round trip, never panics).

use std::time::Duration;

use invitectl::duration::{parse_ttl, MAX_TTL};
use invitectl::ejabberd_config::LandingTemplate;
use invitectl::invite::{InviteRequest, RolesFormat, Target};
use invitectl::record::{decode_host_record, decode_user_record, encode};
use invitectl::token::Token;
use invitectl::uri::LandingPage;
use invitectl::{Entry, Host, Username};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::Value;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

const UNITS: [(&str, u64); 10] = [
    ("s", 1),
    ("seconds", 1),
    ("m", 60),
    ("min", 60),
    ("h", 3_600),
    ("hours", 3_600),
    ("d", 86_400),
    ("day", 86_400),
    ("w", 604_800),
    ("weeks", 604_800),
];

/// Pieces that steer random text into the parsers' corners.
fn soup(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(pieces).prop_map(str::to_owned),
            1 => any::<String>(),
            1 => "[0-9]{1,25}",
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

const DURATION_PIECES: &[&str] = &[
    "0",
    "1",
    "7",
    "d",
    "h",
    "m",
    "s",
    "w",
    " ",
    "-",
    "+",
    ".",
    "e",
    "week",
    "weeks",
    "18446744073709551615",
    "٣",
    "\u{0}",
    "\u{202e}",
    "y",
    "ms",
];

const TEMPLATE_PIECES: &[&str] = &[
    "https://",
    "http://",
    "ftp://",
    "{",
    "}",
    "{host}",
    "{invite.token}",
    "{invite.uri}",
    "{invite.jid}",
    "{invite.",
    "/",
    "?",
    "#",
    ":",
    "@",
    "%",
    "%zz",
    "[",
    "]",
    "example.com",
    "..",
    " ",
    "\u{1b}",
    "\u{202e}",
    "\\",
    "javascript:",
];

/// Templates shaped like real ones, with random pieces in the path.
fn template() -> impl Strategy<Value = String> {
    prop_oneof![
        soup(TEMPLATE_PIECES),
        (
            prop::sample::select(&["https://", "http://"][..]),
            prop::sample::select(&["{host}", "example.org", "{host}:5281", "[::1]"][..]),
            soup(TEMPLATE_PIECES),
            prop::sample::select(
                &[
                    "{invite.token}",
                    "{invite.uri}",
                    "?{invite.token}",
                    "#{invite.uri}"
                ][..]
            ),
            soup(TEMPLATE_PIECES),
        )
            .prop_map(|(scheme, host, a, var, b)| format!("{scheme}{host}/{a}{var}{b}")),
    ]
}

const EJABBERD_TEMPLATE_PIECES: &[&str] = &[
    "https://",
    "http://",
    "{{",
    "}}",
    "{",
    "}",
    "{%",
    "{#",
    "|",
    " ",
    "{{ host }}",
    "{{ invite.token }}",
    "{{invite.uri|strip_protocol}}",
    "{{ invite.uri|urlencode|safe }}",
    "{{ invite.inviter|jid }}",
    "{{ invite.inviter|user }}",
    "{{ invite.account_name }}",
    "{{ invite.type }}",
    "{{ invite.",
    "|safe",
    "/",
    "?",
    "#",
    "&",
    "example.com",
    "\u{1b}",
    "\u{202e}",
];

/// mod_invites' templates, shaped like real ones, with random pieces.
fn ejabberd_template() -> impl Strategy<Value = String> {
    prop_oneof![
        soup(EJABBERD_TEMPLATE_PIECES),
        (
            prop::sample::select(&["https://", "http://"][..]),
            prop::sample::select(&["{{ host }}", "example.org", "{{host}}:5443", "[::1]"][..]),
            soup(EJABBERD_TEMPLATE_PIECES),
            prop::sample::select(
                &[
                    "{{ invite.token }}",
                    "{{invite.uri}}",
                    "?{{ invite.token|safe }}",
                    "#{{ invite.uri|strip_protocol }}"
                ][..]
            ),
            soup(EJABBERD_TEMPLATE_PIECES),
        )
            .prop_map(|(scheme, host, a, var, b)| format!("{scheme}{host}/{a}{var}{b}")),
    ]
}

/// A random JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(&["roles", "groups", "note", "x", "prosody:admin"][..])
                    .prop_map(str::to_owned),
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A host-level record with the real field names and random values.
fn record_like() -> impl Strategy<Value = String> {
    prop::collection::btree_map(
        prop::sample::select(
            &[
                "jid",
                "token",
                "uri",
                "type",
                "expires",
                "created_at",
                "reusable",
                "allow_registration",
                "additional_data",
                "landing_page",
            ][..],
        ),
        json_value(),
        0..10,
    )
    .prop_map(|m| {
        Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()).to_string()
    })
}

/// Text a person may give as a group, role or note.
fn safe_text() -> impl Strategy<Value = String> {
    "[^\\p{Cc}\u{200e}\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}]{1,40}"
}

fn request() -> impl Strategy<Value = InviteRequest> {
    let target = prop_oneof![
        Just(None),
        "[a-z]{1,12}".prop_map(|u| Some(Target::Account(Some(Username::parse(&u).unwrap())))),
        "[a-z]{1,12}".prop_map(|u| Some(Target::Reset(Username::parse(&u).unwrap()))),
        ("[a-z]{1,12}", any::<bool>()).prop_map(|(u, reg)| Some(Target::Contact {
            inviter: Username::parse(&u).unwrap(),
            allow_registration: reg,
        })),
    ];
    (
        target,
        prop::collection::vec(safe_text(), 0..3),
        prop::collection::vec(safe_text(), 0..3),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(1..=MAX_TTL.as_secs()),
        prop::option::of(safe_text()),
    )
        .prop_map(|(target, groups, roles, reusable, map, ttl, note)| {
            let mut request = InviteRequest {
                target,
                groups,
                roles,
                reusable,
                roles_format: if map {
                    RolesFormat::Map
                } else {
                    RolesFormat::List
                },
                ttl: ttl.map(Duration::from_secs),
                note,
                landing_page: None,
            };
            // Keep only combinations that make sense.
            if request.validate().is_err() {
                request.groups.clear();
                request.roles.clear();
                request.reusable = false;
            }
            request
        })
}

/// Whether a JSON value holds `null` anywhere.
fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// The duration parser never panics, whatever it is given.
    #[test]
    fn durations_never_panic(text in soup(DURATION_PIECES)) {
        let _ = parse_ttl(&text);
    }

    /// It adds parts up exactly, refuses zero and more than ten years,
    /// and never overflows.
    #[test]
    fn durations_add_up(parts in prop::collection::vec((0u64..2_000_000_000_000, 0..UNITS.len(), any::<bool>()), 1..5)) {
        let text: String = parts.iter().map(|(n, u, space)| format!("{n}{}{}", if *space { " " } else { "" }, UNITS[*u].0)).collect();
        let total = parts.iter().try_fold(0u64, |acc, (n, u, _)| n.checked_mul(UNITS[*u].1).and_then(|p| acc.checked_add(p)));
        match (parse_ttl(&text), total) {
            (Ok(d), Some(t)) => prop_assert!(d.as_secs() == t && t > 0 && t <= MAX_TTL.as_secs(), "{text}: {d:?} vs {t}"),
            (Err(_), Some(t)) => prop_assert!(t == 0 || t > MAX_TTL.as_secs(), "{text} refused, sum {t}"),
            (Err(_), None) => {}
            (Ok(d), None) => prop_assert!(false, "{text}: {d:?} from an overflowing sum"),
        }
    }

    /// The template checker never panics, and what it accepts always
    /// renders to an http(s) URL with a host, on one line, with no
    /// control or direction characters, carrying the token.
    #[test]
    fn landing_pages_render_safe_urls(template in template(), req in request()) {
        let Ok(page) = LandingPage::parse(&template) else { return Ok(()) };
        let host = Host::parse("example.com").unwrap();
        let invite = req.build(&host, 1_700_000_000).unwrap();
        let url = page.render(&host, &invite);
        prop_assert!(!url.chars().any(|c| c.is_control() || c.is_whitespace() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')), "{url:?}");
        let parsed = url::Url::parse(&url);
        prop_assert!(parsed.as_ref().is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()), "{template:?} gave {url:?}");
        if template.contains("{invite.token}") {
            prop_assert!(url.contains(invite.token.as_str()));
        }
    }

    /// The same of mod_invites' templates (ejabberd's invites): what is
    /// accepted renders, for every kind of invite, to an http(s) URL with
    /// a host and no control or direction characters, carrying the token.
    #[test]
    fn ejabberd_landing_pages_render_safe_urls(template in ejabberd_template(), req in request()) {
        let Ok(page) = LandingTemplate::parse(&template) else { return Ok(()) };
        let host = Host::parse("example.com").unwrap();
        let invite = req.build(&host, 1_700_000_000).unwrap();
        let url = page.render(host.as_str(), &invite);
        prop_assert!(!url.chars().any(|c| c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')), "{url:?}");
        let parsed = url::Url::parse(&url);
        prop_assert!(parsed.as_ref().is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()), "{template:?} gave {url:?}");
        if template.contains("{{ invite.token }}") {
            prop_assert!(url.contains(invite.token.as_str()));
        }
    }

    /// The invite JSON reader never panics: on any text, and on records
    /// with the real field names holding any values.
    #[test]
    fn the_record_reader_never_panics(text in any::<String>(), record in record_like(), kind in prop::sample::select(&["json", "number", "string", ""][..])) {
        let _ = decode_host_record("AAAAAAAAAAAAAAAAAAAAAAAA".into(), kind, &text);
        let _ = decode_host_record("AAAAAAAAAAAAAAAAAAAAAAAA".into(), "json", &record);
        let _ = decode_user_record("example.com", "bob".into(), "AAAAAAAAAAAAAAAAAAAAAAAA".into(), kind, &text);
    }

    /// Every invite invitectl makes is written without `null` and read
    /// back as the same invite.
    #[test]
    fn records_round_trip(req in request(), now in 0i64..4_000_000_000) {
        let host = Host::parse("example.com").unwrap();
        let invite = req.build_with_token(&host, now, Token::generate().unwrap()).unwrap();
        prop_assume!(invite.allow_registration);
        let json = encode(&invite);
        let value: Value = serde_json::from_str(&json).unwrap();
        prop_assert!(!has_null(&value), "{json}");
        let read = decode_host_record(invite.token.as_str().to_owned(), "json", &json);
        // What the record cannot say: the roles format of no roles, and
        // the order of roles in 0.12's map.
        let normal = |mut invite: invitectl::Invite| {
            if invite.roles.is_empty() {
                invite.roles_format = RolesFormat::List;
            }
            if invite.roles_format == RolesFormat::Map {
                invite.roles.sort();
                invite.roles.dedup();
            }
            invite
        };
        let Entry::Invite(read) = read else {
            return Err(TestCaseError::fail(format!("{json} read as {read:?}")));
        };
        prop_assert_eq!(normal(read), normal(invite));
    }
}
