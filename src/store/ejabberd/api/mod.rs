//! ejabberd's invites in Mnesia, its default database, which lives inside
//! the server's Erlang node: no other program can write it, so every
//! command goes through the server's own commands, over `mod_http_api`
//! on loopback (measured: about 1 ms per command, where `ejabberdctl`
//! starts an Erlang node for each, 250 to 350 ms).
//!
//! The commands are mod_invites' (26.07): `generate_invite`,
//! `generate_invite_with_username`, `generate_reset_token`,
//! `list_invites`, `delete_invite_by_token`. So, unlike the SQL stores:
//!
//! - the server makes each token and its times, with mod_invites'
//!   `token_expire_seconds`; a request for another lifetime is refused,
//!   as are contact invites, for which the server has no command;
//! - each invite is its own command: `generate --count N` that fails
//!   part way deletes the invites it made, and says so if it cannot;
//! - the server refuses account invites once it holds 1000 of its own
//!   (processone/ejabberd#4616), used and expired ones counted until
//!   deleted;
//! - a listing is the server's one answer, not a stream;
//! - redeeming is the server's alone (it has no command for it).

mod http;
mod target;
#[cfg(feature = "https")]
mod tls;

use std::collections::HashSet;

use serde_json::{json, Value};

use super::{check, decode, encode, Row, FOUR_DIGIT_YEARS};
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::Entry;
use crate::store::backend::{Backend, Entries, NewInvites, Opened, Selection};
use crate::token::Token;

use http::Http;
pub use target::{ApiTarget, ApiTls};

/// How many times a listing is asked for before its failure is reported.
const LIST_TRIES: u32 = 5;

/// A failure of the server's API, as messages show it.
#[derive(Debug)]
struct ApiError(String);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ApiError {}

/// What a command answered: its result, or the server's refusal.
enum Outcome {
    Done(Value),
    Refused { status: u16, reason: String },
}

/// ejabberd's invites through its API.
pub struct EjabberdApi {
    http: Http,
    target: ApiTarget,
    opened: Opened,
}

impl EjabberdApi {
    /// The API at `target`, reached on first use: opening sends nothing.
    ///
    /// # Errors
    ///
    /// A TLS setup that cannot be made of the target's certificates.
    pub fn open(target: &ApiTarget) -> Result<EjabberdApi> {
        let http = match &target.tls {
            None => Http::new(target.address),
            #[cfg(feature = "https")]
            Some(tls) => Http::with_tls(
                target.address,
                http::Tls {
                    config: tls::client_config(&tls.certificates)
                        .map_err(|e| Error::UnsupportedStorage(format!("{target}: {e}")))?,
                    server_name: tls.server_name.clone(),
                },
            ),
            #[cfg(not(feature = "https"))]
            Some(_) => {
                return Err(Error::UnsupportedStorage(format!(
                    "{target}: this invitectl was built without TLS (cargo feature `https`)"
                )))
            }
        };
        Ok(EjabberdApi {
            http,
            opened: Opened {
                name: target.to_string(),
                created: None,
                made_for_012: None,
            },
            target: target.clone(),
        })
    }

    fn failed(&self, reason: String) -> Error {
        Error::Database {
            store: self.opened.name.clone(),
            source: Box::new(ApiError(reason)),
        }
    }

    /// Runs `command` with `args`.
    fn call(&mut self, command: &str, args: Value, idempotent: bool) -> Result<Outcome> {
        let path = format!("{}/{command}", self.target.path);
        let answer = self
            .http
            .post(&path, &args.to_string(), idempotent)
            .map_err(|e| {
                self.failed(format!(
                    "ejabberd's API did not answer {command}: {}",
                    describe_io(&e)
                ))
            })?;
        let body: Value = serde_json::from_slice(&answer.body).map_err(|_| {
            self.failed(format!(
                "ejabberd's API answered {command} with HTTP {} and no JSON (is {} mod_http_api?)",
                answer.status, self.target
            ))
        })?;
        match answer.status {
            200 => Ok(Outcome::Done(body)),
            401 | 403 => Err(Error::UnsupportedStorage(format!(
                "{}: ejabberd does not let this machine run {command} (HTTP {}): give 127.0.0.1 the command in `api_permissions` (Debian's configuration does, with `who: access: allow: acl: loopback`)",
                self.target, answer.status
            ))),
            status => {
                let reason = match &body {
                    Value::String(reason) => reason.clone(),
                    Value::Object(fields) => fields
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    other => other.to_string(),
                };
                if status == 404 && reason == "Endpoint not found." {
                    return Err(self.failed(format!(
                        "ejabberd has no command {command}: is mod_invites (26.07 or later) loaded?"
                    )));
                }
                Ok(Outcome::Refused { status, reason })
            }
        }
    }

    /// Runs `command`, which must succeed.
    fn run(&mut self, command: &str, args: Value, idempotent: bool) -> Result<Value> {
        match self.call(command, args, idempotent)? {
            Outcome::Done(value) => Ok(value),
            Outcome::Refused { status, reason } => Err(self.failed(format!(
                "ejabberd refused {command} (HTTP {status}): {}",
                explain(&reason)
            ))),
        }
    }

    /// Every invite of the host, as the server lists them.
    fn entries(&mut self, host: &Host) -> Result<Vec<Entry>> {
        // 26.07's list_invites fails when an invite it listed is deleted
        // before it checks it (`throw:not_found`, seen beside revokes):
        // a read, so it is asked again.
        let args = json!({ "host": host.as_str() });
        let mut tries = 1;
        let listed = loop {
            match self.call("list_invites", args.clone(), true)? {
                Outcome::Done(listed) => break listed,
                Outcome::Refused { .. } if tries < LIST_TRIES => tries += 1,
                Outcome::Refused { status, reason } => {
                    return Err(self.failed(format!(
                        "ejabberd refused list_invites {tries} times, the last (HTTP {status}): {reason}"
                    )))
                }
            }
        };
        let Value::Array(invites) = listed else {
            return Err(self.failed("list_invites answered something other than a list".into()));
        };
        let mut entries: Vec<(String, Entry)> = invites
            .iter()
            .map(|invite| {
                let row = row_of(invite);
                let created_at = row.created_at.clone();
                let mut entry = decode(host.as_str(), row);
                // The server renders each invite's page itself.
                if let Entry::Invite(invite_read) = &mut entry {
                    invite_read.landing_page = invite["landing_page"]
                        .as_str()
                        .filter(|page| !page.is_empty())
                        .map(str::to_owned);
                }
                (created_at, entry)
            })
            .collect();
        // Newest first, as every store lists.
        entries.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(entries.into_iter().map(|(_, entry)| entry).collect())
    }

    /// Makes one invite as the server does, for `invite`'s request; the
    /// invite is then the server's (its token, URI, landing page, times).
    fn make(&mut self, host: &Host, invite: &mut Invite) -> Result<()> {
        let name = self.opened.name.clone();
        let row = encode(invite, &name, FOUR_DIGIT_YEARS)?;
        let refuse = |what| Error::NotStorable {
            store: name.clone(),
            server: "ejabberd's API",
            what,
        };
        let ttl = invite.expires - invite.created_at.unwrap_or(invite.expires);
        if ttl != self.target.token_expire_seconds as i64 {
            return Err(refuse(
                "a lifetime other than mod_invites' token_expire_seconds, which it gives every invite",
            ));
        }
        let (command, args) = match (row.kind, row.account_name.as_str()) {
            ("A", "") => ("generate_invite", json!({ "host": host.as_str() })),
            ("A", user) => (
                "generate_invite_with_username",
                json!({ "host": host.as_str(), "username": user }),
            ),
            ("T", user) => (
                "generate_reset_token",
                json!({ "host": host.as_str(), "username": user }),
            ),
            _ => return Err(refuse("contact invites (it has no command for them)")),
        };
        let made = self.run(command, args, false)?;
        let uri = made["invite_uri"].as_str().unwrap_or("");
        let Some((_, token)) = uri.rsplit_once(";preauth=") else {
            return Err(self.failed(format!("{command} answered no invite URI: {made}")));
        };
        invite.token = Token::from_store(token.to_owned());
        invite.uri = uri.to_owned();
        invite.landing_page = made["landing_page"]
            .as_str()
            .filter(|page| !page.is_empty())
            .map(str::to_owned);
        Ok(())
    }

    /// Makes every invite of `invites`, each pushed to `made` once the
    /// server has it; stops at the first failure.
    fn make_all(
        &mut self,
        host: &Host,
        invites: &mut NewInvites<'_>,
        made: &mut Vec<Invite>,
    ) -> Result<()> {
        let mut chunk = Vec::new();
        loop {
            invites.next_chunk(&mut chunk, 256)?;
            if chunk.is_empty() {
                return Ok(());
            }
            for mut invite in chunk.drain(..) {
                self.make(host, &mut invite)?;
                made.push(invite);
            }
        }
    }

    /// Deletes the invite with `token`; whether there was one.
    fn delete(&mut self, host: &Host, token: &str) -> Result<bool> {
        let args = json!({ "host": host.as_str(), "token": token });
        match self.call("delete_invite_by_token", args, true)? {
            Outcome::Done(_) => Ok(true),
            Outcome::Refused { status: 404, .. } => Ok(false),
            Outcome::Refused { status, reason } => Err(self.failed(format!(
                "ejabberd refused delete_invite_by_token (HTTP {status}): {reason}"
            ))),
        }
    }

    fn prune_where(
        &mut self,
        host: &Host,
        now: i64,
        used: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64> {
        let doomed: Vec<String> = self
            .entries(host)?
            .into_iter()
            .filter(|entry| {
                entry.is_expired_invite(now)
                    || (used && matches!(entry, Entry::Invite(i) if i.used_by.is_some()))
            })
            .map(|entry| entry.token().as_str().to_owned())
            .collect();
        let total = doomed.len() as u64;
        let mut removed = 0;
        for (done, token) in doomed.iter().enumerate() {
            removed += u64::from(self.delete(host, token)?);
            progress(done as u64 + 1, total);
        }
        Ok(removed)
    }
}

/// A connection's failure, in words: a certificate refused says which
/// certificates are trusted.
fn describe_io(e: &std::io::Error) -> String {
    #[cfg(feature = "https")]
    if let Some(rustls::Error::InvalidCertificate(_)) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return "its certificate is none of those its configuration's certfiles hold, the only ones trusted here".into();
    }
    e.to_string()
}

/// What a refusal means, where the server's word alone is cryptic.
fn explain(reason: &str) -> String {
    match reason {
        "num_invites_exceeded" => {
            "num_invites_exceeded: it holds 1000 invites of its own, used and expired ones counted until deleted (processone/ejabberd#4616)".into()
        }
        other => other.to_owned(),
    }
}

/// A listed invite as a row of the table: the API's type names and ISO
/// times are the table's letters and text.
fn row_of(invite: &Value) -> Row {
    let text = |key: &str| invite[key].as_str().unwrap_or("").to_owned();
    let time = |key: &str| {
        let iso = text(key);
        match iso.strip_suffix('Z') {
            Some(utc) if utc.len() == 19 => utc.replacen('T', " ", 1),
            _ => iso,
        }
    };
    let kind = match text("type").as_str() {
        "account_only" => "A".to_owned(),
        "account_subscription" => "S".to_owned(),
        "roster_only" => "R".to_owned(),
        "reset_token" => "T".to_owned(),
        other => other.to_owned(),
    };
    // The inviter is a JID: the host alone for the server's own invites.
    let inviter = text("inviter");
    let username = inviter
        .split_once('@')
        .map_or("", |(user, _)| user)
        .to_owned();
    Row {
        token: text("token"),
        username,
        invitee: text("invitee"),
        created_at: time("created_at"),
        expires: time("expires"),
        kind,
        account_name: text("account_name"),
    }
}

impl Backend for EjabberdApi {
    fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Whether the server lets this machine change its invites: deleting
    /// a token that cannot exist runs the command and touches nothing.
    fn may_write(&mut self) -> Result<Option<bool>> {
        let probe = json!({ "host": "invalid.", "token": "-" });
        match self.call("delete_invite_by_token", probe, true) {
            Ok(_) => Ok(Some(true)),
            Err(Error::UnsupportedStorage(_)) => Ok(Some(false)),
            Err(e) => Err(e),
        }
    }

    fn write_needs(&self) -> &'static str {
        "ejabberd's api_permissions must let 127.0.0.1 run mod_invites' commands"
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        let mut made = Vec::new();
        if let Err(error) = self.make_all(host, invites, &mut made) {
            // Each invite was its own command: undo those made.
            let mut left = 0;
            for invite in &made {
                if !matches!(self.delete(host, invite.token.as_str()), Ok(true)) {
                    left += 1;
                }
            }
            if left > 0 {
                return Err(self.failed(format!(
                    "{error}; and {left} of the {} invites made before it could not be deleted",
                    made.len()
                )));
            }
            return Err(error);
        }
        invites.written(&made)
    }

    fn listing<'s>(
        &'s mut self,
        host: &Host,
        selection: Selection,
    ) -> Result<Box<dyn Entries + 's>> {
        let entries = self.entries(host)?;
        Ok(Box::new(Listed { entries, selection }))
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        Ok(self
            .entries(host)?
            .into_iter()
            .find(|entry| entry.token() == token))
    }

    fn check(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        check(self.get(host, token)?, token, now)
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        let mut removed = HashSet::new();
        for token in tokens {
            if self.delete(host, token.as_str())? {
                removed.insert(token.as_str().to_owned());
            }
        }
        Ok(removed)
    }

    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        self.prune_where(host, now, false, progress)
    }

    fn prune_including_used(
        &mut self,
        host: &Host,
        now: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64> {
        self.prune_where(host, now, true, progress)
    }

    fn redeem(&mut self, _host: &Host, _token: &Token, _now: i64) -> Result<Invite> {
        Err(Error::UnsupportedStorage(format!(
            "{}: ejabberd's API has no command to use an invite; the server alone redeems invites kept in Mnesia",
            self.opened.name
        )))
    }
}

/// A listing the server gave in one answer.
struct Listed {
    entries: Vec<Entry>,
    selection: Selection,
}

impl Entries for Listed {
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let selection = self.selection;
        Ok(Box::new(
            self.entries
                .iter()
                .cloned()
                .map(Ok)
                .filter(move |entry| selection.keeps(entry)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_invites_read_as_rows() {
        let listed = json!({
            "account_name": "", "created_at": "2026-12-03T10:40:37Z",
            "expires": "2026-12-08T10:40:37Z", "invitee": "bob@example.test",
            "inviter": "alice@example.test", "landing_page": "", "token": "abc",
            "token_uri": "xmpp:example.test?register;preauth=abc",
            "type": "account_subscription", "valid": "false"
        });
        assert_eq!(
            row_of(&listed),
            Row {
                token: "abc".into(),
                username: "alice".into(),
                invitee: "bob@example.test".into(),
                created_at: "2026-12-03 10:40:37".into(),
                expires: "2026-12-08 10:40:37".into(),
                kind: "S".into(),
                account_name: String::new(),
            }
        );
        let server_made = json!({"inviter": "example.test", "type": "reset_token"});
        let row = row_of(&server_made);
        assert_eq!((row.username.as_str(), row.kind.as_str()), ("", "T"));
    }

    #[test]
    fn the_cap_is_explained() {
        assert!(explain("num_invites_exceeded").contains("#4616"));
        assert_eq!(explain("User does not exist"), "User does not exist");
    }
}
