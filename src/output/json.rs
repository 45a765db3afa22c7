//! JSON Lines output: one object per line, a stable contract.
//!
//! An invite:
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `token` | string | the secret |
//! | `kind` | string | `account`, `reset`, `contact` or `group` |
//! | `jid` | string | the host, or `user@host` |
//! | `uri` | string | the `xmpp:` URI |
//! | `landing_page` | string or null | the landing-page URL |
//! | `link` | string | what to hand out: `landing_page`, else `uri` |
//! | `created_at` | string or null | ISO 8601 UTC; null for contact-only invites |
//! | `created_at_unix` | integer or null | the same in Unix seconds |
//! | `expires` | string | ISO 8601 UTC |
//! | `expires_unix` | integer | Unix seconds; valid while now ≤ this |
//! | `expired` | boolean | whether the server would refuse it now |
//! | `reusable` | boolean | whether it survives being used |
//! | `allow_registration` | boolean | whether it can create an account |
//! | `inviter` | string or null | for contact invites, the inviting user |
//! | `reset_user` | string or null | for password resets, the account |
//! | `roles` | array of strings | granted on registration, primary first |
//! | `groups` | array of strings | joined on registration |
//! | `note` | string or null | free text |
//! | `source` | string or null | who made it, where recorded |
//! | `used_by` | string, only when present | the bare JID that used it (ejabberd keeps used invites; Prosody's stores never have this field) |
//!
//! A record that cannot be read: `{"token": …, "kind": "damaged", "user":
//! null or the per-user record's user, "error": …}`. New fields may be
//! added; existing ones keep their name, type and meaning.

use crate::invite::Invite;
use crate::record::{Damaged, Entry};

/// One invite as a JSON object, without the newline.
pub fn invite(invite: &Invite, now: i64) -> String {
    let mut out = String::with_capacity(512);
    write_invite(&mut out, invite, now);
    out
}

/// A damaged record as a JSON object, without the newline.
pub fn damaged(damaged: &Damaged) -> String {
    let mut out = String::with_capacity(128);
    write_damaged(&mut out, damaged);
    out
}

/// Any entry as a JSON object, without the newline.
pub fn entry(entry: &Entry, now: i64) -> String {
    let mut out = String::with_capacity(512);
    write_entry(&mut out, entry, now);
    out
}

/// Appends any entry as a JSON object, without the newline, so that a
/// listing can reuse one buffer for every line.
pub fn write_entry(out: &mut String, entry: &Entry, now: i64) {
    match entry {
        Entry::Invite(i) => write_invite(out, i, now),
        Entry::Damaged(d) => write_damaged(out, d),
    }
}

// The lines are written by hand rather than through serde: at a million
// rows, serde_json's per-byte escaping and a String per time were a
// quarter of `list --json`. The bytes are serde_json's, field for field
// (the tests compare them with serde_json's output of the same fields).

fn write_invite(out: &mut String, invite: &Invite, now: i64) {
    out.push_str("{\"token\":");
    string(out, invite.token.as_str());
    out.push_str(",\"kind\":");
    string(out, invite.kind().as_str());
    out.push_str(",\"jid\":");
    string(out, &invite.jid);
    out.push_str(",\"uri\":");
    string(out, &invite.uri);
    out.push_str(",\"landing_page\":");
    optional(out, invite.landing_page.as_deref());
    out.push_str(",\"link\":");
    string(out, invite.link());
    out.push_str(",\"created_at\":");
    match invite.created_at {
        Some(t) => {
            out.push('"');
            super::time::push_iso8601(out, t);
            out.push_str("\",\"created_at_unix\":");
            number(out, t);
        }
        None => out.push_str("null,\"created_at_unix\":null"),
    }
    out.push_str(",\"expires\":\"");
    super::time::push_iso8601(out, invite.expires);
    out.push_str("\",\"expires_unix\":");
    number(out, invite.expires);
    out.push_str(",\"expired\":");
    boolean(out, invite.is_expired(now));
    out.push_str(",\"reusable\":");
    boolean(out, invite.reusable);
    out.push_str(",\"allow_registration\":");
    boolean(out, invite.allow_registration);
    out.push_str(",\"inviter\":");
    optional(out, invite.inviter());
    out.push_str(",\"reset_user\":");
    optional(out, invite.allow_reset.as_deref());
    out.push_str(",\"roles\":");
    list(out, &invite.roles);
    out.push_str(",\"groups\":");
    list(out, &invite.groups);
    out.push_str(",\"note\":");
    optional(out, invite.note.as_deref());
    out.push_str(",\"source\":");
    optional(out, invite.source.as_deref());
    if let Some(used_by) = &invite.used_by {
        out.push_str(",\"used_by\":");
        string(out, used_by);
    }
    out.push('}');
}

fn write_damaged(out: &mut String, damaged: &Damaged) {
    out.push_str("{\"token\":");
    string(out, damaged.token.as_str());
    out.push_str(",\"kind\":\"damaged\",\"user\":");
    optional(out, damaged.user.as_deref());
    out.push_str(",\"error\":");
    string(out, &damaged.reason);
    out.push('}');
}

/// A JSON string. Text that needs no escape (the usual case: tokens, URIs,
/// JIDs) is copied as is; anything else is escaped by serde_json itself.
fn string(out: &mut String, text: &str) {
    if needs_escape(text.as_bytes()) {
        // A &str always serialises.
        out.push_str(&serde_json::to_string(text).unwrap_or_default());
    } else {
        out.push('"');
        out.push_str(text);
        out.push('"');
    }
}

/// Whether any byte is a control character, `"` or `\\`: eight bytes at a
/// time, since every line is mostly such text.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of `x` is below `n` (n <= 128).
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let hits = below(x, 0x20)
            | below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1);
        if hits != 0 {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

fn optional(out: &mut String, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.push_str("null"),
    }
}

fn list(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, item);
    }
    out.push(']');
}

fn number(out: &mut String, n: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    // Only ASCII digits.
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

fn boolean(out: &mut String, b: bool) {
    out.push_str(if b { "true" } else { "false" });
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use crate::invite::{Invite, InviteRequest, RolesFormat};
    use crate::output::iso8601;
    use crate::record::{Damaged, Entry};

    /// The contract's fields in order, as serde_json writes them: what
    /// the hand-written lines must equal byte for byte.
    #[derive(Serialize)]
    struct InviteLine<'a> {
        token: &'a str,
        kind: &'static str,
        jid: &'a str,
        uri: &'a str,
        landing_page: Option<&'a str>,
        link: &'a str,
        created_at: Option<String>,
        created_at_unix: Option<i64>,
        expires: String,
        expires_unix: i64,
        expired: bool,
        reusable: bool,
        allow_registration: bool,
        inviter: Option<&'a str>,
        reset_user: Option<&'a str>,
        roles: &'a [String],
        groups: &'a [String],
        note: Option<&'a str>,
        source: Option<&'a str>,
    }

    #[derive(Serialize)]
    struct DamagedLine<'a> {
        token: &'a str,
        kind: &'static str,
        user: Option<&'a str>,
        error: &'a str,
    }

    fn by_serde(invite: &Invite, now: i64) -> String {
        serde_json::to_string(&InviteLine {
            token: invite.token.as_str(),
            kind: invite.kind().as_str(),
            jid: &invite.jid,
            uri: &invite.uri,
            landing_page: invite.landing_page.as_deref(),
            link: invite.link(),
            created_at: invite.created_at.map(iso8601),
            created_at_unix: invite.created_at,
            expires: iso8601(invite.expires),
            expires_unix: invite.expires,
            expired: invite.is_expired(now),
            reusable: invite.reusable,
            allow_registration: invite.allow_registration,
            inviter: invite.inviter(),
            reset_user: invite.allow_reset.as_deref(),
            roles: &invite.roles,
            groups: &invite.groups,
            note: invite.note.as_deref(),
            source: invite.source.as_deref(),
        })
        .unwrap()
    }

    #[test]
    fn lines_are_serde_json_s_bytes() {
        let host = Host::parse("example.com").unwrap();
        let long = "a long text, longer than a word of eight bytes, ".repeat(3);
        let mut texts: Vec<String> = [
            "plain",
            "",
            "quote \" backslash \\ slash /",
            "controls \u{0}\u{1}\u{8}\u{9}\u{a}\u{c}\u{d}\u{1f} del \u{7f}",
            "non-ASCII é ✓ \u{2028}\u{2029} \u{1F600} \u{202e}",
        ]
        .map(String::from)
        .into();
        // Every escape at every place in a word, and after it.
        for i in 0..17 {
            for c in ['"', '\\', '\u{0}', '\u{1f}', '\u{20}', '!', '\u{7f}', 'é'] {
                let mut text = long[..i].to_owned();
                text.push(c);
                text.push_str(&long[..i]);
                texts.push(text);
            }
        }
        let mut n = 0;
        for text in &texts {
            let text = text.as_str();
            for (created, expires) in [
                (Some(1_795_271_948), 1_795_876_748),
                (None, -1),
                (Some(0), i64::MAX),
                (Some(i64::MIN), 253_402_300_800),
                (Some(-1), i64::MIN + 1),
            ] {
                let mut invite = InviteRequest::default().build(&host, 1_000).unwrap();
                invite.created_at = created;
                invite.expires = expires;
                invite.note = Some(text.into());
                invite.source = (n % 2 == 0).then(|| text.to_owned());
                invite.landing_page = (n % 3 == 0).then(|| format!("https://x/{text}"));
                invite.allow_reset = (n % 4 == 1).then(|| text.to_owned());
                invite.roles = vec![text.into(), "prosody:member".into()];
                invite.roles_format = RolesFormat::Map;
                invite.groups = (0..n % 3).map(|i| format!("{text}{i}")).collect();
                invite.reusable = n % 2 == 1;
                let now = 1_795_271_948 + n;
                assert_eq!(
                    super::invite(&invite, now),
                    by_serde(&invite, now),
                    "{text:?}"
                );
                n += 1;
            }
            let damaged = Damaged {
                token: Token::from_store(text.into()),
                user: Some(text.into()),
                reason: text.into(),
            };
            let serde = serde_json::to_string(&DamagedLine {
                token: damaged.token.as_str(),
                kind: "damaged",
                user: damaged.user.as_deref(),
                error: &damaged.reason,
            })
            .unwrap();
            assert_eq!(super::entry(&Entry::Damaged(damaged), 0), serde);
        }
    }

    use crate::jid::Host;
    use crate::token::Token;

    #[test]
    fn every_field_is_there() {
        let host = Host::parse("example.com").unwrap();
        let token = Token::parse("ukwQ_kgBSGa5rFmRZCz62XxG").unwrap();
        let invite = InviteRequest {
            note: Some("for Bob".into()),
            ..Default::default()
        }
        .build_with_token(&host, 1_795_271_948, token)
        .unwrap();
        let line: serde_json::Value =
            serde_json::from_str(&super::invite(&invite, 1_795_271_948)).unwrap();
        assert_eq!(line["token"], "ukwQ_kgBSGa5rFmRZCz62XxG");
        assert_eq!(line["kind"], "account");
        assert_eq!(line["created_at"], "2026-11-21T14:39:08Z");
        assert_eq!(line["expires"], "2026-11-28T14:39:08Z");
        assert_eq!(line["expires_unix"], 1_795_876_748);
        assert_eq!(line["expired"], false);
        assert_eq!(line["link"], line["uri"]);
        assert_eq!(line["note"], "for Bob");
        assert!(line["landing_page"].is_null() && line["inviter"].is_null());
        assert_eq!(line.as_object().unwrap().len(), 19);
    }
}
