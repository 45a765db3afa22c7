//! Rendering invites as links: the `xmpp:` URI (XEP-0401) and landing pages.

use std::fmt::Write;

use crate::error::{Error, Result};
use crate::invite::{Action, Invite, Kind};
use crate::jid::Host;
use crate::token::Token;

/// The `xmpp:` URI of an invite, built as Prosody's `get_uri` builds it.
///
/// `ibr` adds `;ibr=y`, which tells a client that a contact invite also
/// allows registration.
pub fn xmpp_uri(action: Action, jid: &str, token: &Token, ibr: bool) -> String {
    let mut uri = String::with_capacity(jid.len() + token.as_str().len() + 32);
    uri.push_str("xmpp:");
    escape_path(&mut uri, jid);
    uri.push('?');
    uri.push_str(action.as_str());
    uri.push_str(";preauth=");
    uri.push_str(token.as_str());
    if ibr {
        uri.push_str(";ibr=y");
    }
    uri
}

/// Percent-encodes a JID as LuaSocket's `url.build` does for a path
/// segment, so our URIs match Prosody's byte for byte.
fn escape_path(out: &mut String, jid: &str) {
    for byte in jid.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'():@&=+$,".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

/// Percent-encodes a value as Prosody's `util.http.urlencode` does for
/// landing-page templates.
fn escape_value(out: &mut String, value: &str) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b".~_-".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02x}");
        }
    }
}

/// A variable a landing-page template may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variable {
    Host,
    Token,
    Uri,
    Jid,
}

const VARIABLES: [(&str, Variable); 4] = [
    ("host", Variable::Host),
    ("invite.token", Variable::Token),
    ("invite.uri", Variable::Uri),
    ("invite.jid", Variable::Jid),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(Variable),
}

/// A landing-page URL template such as
/// `https://{host}/invite/{invite.token}/`, checked once and rendered for
/// each invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandingPage {
    template: String,
    pieces: Vec<Piece>,
    /// `invites_page_supports`, when configured.
    supports: Option<Vec<String>>,
}

impl LandingPage {
    /// Checks a template: braces balance, every variable is one of
    /// `{host}`, `{invite.token}`, `{invite.uri}` and `{invite.jid}`, and
    /// the result is an absolute http or https URL.
    pub fn parse(template: &str) -> Result<LandingPage> {
        let invalid = |reason: String| Error::InvalidTemplate {
            template: template.to_owned(),
            reason,
        };
        // A link is one word, shown as is: no spaces, no control or
        // direction characters to rewrite the screen it is printed on.
        if let Some(c) = template
            .chars()
            .find(|&c| c.is_whitespace() || crate::output::is_unsafe_on_terminal(c))
        {
            return Err(invalid(format!(
                "holds {:?}: a URL has no spaces, control or direction characters",
                c
            )));
        }
        let mut pieces = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find(['{', '}']) {
            if rest.as_bytes()[open] == b'}' {
                return Err(invalid("'}' without '{'".into()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| invalid("'{' without '}'".into()))?;
            let name = &rest[open + 1..open + close];
            let var = VARIABLES
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, var)| *var)
                .ok_or_else(|| {
                    invalid(format!(
                        "unknown variable {{{name}}}: use {{host}}, {{invite.token}}, {{invite.uri}} or {{invite.jid}}"
                    ))
                })?;
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            pieces.push(Piece::Var(var));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        if !pieces.contains(&Piece::Var(Variable::Token))
            && !pieces.contains(&Piece::Var(Variable::Uri))
        {
            return Err(invalid(
                "names neither {invite.token} nor {invite.uri}".into(),
            ));
        }
        // The invite's values go in the path, query or fragment: in the
        // host, they would make a URL that only some invites can form.
        let before_values: String = pieces
            .iter()
            .take_while(|p| !matches!(p, Piece::Var(v) if *v != Variable::Host))
            .map(|p| match p {
                Piece::Text(text) => text.as_str(),
                Piece::Var(_) => "example.com",
            })
            .collect();
        if !before_values
            .split_once("://")
            .is_some_and(|(_, rest)| rest.contains(['/', '?', '#']))
        {
            return Err(invalid(
                "the invite's values belong after the host, in the path, query or fragment".into(),
            ));
        }
        let page = LandingPage {
            template: template.to_owned(),
            pieces,
            supports: None,
        };
        let sample = page.render_values("example.com", "TOKEN", "xmpp:example.com", "example.com");
        match url::Url::parse(&sample) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(page),
            Ok(_) => Err(invalid("not an http or https URL".into())),
            Err(e) => Err(invalid(format!("not a URL: {e}"))),
        }
    }

    /// The template as given.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The same page, given only to the invite types in `kinds`, as
    /// Prosody 13's `invites_page_supports` (`account`,
    /// `account-and-contact`, `contact-only`).
    pub fn with_supports(mut self, kinds: Vec<String>) -> LandingPage {
        self.supports = Some(kinds);
        self
    }

    /// The invite type Prosody 13 matches against `invites_page_supports`:
    /// `account` for every `register` invite (accounts, groups and password
    /// resets alike), `account-and-contact` or `contact-only` for contact
    /// invites.
    pub fn page_type(invite: &Invite) -> &'static str {
        match invite.kind() {
            Kind::Account | Kind::Group | Kind::Reset => "account",
            Kind::Contact if invite.allow_registration => "account-and-contact",
            Kind::Contact => "contact-only",
        }
    }

    /// Whether Prosody 13 would give this invite a landing page: by the
    /// configured `invites_page_supports` (see [`LandingPage::with_supports`]),
    /// else by its default, every type but `contact-only`.
    pub fn supports(&self, invite: &Invite) -> bool {
        let kind = Self::page_type(invite);
        match &self.supports {
            Some(kinds) => kinds.iter().any(|k| k == kind),
            None => kind != "contact-only",
        }
    }

    /// The landing-page URL of one invite.
    pub fn render(&self, host: &Host, invite: &Invite) -> String {
        self.render_values(
            host.as_str(),
            invite.token.as_str(),
            &invite.uri,
            &invite.jid,
        )
    }

    fn render_values(&self, host: &str, token: &str, uri: &str, jid: &str) -> String {
        let mut out = String::with_capacity(self.template.len() + uri.len());
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Var(Variable::Host) => escape_value(&mut out, host),
                Piece::Var(Variable::Token) => escape_value(&mut out, token),
                Piece::Var(Variable::Uri) => escape_value(&mut out, uri),
                Piece::Var(Variable::Jid) => escape_value(&mut out, jid),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invite::InviteRequest;

    fn token() -> Token {
        Token::parse("ukwQ_kgBSGa5rFmRZCz62XxG").unwrap()
    }

    #[test]
    fn uris_match_prosody() {
        assert_eq!(
            xmpp_uri(Action::Register, "example.com", &token(), false),
            "xmpp:example.com?register;preauth=ukwQ_kgBSGa5rFmRZCz62XxG"
        );
        assert_eq!(
            xmpp_uri(Action::Roster, "bob@example.com", &token(), true),
            "xmpp:bob@example.com?roster;preauth=ukwQ_kgBSGa5rFmRZCz62XxG;ibr=y"
        );
        assert_eq!(
            xmpp_uri(Action::Register, "zoë@example.com", &token(), false),
            "xmpp:zo%C3%AB@example.com?register;preauth=ukwQ_kgBSGa5rFmRZCz62XxG"
        );
    }

    #[test]
    fn landing_pages_escape_values() {
        let host = Host::parse("example.com").unwrap();
        let invite = InviteRequest::default()
            .build_with_token(&host, 0, token())
            .unwrap();
        let snikket = LandingPage::parse("https://{host}/invite/{invite.token}/").unwrap();
        assert_eq!(
            snikket.render(&host, &invite),
            "https://example.com/invite/ukwQ_kgBSGa5rFmRZCz62XxG/"
        );
        let by_uri = LandingPage::parse("https://{host}:5281/go?u={invite.uri}").unwrap();
        assert_eq!(
            by_uri.render(&host, &invite),
            "https://example.com:5281/go?u=xmpp%3aexample.com%3fregister%3bpreauth%3dukwQ_kgBSGa5rFmRZCz62XxG"
        );
    }

    #[test]
    fn configured_supports_pick_the_invite_types() {
        let host = Host::parse("example.com").unwrap();
        let build = |target| {
            InviteRequest {
                target: Some(target),
                ..InviteRequest::default()
            }
            .build_with_token(&host, 0, token())
            .unwrap()
        };
        let account = build(crate::invite::Target::Account(None));
        let contact_only = build(crate::invite::Target::Contact {
            inviter: crate::Username::parse("alice").unwrap(),
            allow_registration: false,
        });
        let page = LandingPage::parse("https://{host}/i/{invite.token}").unwrap();
        assert!(page.supports(&account) && !page.supports(&contact_only));
        let page = page.with_supports(vec!["contact-only".into()]);
        assert!(!page.supports(&account) && page.supports(&contact_only));
    }

    #[test]
    fn bad_templates_are_refused() {
        for bad in [
            "https://{host}/{invite.secret}",
            "https://{host}/{invite.token",
            "https://{host}/}{invite.token}",
            "https://{host}/",
            "ftp://{host}/{invite.token}",
            "{invite.token}",
            "",
            "https://{}/{invite.token}",
            "https://{host}/a b/{invite.token}",
            "https://{host}/\u{1b}[2J/{invite.token}",
            "https://{host}/\u{202e}/{invite.token}",
            "https://{host}/{invite.token}\n",
            "https://{invite.token}.example.com/",
            "https://{invite.token}{invite.jid}",
            "https://{host}{invite.uri}",
        ] {
            assert!(LandingPage::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
