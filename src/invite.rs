//! The invite model: what an invite is, and how a new one is requested.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::jid::{Host, Username};
use crate::token::Token;
use crate::uri::{xmpp_uri, LandingPage};

/// The default lifetime of an invite, as Prosody's `invite_expiry`.
pub const DEFAULT_TTL: Duration = Duration::from_secs(7 * 86_400);
/// The default lifetime of a password reset, as Prosody's.
pub const DEFAULT_RESET_TTL: Duration = Duration::from_secs(86_400);
/// The longest note, in characters: room for a sentence or two, not for
/// a file pasted by mistake.
pub const MAX_NOTE_CHARS: usize = 1024;

/// What an invite lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Register one account, with any username or a fixed one.
    Account,
    /// Set a new password for an existing account.
    Reset,
    /// Become a contact of a local user (and perhaps register first).
    Contact,
    /// Register accounts, many times, until it expires.
    Group,
}

impl Kind {
    /// All kinds, in the order they are documented.
    pub const ALL: [Kind; 4] = [Kind::Account, Kind::Reset, Kind::Contact, Kind::Group];

    /// The kind's name in output and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::Reset => "reset",
            Kind::Contact => "contact",
            Kind::Group => "group",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown kind {s:?}: use account, reset, contact or group"))
    }
}

/// The record's `type` field: the action named in the invite's URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `register`: account invites, resets and group invites.
    Register,
    /// `roster`: contact invites.
    Roster,
}

impl Action {
    /// The action as Prosody writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Register => "register",
            Action::Roster => "roster",
        }
    }
}

/// How roles granted on registration are written: the two Prosody
/// generations disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RolesFormat {
    /// Prosody 13: an ordered list, the first role primary.
    #[default]
    List,
    /// Prosody 0.12: a map from role name to `true`.
    Map,
}

/// One invite, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Invite {
    /// The secret that redeems it.
    pub token: Token,
    /// `register` or `roster`.
    pub action: Action,
    /// The host for an open account invite, else `user@host`.
    pub jid: String,
    /// The `xmpp:` URI.
    pub uri: String,
    /// Whether the invite can create an account.
    pub allow_registration: bool,
    /// Unix seconds; unknown for contact-only invites, which keep only
    /// their expiry.
    pub created_at: Option<i64>,
    /// Unix seconds; the invite is valid while `now <= expires`.
    pub expires: i64,
    /// Whether it survives being used.
    pub reusable: bool,
    /// Roles granted on registration; the first is primary.
    pub roles: Vec<String>,
    /// How `roles` is (or will be) stored.
    pub roles_format: RolesFormat,
    /// Groups joined on registration.
    pub groups: Vec<String>,
    /// For a password reset: the account.
    pub allow_reset: Option<String>,
    /// Free text for admins.
    pub note: Option<String>,
    /// Who made it, as Prosody records it.
    pub source: Option<String>,
    /// The rendered landing-page URL.
    pub landing_page: Option<String>,
    /// Who used it, where the store keeps used invites: ejabberd records
    /// the bare JID in `invitee` and keeps the row. Always `None` on
    /// Prosody's stores, which delete a used invite.
    pub used_by: Option<String>,
}

impl Invite {
    /// What the invite is for.
    pub fn kind(&self) -> Kind {
        if self.action == Action::Roster {
            Kind::Contact
        } else if self.allow_reset.is_some() {
            Kind::Reset
        } else if self.reusable {
            Kind::Group
        } else {
            Kind::Account
        }
    }

    /// The local user a contact invite comes from, who holds its
    /// per-user record.
    pub fn inviter(&self) -> Option<&str> {
        match self.action {
            Action::Roster => self.jid.split_once('@').map(|(user, _)| user),
            Action::Register => None,
        }
    }

    /// Whether the server would refuse it at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        now > self.expires
    }

    /// Whether it was used (see [`Invite::used_by`]).
    pub fn is_used(&self) -> bool {
        self.used_by.is_some()
    }

    /// The link to hand out: the landing page if there is one, else the URI.
    pub fn link(&self) -> &str {
        self.landing_page.as_deref().unwrap_or(&self.uri)
    }
}

/// Who or what a new invite is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A new account; with a username, only that account.
    Account(Option<Username>),
    /// A new password for this existing account.
    Reset(Username),
    /// A contact of this local user.
    Contact {
        /// The local user who invites.
        inviter: Username,
        /// Whether the invitee may register an account with it.
        allow_registration: bool,
    },
}

/// A request for new invites: everything `generate` takes.
#[derive(Debug, Clone, Default)]
pub struct InviteRequest {
    /// Who or what the invite is for.
    pub target: Option<Target>,
    /// Groups to join on registration.
    pub groups: Vec<String>,
    /// Whether the invite survives being used.
    pub reusable: bool,
    /// Roles granted on registration; the first is primary.
    pub roles: Vec<String>,
    /// How to write the roles.
    pub roles_format: RolesFormat,
    /// The lifetime; `None` for the default of the invite's kind.
    pub ttl: Option<Duration>,
    /// Free text for admins.
    pub note: Option<String>,
    /// The landing page to render for each invite, where the kind has one.
    pub landing_page: Option<LandingPage>,
}

impl InviteRequest {
    fn target(&self) -> Target {
        self.target.clone().unwrap_or(Target::Account(None))
    }

    /// Refuses combinations that make no sense.
    pub fn validate(&self) -> Result<()> {
        let refuse = |msg: &str| Err(Error::InvalidRequest(msg.to_owned()));
        let extras = !self.groups.is_empty() || !self.roles.is_empty() || self.reusable;
        match self.target() {
            Target::Reset(_) if extras => {
                return refuse("a password reset takes no groups, roles or --reusable")
            }
            Target::Contact {
                allow_registration: false,
                ..
            } if extras => {
                return refuse("a contact-only invite registers no account: it takes no groups, roles or --reusable")
            }
            Target::Contact { .. } if self.reusable => {
                return refuse("a contact invite cannot be reusable")
            }
            Target::Account(Some(_)) if self.reusable => {
                return refuse("an invite for one username cannot be reusable")
            }
            _ => {}
        }
        for group in &self.groups {
            if group.is_empty() || group.chars().any(char::is_control) {
                return refuse("a group ID must be non-empty, without control characters");
            }
        }
        if let Some(note) = &self.note {
            if note.chars().count() > MAX_NOTE_CHARS {
                return refuse("a note has at most 1024 characters");
            }
            if note.chars().any(crate::output::is_unsafe_on_terminal) {
                return refuse("a note must not hold control or text-direction characters");
            }
        }
        for role in &self.roles {
            if role.is_empty() || role.chars().any(char::is_control) {
                return refuse("a role must be non-empty, without control characters");
            }
        }
        Ok(())
    }

    /// The lifetime of the invites this request makes.
    pub fn ttl(&self) -> Duration {
        match (self.ttl, self.target()) {
            (Some(ttl), _) => ttl,
            (None, Target::Reset(_)) => DEFAULT_RESET_TTL,
            (None, _) => DEFAULT_TTL,
        }
    }

    /// Makes one invite for `host`, created at `now` (Unix seconds), with
    /// a fresh token.
    pub fn build(&self, host: &Host, now: i64) -> Result<Invite> {
        self.build_with_token(host, now, Token::generate()?)
    }

    /// Makes one invite with a given token: for tests and for tools that
    /// bring their own tokens.
    pub fn build_with_token(&self, host: &Host, now: i64, token: Token) -> Result<Invite> {
        self.validate()?;
        let (action, jid, allow_registration, allow_reset) = match self.target() {
            Target::Account(None) => (Action::Register, host.to_string(), true, None),
            Target::Account(Some(user)) => (Action::Register, format!("{user}@{host}"), true, None),
            Target::Reset(user) => (
                Action::Register,
                format!("{user}@{host}"),
                true,
                Some(user.to_string()),
            ),
            Target::Contact {
                inviter,
                allow_registration,
            } => (
                Action::Roster,
                format!("{inviter}@{host}"),
                allow_registration,
                None,
            ),
        };
        // Lifetimes are capped at ten years, so this cannot overflow.
        let expires = now.saturating_add(self.ttl().as_secs() as i64);
        let uri = xmpp_uri(
            action,
            &jid,
            &token,
            action == Action::Roster && allow_registration,
        );
        let mut invite = Invite {
            token,
            action,
            jid,
            uri,
            allow_registration,
            created_at: Some(now),
            expires,
            reusable: self.reusable,
            roles: self.roles.clone(),
            roles_format: self.roles_format,
            groups: self.groups.clone(),
            allow_reset,
            note: self.note.clone(),
            source: None,
            landing_page: None,
            used_by: None,
        };
        if let Some(page) = &self.landing_page {
            if page.supports(&invite) {
                invite.landing_page = Some(page.render(host, &invite));
            }
        }
        Ok(invite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Host {
        Host::parse("example.com").unwrap()
    }

    fn user(name: &str) -> Username {
        Username::parse(name).unwrap()
    }

    fn build(request: InviteRequest) -> Invite {
        request.build(&host(), 1_000).unwrap()
    }

    #[test]
    fn an_open_account_invite() {
        let invite = build(InviteRequest::default());
        assert_eq!(invite.kind(), Kind::Account);
        assert_eq!(invite.jid, "example.com");
        assert_eq!(invite.expires, 1_000 + 7 * 86_400);
        assert_eq!(
            invite.uri,
            format!("xmpp:example.com?register;preauth={}", invite.token)
        );
        assert!(invite.allow_registration && !invite.reusable);
    }

    #[test]
    fn a_reset_lasts_a_day() {
        let invite = build(InviteRequest {
            target: Some(Target::Reset(user("Bob"))),
            ..Default::default()
        });
        assert_eq!(invite.kind(), Kind::Reset);
        assert_eq!(invite.jid, "bob@example.com");
        assert_eq!(invite.allow_reset.as_deref(), Some("bob"));
        assert_eq!(invite.expires, 1_000 + 86_400);
    }

    #[test]
    fn contact_invites() {
        let with = build(InviteRequest {
            target: Some(Target::Contact {
                inviter: user("alice"),
                allow_registration: true,
            }),
            ..Default::default()
        });
        assert_eq!(with.kind(), Kind::Contact);
        assert_eq!(with.inviter(), Some("alice"));
        assert!(with.uri.ends_with(";ibr=y"));
        let without = build(InviteRequest {
            target: Some(Target::Contact {
                inviter: user("alice"),
                allow_registration: false,
            }),
            ..Default::default()
        });
        assert!(!without.allow_registration);
        assert_eq!(
            without.uri,
            format!("xmpp:alice@example.com?roster;preauth={}", without.token)
        );
    }

    #[test]
    fn a_reusable_invite_is_a_group_invite() {
        let invite = build(InviteRequest {
            groups: vec!["staff".into()],
            reusable: true,
            ..Default::default()
        });
        assert_eq!(invite.kind(), Kind::Group);
    }

    #[test]
    fn hostile_notes_are_refused() {
        let with_note = |note: String| InviteRequest {
            note: Some(note),
            ..Default::default()
        };
        assert!(with_note("é".repeat(MAX_NOTE_CHARS)).validate().is_ok());
        assert!(with_note("Für Anna, bis Montag".into()).validate().is_ok());
        for bad in [
            "é".repeat(MAX_NOTE_CHARS + 1),
            "\u{1b}[2Jpwned".into(),
            "line\nbreak".into(),
            "tab\there".into(),
            "bell\u{7}".into(),
            "del\u{7f}".into(),
            "c1\u{9b}2J".into(),
            "evil\u{202e}txt.exe".into(),
            "isolate\u{2066}x".into(),
        ] {
            assert!(with_note(bad.clone()).validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn nonsense_is_refused() {
        let reset = Some(Target::Reset(user("bob")));
        let contact_only = Some(Target::Contact {
            inviter: user("a"),
            allow_registration: false,
        });
        let contact = Some(Target::Contact {
            inviter: user("a"),
            allow_registration: true,
        });
        let cases = [
            InviteRequest {
                target: reset.clone(),
                groups: vec!["g".into()],
                ..Default::default()
            },
            InviteRequest {
                target: reset.clone(),
                roles: vec!["r".into()],
                ..Default::default()
            },
            InviteRequest {
                target: reset,
                reusable: true,
                ..Default::default()
            },
            InviteRequest {
                target: contact_only,
                roles: vec!["r".into()],
                ..Default::default()
            },
            InviteRequest {
                target: contact,
                reusable: true,
                ..Default::default()
            },
            InviteRequest {
                target: Some(Target::Account(Some(user("u")))),
                reusable: true,
                ..Default::default()
            },
            InviteRequest {
                groups: vec![String::new()],
                ..Default::default()
            },
            InviteRequest {
                roles: vec!["a\nb".into()],
                ..Default::default()
            },
        ];
        for request in cases {
            assert!(
                request.build(&host(), 0).is_err(),
                "{request:?} was accepted"
            );
        }
    }
}
