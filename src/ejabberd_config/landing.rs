//! mod_invites' landing pages, as ejabberd 26.07 makes them
//! (`mod_invites_http:landing_page/2`).
//!
//! `landing_page` is `none`, `auto` or an erlydtl (Django-style) template
//! such as `https://{{ host }}/invites/{{ invite.token }}`. `auto` is the
//! template `PROTO://HOST:PORT/PATH/{{ invite.token }}` built from the
//! first `ejabberd_http` listener with `mod_invites` in its
//! `request_handlers` (`ejabberd_http:get_auto_url(any, mod_invites)`;
//! first in its listener table, whose order the file does not set, so
//! invitectl refuses `auto` when they give different URLs):
//! `https` when the listener has `tls: true`, the port always written, the
//! handler's path with its empty segments dropped (so `/` gives `//`), and
//! the virtual host as the name, never the listener's `ip`. ejabberd gives
//! every invite type (`A`, `S`, `T`, `R`) a landing page.
//!
//! invitectl renders the part of erlydtl that makes sense in a URL:
//! `{{ VARIABLE }}` and `{{ VARIABLE|FILTER|... }}` with the variables
//! `host`, `invite.token`, `invite.uri`, `invite.account_name`,
//! `invite.type`, `invite.invitee` and `invite.inviter|jid` or
//! `invite.inviter|user`, and the filters `strip_protocol`, `urlencode`
//! and `safe`. Values are HTML-escaped, as erlydtl escapes them, unless
//! `safe` is among their filters. What invitectl cannot render the same
//! way (tags, comments, other variables or filters, which erlydtl renders
//! as nothing) is refused, rather than printed differently from ejabberd.
//!
//! Two limits of 26.07 apply to what the configuration gives (not to a
//! template invitectl is handed directly, which ejabberd never renders):
//! it names the compiled template after the template itself, an atom, so
//! one longer than [`MAX_LOADABLE_CHARS`] stops the server at start-up
//! (or, for `auto`, fails every invite command); and it joins the rendered
//! pieces as flat binaries, so of a value `urlencode` changes (the URI
//! always) it drops the value when it ends the template, and fails its
//! own invite commands otherwise. Both are refused.

use std::fmt::Write;

use yaml_rust2::Yaml;

use super::error::EjabberdConfigError;
use super::{EjabberdConfig, EjabberdHost, LandingPage};
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::store::ejabberd::{columns, uri};

/// The longest template ejabberd 26.07 can compile: the atom
/// `mod_invites_template__TEMPLATE` must fit Erlang's 255 characters.
pub const MAX_LOADABLE_CHARS: usize = 255 - "mod_invites_template__".len();

/// A value a template may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variable {
    Host,
    Token,
    Uri,
    AccountName,
    Type,
    Invitee,
    /// `invite.inviter|jid`.
    InviterJid,
    /// `invite.inviter|user`.
    InviterUser,
}

const VARIABLES: [(&str, Variable); 6] = [
    ("host", Variable::Host),
    ("invite.token", Variable::Token),
    ("invite.uri", Variable::Uri),
    ("invite.account_name", Variable::AccountName),
    ("invite.type", Variable::Type),
    ("invite.invitee", Variable::Invitee),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    /// mod_invites' own: the first `xmpp:` taken out.
    StripProtocol,
    /// erlydtl's: every byte but `A-Za-z0-9-_.~/` as `%XX`.
    Urlencode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value {
        variable: Variable,
        filters: Vec<Filter>,
        /// `safe` among the filters: not HTML-escaped.
        safe: bool,
    },
}

/// A `landing_page` template, checked once and rendered for each invite.
///
/// ejabberd keeps no landing page with an invite, so
/// [`InviteRequest::landing_page`](crate::InviteRequest::landing_page)
/// (Prosody's, stored with it) stays unset for its stores; the page is
/// rendered for the invite as created:
///
/// ```
/// use invitectl::ejabberd_config::LandingTemplate;
/// use invitectl::{Host, InviteRequest};
///
/// let page = LandingTemplate::parse("https://{{ host }}/i/{{ invite.token }}")?;
/// let host = Host::parse("example.com")?;
/// let invite = InviteRequest::default().build(&host, invitectl::now())?;
/// assert_eq!(
///     page.render(host.as_str(), &invite),
///     format!("https://example.com/i/{}", invite.token)
/// );
/// # Ok::<(), invitectl::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandingTemplate {
    template: String,
    pieces: Vec<Piece>,
}

impl LandingTemplate {
    /// Checks a template as mod_invites' `landing_page` takes it: every
    /// `{{ ... }}` one invitectl renders as ejabberd does, the invite's
    /// token or URI named, and the result an http or https URL.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTemplate`], with the reason.
    pub fn parse(template: &str) -> Result<LandingTemplate> {
        parse(template).map_err(|reason| Error::InvalidTemplate {
            template: template.to_owned(),
            reason,
        })
    }

    /// The template as given (for `auto`, as built from the listener).
    pub fn template(&self) -> &str {
        &self.template
    }

    /// Whether ejabberd 26.07's own invite pages (its `ejabberd_http`
    /// handler) fail with this as `landing_page`: it renders the template
    /// for their base path with only `host` and `invite.token` set, and
    /// then a filter of another value fails, as does an unset value
    /// followed by anything it renders (its `binary_join` takes only
    /// binaries). The links its commands print are unaffected.
    pub fn breaks_ejabberds_pages(&self) -> bool {
        self.pieces.iter().enumerate().any(|(i, piece)| {
            let Piece::Value {
                variable, filters, ..
            } = piece
            else {
                return false;
            };
            let set = |v: &Variable| matches!(v, Variable::Host | Variable::Token);
            if set(variable) {
                return false;
            }
            let filtered = !filters.is_empty()
                || matches!(variable, Variable::InviterJid | Variable::InviterUser);
            filtered
                || self.pieces[i + 1..].iter().any(|later| match later {
                    Piece::Text(_) => true,
                    Piece::Value { variable, .. } => set(variable),
                })
        })
    }

    /// The landing page of an invite of `host`, as ejabberd renders it for
    /// the row invitectl writes: its URI is ejabberd's (`token_uri`), which
    /// for `R` invites lacks the `;ibr=y` ejabberd adds when the inviter
    /// may create accounts.
    pub fn render(&self, host: &str, invite: &Invite) -> String {
        let (kind, username, account_name) = columns(invite);
        let values = Values {
            host,
            token: invite.token.as_str(),
            uri: &uri(kind, &username, &account_name, host, invite.token.as_str()),
            account_name: &account_name,
            kind: type_name(kind),
            invitee: invite.used_by.as_deref().unwrap_or(""),
            inviter: &username,
        };
        self.render_values(&values)
    }

    fn render_values(&self, values: &Values<'_>) -> String {
        let mut out = String::with_capacity(self.template.len() + values.uri.len());
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Value {
                    variable,
                    filters,
                    safe,
                } => {
                    let mut value = values.get(*variable);
                    for filter in filters {
                        value = match filter {
                            Filter::StripProtocol => value.replacen("xmpp:", "", 1),
                            Filter::Urlencode => urlencode(&value),
                        };
                    }
                    if *safe {
                        out.push_str(&value);
                    } else {
                        html_escape(&mut out, &value);
                    }
                }
            }
        }
        out
    }
}

/// The record's `type` as the template sees it: the atom's name.
fn type_name(kind: &str) -> &'static str {
    match kind {
        "A" => "account_only",
        "S" => "account_subscription",
        "T" => "reset_token",
        _ => "roster_only",
    }
}

struct Values<'a> {
    host: &'a str,
    token: &'a str,
    uri: &'a str,
    account_name: &'a str,
    kind: &'a str,
    invitee: &'a str,
    /// The inviter's local part, `''` for the server's invites.
    inviter: &'a str,
}

impl Values<'_> {
    fn get(&self, variable: Variable) -> String {
        match variable {
            Variable::Host => self.host.to_owned(),
            Variable::Token => self.token.to_owned(),
            Variable::Uri => self.uri.to_owned(),
            Variable::AccountName => self.account_name.to_owned(),
            Variable::Type => self.kind.to_owned(),
            Variable::Invitee => self.invitee.to_owned(),
            // jid:encode(jid:make(User, Host)): the bare host for ''.
            Variable::InviterJid if self.inviter.is_empty() => self.host.to_owned(),
            Variable::InviterJid => format!("{}@{}", self.inviter, self.host),
            Variable::InviterUser => self.inviter.to_owned(),
        }
    }
}

fn parse(template: &str) -> std::result::Result<LandingTemplate, String> {
    if let Some(c) = template
        .chars()
        .find(|&c| c.is_control() || crate::output::is_unsafe_on_terminal(c))
    {
        return Err(format!(
            "holds {c:?}: a URL has no control or direction characters"
        ));
    }
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.chars().next() {
            Some('%') => return Err("has a {% tag %}: invitectl renders only {{ values }}".into()),
            Some('#') => {
                return Err("has a {# comment #}: invitectl renders only {{ values }}".into())
            }
            Some('{') => {}
            _ => {
                // A lone brace is text to erlydtl.
                push_text(&mut pieces, &rest[..=open]);
                rest = after;
                continue;
            }
        }
        push_text(&mut pieces, &rest[..open]);
        let inner_start = open + 2;
        let close = rest[inner_start..]
            .find("}}")
            .ok_or_else(|| "'{{' without '}}'".to_owned())?;
        pieces.push(value(rest[inner_start..inner_start + close].trim())?);
        rest = &rest[inner_start + close + 2..];
    }
    push_text(&mut pieces, rest);
    for piece in &pieces {
        if let Piece::Text(text) = piece {
            if text.chars().any(char::is_whitespace) {
                return Err("has a space outside {{ }}: a URL has none".into());
            }
        }
    }
    let names_invite = pieces.iter().any(|p| {
        matches!(
            p,
            Piece::Value {
                variable: Variable::Token | Variable::Uri,
                ..
            }
        )
    });
    if !names_invite {
        return Err(
            "names neither {{ invite.token }} nor {{ invite.uri }}: every invite would get the same page"
                .into(),
        );
    }
    let page = LandingTemplate {
        template: template.to_owned(),
        pieces,
    };
    let sample = page.render_values(&Values {
        host: "example.com",
        token: "TOKEN",
        uri: "xmpp:example.com?register;preauth=TOKEN",
        account_name: "",
        kind: "account_only",
        invitee: "",
        inviter: "",
    });
    match url::Url::parse(&sample) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(page),
        Ok(_) => Err("not an http or https URL".into()),
        Err(e) => Err(format!("not a URL: {e}")),
    }
}

/// A template from the configuration: one invitectl renders, and
/// ejabberd too.
fn loadable(template: &str) -> std::result::Result<LandingTemplate, String> {
    let page = parse(template)?;
    match unloadable(&page) {
        Some(reason) => Err(reason),
        None => Ok(page),
    }
}

fn push_text(pieces: &mut Vec<Piece>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Piece::Text(last)) = pieces.last_mut() {
        last.push_str(text);
    } else {
        pieces.push(Piece::Text(text.to_owned()));
    }
}

/// One `{{ ... }}`: a variable and its filters.
fn value(inner: &str) -> std::result::Result<Piece, String> {
    let mut parts = inner.split('|').map(str::trim);
    let name = parts.next().unwrap_or_default();
    let mut variable = VARIABLES.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let mut filters = Vec::new();
    let mut safe = false;
    let mut first = true;
    for filter in parts {
        if name == "invite.inviter" && first {
            variable = match filter {
                "jid" => Some(Variable::InviterJid),
                "user" => Some(Variable::InviterUser),
                _ => None,
            };
            first = false;
            if variable.is_none() {
                break;
            }
            continue;
        }
        first = false;
        match filter {
            "strip_protocol" => filters.push(Filter::StripProtocol),
            "urlencode" => filters.push(Filter::Urlencode),
            "safe" => safe = true,
            other => {
                return Err(format!(
                    "has the filter {other:?}, which invitectl does not render: use strip_protocol, urlencode or safe"
                ))
            }
        }
    }
    let variable = variable.ok_or_else(|| {
        format!(
            "names {name:?}, which invitectl does not render: use host, invite.token, invite.uri, invite.account_name, invite.type, invite.invitee, invite.inviter|jid or invite.inviter|user"
        )
    })?;
    Ok(Piece::Value {
        variable,
        filters,
        safe,
    })
}

/// erlydtl's `urlencode`.
fn urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// erlydtl's escaping of a value in a template.
fn html_escape(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            c => out.push(c),
        }
    }
}

/// Why ejabberd 26.07 itself cannot render `page`, if it cannot.
fn unloadable(page: &LandingTemplate) -> Option<String> {
    let chars = page.template.chars().count();
    if chars > MAX_LOADABLE_CHARS {
        return Some(format!(
            "is {chars} characters long: ejabberd 26.07 names its compiled template after it, an Erlang atom, and cannot for more than {MAX_LOADABLE_CHARS}"
        ));
    }
    let urlencodes = page
        .pieces
        .iter()
        .any(|p| matches!(p, Piece::Value { filters, .. } if filters.contains(&Filter::Urlencode)));
    urlencodes.then(|| {
        "uses urlencode, whose value ejabberd 26.07 drops or fails its own invite commands on (it joins the filter's nested output as flat binaries)".to_owned()
    })
}

/// Where an `ejabberd_http` listener serves `mod_invites`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitesHandler {
    /// The listener's `port`.
    pub port: u16,
    /// The listener's `tls`.
    pub tls: bool,
    /// The handler's path, split at `/` with empty segments dropped, as
    /// ejabberd keeps it.
    pub path: Vec<String>,
}

impl InvitesHandler {
    /// The start of the page's URL, with `@HOST@` for the host, as
    /// `ejabberd_http:get_auto_url` builds it.
    pub fn url_pattern(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://@HOST@:{}/{}/", self.port, self.path.join("/"))
    }
}

impl EjabberdConfig {
    /// Every handler of `mod_invites` on an `ejabberd_http` listener with a
    /// port number (not a Unix socket), in the order of `listen`.
    ///
    /// # Errors
    ///
    /// `listen` or a listener's `request_handlers` of the wrong kind.
    pub fn invites_handlers(
        &self,
    ) -> std::result::Result<Vec<InvitesHandler>, EjabberdConfigError> {
        let wrong = |key: &str, expected| EjabberdConfigError::WrongType {
            path: self.path.clone(),
            key: key.to_owned(),
            expected,
        };
        let listeners = match self.options.get(&Yaml::String("listen".into())) {
            None | Some(Yaml::Null) => return Ok(Vec::new()),
            Some(Yaml::Array(listeners)) => listeners,
            Some(_) => return Err(wrong("listen", "a list of listeners")),
        };
        let mut found = Vec::new();
        for listener in listeners {
            if listener["module"].as_str() != Some("ejabberd_http") {
                continue;
            }
            let Some(port) = listener["port"]
                .as_i64()
                .and_then(|p| u16::try_from(p).ok())
            else {
                continue;
            };
            let tls = listener["tls"].as_bool().unwrap_or(false);
            let handlers = match &listener["request_handlers"] {
                Yaml::BadValue | Yaml::Null => continue,
                Yaml::Hash(handlers) => handlers,
                _ => {
                    return Err(wrong(
                        "listen.request_handlers",
                        "a mapping of paths to modules",
                    ))
                }
            };
            for (path, module) in handlers {
                if module.as_str() != Some("mod_invites") {
                    continue;
                }
                let path = path.as_str().ok_or_else(|| {
                    wrong("listen.request_handlers", "a mapping of paths to modules")
                })?;
                found.push(InvitesHandler {
                    port,
                    tls,
                    path: path
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                });
            }
        }
        Ok(found)
    }
}

impl EjabberdHost<'_> {
    /// The landing page `auto` gives this host.
    ///
    /// # Errors
    ///
    /// [`EjabberdConfigError::NoInvitesListener`] when no listener serves
    /// mod_invites (ejabberd then gives no landing page and logs a
    /// warning), [`EjabberdConfigError::AmbiguousInvitesListener`] when
    /// they serve it at more than one URL (ejabberd takes the first in its
    /// listener table, whose order the configuration does not set).
    pub fn auto_landing_page(&self) -> std::result::Result<LandingTemplate, EjabberdConfigError> {
        let mut urls: Vec<String> = Vec::new();
        for handler in self.config.invites_handlers()? {
            let url = handler.url_pattern();
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
        let path = self.config.path.clone();
        match urls.as_slice() {
            [] => Err(EjabberdConfigError::NoInvitesListener { path }),
            [url] => {
                let template =
                    format!("{}{{{{ invite.token }}}}", url.replace("@HOST@", self.name));
                loadable(&template)
                    .map_err(|reason| EjabberdConfigError::InvalidLandingPage { path, reason })
            }
            _ => Err(EjabberdConfigError::AmbiguousInvitesListener {
                path,
                urls: urls.join(", "),
            }),
        }
    }

    /// The landing page mod_invites' `landing_page` gives this host's
    /// invites: `None` for `none` or when the host does not load
    /// mod_invites.
    ///
    /// # Errors
    ///
    /// As [`EjabberdHost::invites`] and [`EjabberdHost::auto_landing_page`],
    /// and [`EjabberdConfigError::InvalidLandingPage`] for a template
    /// invitectl cannot render as ejabberd does.
    pub fn landing_page(
        &self,
    ) -> std::result::Result<Option<LandingTemplate>, EjabberdConfigError> {
        let Some(invites) = self.invites()? else {
            return Ok(None);
        };
        match invites.landing_page {
            LandingPage::None => Ok(None),
            LandingPage::Auto => self.auto_landing_page().map(Some),
            LandingPage::Template(template) => loadable(&template).map(Some).map_err(|reason| {
                EjabberdConfigError::InvalidLandingPage {
                    path: self.config.path.clone(),
                    reason,
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests;
