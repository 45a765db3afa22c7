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
//!
//! A record that cannot be read: `{"token": …, "kind": "damaged", "user":
//! null or the per-user record's user, "error": …}`. New fields may be
//! added; existing ones keep their name, type and meaning.

use serde::Serialize;

use super::iso8601;
use crate::invite::Invite;
use crate::record::{Damaged, Entry};

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

/// One invite as a JSON object, without the newline.
pub fn invite(invite: &Invite, now: i64) -> String {
    let line = InviteLine {
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
    };
    to_line(&line)
}

/// A damaged record as a JSON object, without the newline.
pub fn damaged(damaged: &Damaged) -> String {
    to_line(&DamagedLine {
        token: damaged.token.as_str(),
        kind: "damaged",
        user: damaged.user.as_deref(),
        error: &damaged.reason,
    })
}

/// Any entry as a JSON object, without the newline.
pub fn entry(entry: &Entry, now: i64) -> String {
    match entry {
        Entry::Invite(i) => invite(i, now),
        Entry::Damaged(d) => damaged(d),
    }
}

fn to_line(value: &impl Serialize) -> String {
    // Strings, numbers and booleans always serialise.
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {

    use crate::invite::InviteRequest;
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
