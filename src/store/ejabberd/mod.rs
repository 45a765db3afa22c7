//! ejabberd's invites (`mod_invites`, 26.01 and later): where a host's
//! configuration puts them (`configured`), and ejabberd's data model,
//! mod_invites' `invite_token` table (the rules here are 26.07's, from
//! its `mod_invites.erl` and `mod_invites_sql.erl`).
//!
//! # The table
//!
//! One row per invite, keyed by `token`:
//!
//! - `username`: the inviter's local part; `''` for invites the server
//!   makes (account invites and resets).
//! - `server_host`: the host, in the multihost ("new") schema only. The
//!   single-host schema has no such column: its database holds one host's
//!   invites, so every host given to the store reads and writes them all
//!   (the host is whatever that ejabberd serves).
//! - `invitee`: `''` while unused, else the bare JID that used it.
//!   ejabberd keeps used rows; they are listed with
//!   [`Invite::used_by`](crate::Invite::used_by) set, never valid again,
//!   and pruned only when asked ([`crate::Store::prune_including_used`]).
//! - `created_at`, `expires`: text, exactly `YYYY-MM-DD HH:MM:SS` in UTC,
//!   the one form ejabberd reads back.
//! - `type`: `A` account, `S` account plus a subscription to the inviter,
//!   `T` password reset, `R` roster (contact) only.
//! - `account_name`: the preselected account (A, S), the account to reset
//!   (T), `''` otherwise.
//!
//! # invitectl's invites as rows, and back
//!
//! | invite | row |
//! |---|---|
//! | account, any name | `A`, username `''`, account_name `''` |
//! | account for `name` | `A`, username `''`, account_name `name` |
//! | reset of `user` | `T`, username `''`, account_name `user` |
//! | contact of `u`, registration allowed | `S`, username `u`, account_name `''` |
//! | contact of `u`, no registration | `R`, username `u`, account_name `''` |
//!
//! The URIs are ejabberd's (`token_uri`): `xmpp:u@host?roster;preauth=T`
//! for `R`, and `xmpp:[name@]host?register;preauth=T` for every other type
//! (`S` included). ejabberd adds `;ibr=y` to an `R` invite's URI when its
//! `access_create_account` lets the inviter create accounts, which the
//! store cannot know: invitectl writes it without.
//!
//! What the table has no place for (reusable invites, groups, roles,
//! notes) is refused by `create` with [`Error::NotStorable`], never
//! dropped. A row that does not read as ejabberd writes it (an unknown
//! type, a time in another form, an `R` row without an inviter) is
//! listed as damaged and never pruned or redeemed.
//!
//! # The server's rules
//!
//! ejabberd's `is_token_valid`: valid while `invitee = ''` and
//! `expires > now`. So at exactly `expires`, ejabberd refuses what
//! invitectl's listings still show as unexpired (`now <= expires`);
//! `check` and `redeem` on these stores follow ejabberd. Redeeming sets
//! `invitee`, as ejabberd's `set_invitee` does, and keeps the row.
//!
//! (ejabberd's own SQL checks compare with the server's local time while
//! it writes UTC; on a server not running in UTC its checks are off by
//! the offset. invitectl writes and compares UTC.)

pub mod api;
mod configured;
#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod pg;
pub mod sqlite;
mod time;

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::invite::{Action, Invite, RolesFormat};
use crate::record::{Damaged, Entry};
use crate::token::Token;

use time::{format_time, parse_time};

/// The table ejabberd's mod_invites keeps invites in.
pub const TABLE: &str = "invite_token";

/// The server whose data model this is, as messages name it.
const SERVER: &str = "ejabberd";

/// One row, as read: every column as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub token: String,
    pub username: String,
    pub invitee: String,
    pub created_at: String,
    pub expires: String,
    pub kind: String,
    pub account_name: String,
}

/// One row to write (`invitee` is `''`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewRow {
    pub username: String,
    pub created_at: String,
    pub expires: String,
    pub kind: &'static str,
    pub account_name: String,
}

/// The columns every schema of the table has.
const COLUMNS: [&str; 7] = [
    "token",
    "username",
    "invitee",
    "created_at",
    "expires",
    "type",
    "account_name",
];

/// Whether a table with these columns is in the multihost schema (it has
/// `server_host`); refuses one that lacks a column ejabberd reads.
pub(crate) fn multihost(store: &str, columns: &HashSet<String>) -> Result<bool> {
    if let Some(missing) = COLUMNS.iter().find(|c| !columns.contains(**c)) {
        return Err(Error::NotAStore {
            store: store.to_owned(),
            reason: format!("ejabberd's invite_token table has no column {missing:?}"),
        });
    }
    Ok(columns.contains("server_host"))
}

/// ejabberd's URI for an invite of this type (`token_uri`): the roster
/// form for `R`, the register form for every other type.
pub fn uri(kind: &str, username: &str, account_name: &str, host: &str, token: &str) -> String {
    if kind == "R" {
        format!("xmpp:{username}@{host}?roster;preauth={token}")
    } else if account_name.is_empty() {
        format!("xmpp:{host}?register;preauth={token}")
    } else {
        format!("xmpp:{account_name}@{host}?register;preauth={token}")
    }
}

/// The times a database's columns hold, in Unix seconds, with how a
/// refusal names the limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Times {
    pub first: i64,
    pub last: i64,
    pub beyond: &'static str,
}

/// Text columns (SQLite) and PostgreSQL's `timestamp`: four-digit years,
/// the form ejabberd reads.
pub(crate) const FOUR_DIGIT_YEARS: Times = Times {
    first: -62_135_596_800,
    last: 253_402_300_799,
    beyond: "a time after the year 9999",
};

/// MySQL's `TIMESTAMP` (1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC).
#[cfg(feature = "mysql")]
pub(crate) const MYSQL_TIMESTAMP: Times = Times {
    first: 1,
    last: 2_147_483_647,
    beyond: "a time after 2038-01-19 03:14:07 UTC (MySQL's TIMESTAMP)",
};

/// An invite's `type`, `username` (the inviter) and `account_name`, as
/// the table holds them.
pub(crate) fn columns(invite: &Invite) -> (&'static str, String, String) {
    let local = |jid: &str| jid.split_once('@').map_or("", |(user, _)| user).to_owned();
    match (invite.action, &invite.allow_reset) {
        (Action::Register, Some(user)) => ("T", String::new(), user.clone()),
        (Action::Register, None) => ("A", String::new(), local(&invite.jid)),
        (Action::Roster, _) if invite.allow_registration => {
            ("S", local(&invite.jid), String::new())
        }
        (Action::Roster, _) => ("R", local(&invite.jid), String::new()),
    }
}

/// The row for a new invite, or the error naming what ejabberd cannot
/// hold, in columns holding `times`. `store` names the store in that
/// error.
pub(crate) fn encode(invite: &Invite, store: &str, times: Times) -> Result<NewRow> {
    let refuse = |what| {
        Err(Error::NotStorable {
            store: store.to_owned(),
            server: SERVER,
            what,
        })
    };
    if invite.reusable {
        return refuse("reusable invites");
    }
    if !invite.groups.is_empty() {
        return refuse("groups");
    }
    if !invite.roles.is_empty() {
        return refuse("roles");
    }
    if invite.note.is_some() {
        return refuse("notes");
    }
    if invite.used_by.is_some() {
        return refuse("an invite already used");
    }
    let (kind, username, account_name) = columns(invite);
    if invite.action == Action::Roster && username.is_empty() {
        return refuse("a contact invite without an inviter");
    }
    let created_at = invite.created_at.unwrap_or_else(crate::now);
    if ![created_at, invite.expires]
        .iter()
        .all(|t| (times.first..=times.last).contains(t))
    {
        return refuse(times.beyond);
    }
    Ok(NewRow {
        username,
        created_at: format_time(created_at),
        expires: format_time(invite.expires),
        kind,
        account_name,
    })
}

/// Reads a row of host `host` as an invite, or as damaged when it is not
/// as ejabberd writes it.
pub(crate) fn decode(host: &str, row: Row) -> Entry {
    let token = Token::from_store(row.token);
    let damaged = |token, reason: String| {
        Entry::Damaged(Damaged {
            token,
            user: None,
            reason,
        })
    };
    let (Some(created_at), Some(expires)) = (parse_time(&row.created_at), parse_time(&row.expires))
    else {
        return damaged(
            token,
            format!(
                "times not in ejabberd's form YYYY-MM-DD HH:MM:SS (created_at {:?}, expires {:?})",
                row.created_at, row.expires
            ),
        );
    };
    let at = |user: &str| format!("{user}@{host}");
    let (action, jid, allow_registration, allow_reset) = match row.kind.as_str() {
        "A" if row.account_name.is_empty() => (Action::Register, host.to_owned(), true, None),
        "A" => (Action::Register, at(&row.account_name), true, None),
        "T" if !row.account_name.is_empty() => (
            Action::Register,
            at(&row.account_name),
            true,
            Some(row.account_name.clone()),
        ),
        // An account-and-subscription invite the server made has no one
        // to subscribe to: an account invite.
        "S" if row.username.is_empty() => (
            Action::Register,
            if row.account_name.is_empty() {
                host.to_owned()
            } else {
                at(&row.account_name)
            },
            true,
            None,
        ),
        "S" => (Action::Roster, at(&row.username), true, None),
        "R" if !row.username.is_empty() => (Action::Roster, at(&row.username), false, None),
        "T" => return damaged(token, "a reset (type T) without an account_name".into()),
        "R" => return damaged(token, "a roster invite (type R) without an inviter".into()),
        other => return damaged(token, format!("unknown invite type {other:?}")),
    };
    let uri = uri(
        &row.kind,
        &row.username,
        &row.account_name,
        host,
        token.as_str(),
    );
    Entry::Invite(Invite {
        token,
        action,
        jid,
        uri,
        allow_registration,
        created_at: Some(created_at),
        expires,
        reusable: false,
        roles: Vec::new(),
        roles_format: RolesFormat::default(),
        groups: Vec::new(),
        allow_reset,
        note: None,
        source: None,
        landing_page: None,
        used_by: (!row.invitee.is_empty()).then_some(row.invitee),
    })
}

/// ejabberd's check of a token (`is_token_valid`): unknown, damaged and
/// used invites are refused, and expired ones from the second of `expires`
/// on (`expires > now`).
pub(crate) fn check(entry: Option<Entry>, token: &Token, now: i64) -> Result<Invite> {
    let invite = crate::redeem::check(entry, token, now)?;
    if invite.expires <= now {
        return Err(Error::Expired(token.to_string()));
    }
    Ok(invite)
}

/// The account a redeem without a named invitee marks as the invitee:
/// the preselected account, where the invite has one.
pub(crate) fn implied_invitee(invite: &Invite) -> Result<String> {
    match (invite.action, invite.jid.contains('@')) {
        (Action::Register, true) => Ok(invite.jid.clone()),
        _ => Err(Error::InvalidRequest(format!(
            "ejabberd records who used the invite {}: name the account (Store::redeem_by)",
            invite.token
        ))),
    }
}
