//! New invites through the server: in chunks, each one request, all or
//! nothing across chunks.
//!
//! A chunk the server reports as failed is read back first: Prosody's SQL
//! storage can report a commit as failed that still lands. Once a chunk
//! truly failed, or anything else went wrong (the caller's output, the
//! connection), every record this run wrote is removed again, and only
//! then is the error told. Nobody can hold one of those tokens: links are
//! printed only once `create` returns.

use std::collections::BTreeMap;
use std::time::Duration;

use super::ServerLink;
use crate::admin_shell::{
    insert_rows_program, set_records_program, KeysToRemove, NewRow, RecordKey, Records,
};
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::lua::LuaString;
use crate::record;
use crate::store::backend::NewInvites;
use crate::store::prosody::files::convert;

/// How long the server may spend on one chunk on SQL storage: its event
/// loop serves no one meanwhile. Chunks are sized from how long the one
/// before took to answer once sent, which counts parsing and compiling
/// the request too.
pub const TARGET_STALL: Duration = Duration::from_millis(35);

/// How chunks are written and sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Chunking {
    /// SQL storage: each chunk the rows the direct path writes, inserted
    /// in one transaction on the server's connection, sized to
    /// [`TARGET_STALL`].
    ByStall,
    /// File storage: each chunk one call of the invite store's
    /// `set_keys` per file, which rewrites the whole file, so as few
    /// requests as the size limit allows.
    BySize,
}

/// The smallest and largest chunks; the first one's size.
const MIN_CHUNK: usize = 16;
const MAX_CHUNK: usize = 4_096;
const FIRST_CHUNK: usize = 128;

/// Stores every invite of `invites` through the server.
pub(super) fn create(
    link: &mut ServerLink,
    host: &Host,
    invites: &mut NewInvites<'_>,
    chunking: Chunking,
) -> Result<()> {
    let mut written = Written::default();
    let result = write_all(link, host, invites, chunking, &mut written);
    if let Err(error) = result {
        if written.is_empty() {
            return Err(error);
        }
        return match undo(link, host, &written) {
            Ok(()) => Err(error),
            Err(undo_error) => Err(Error::Server {
                socket: link.socket.display().to_string(),
                source: Box::new(crate::admin_shell::AdminShellError::Failed(format!(
                    "{error}; then removing the {} invites already written failed too ({undo_error}): `invitectl list` shows them",
                    written.count
                ))),
            }),
        };
    }
    Ok(())
}

fn write_all(
    link: &mut ServerLink,
    host: &Host,
    invites: &mut NewInvites<'_>,
    chunking: Chunking,
    written: &mut Written,
) -> Result<()> {
    let mut size = match chunking {
        Chunking::ByStall => FIRST_CHUNK,
        Chunking::BySize => MAX_CHUNK,
    };
    let mut chunk = Vec::new();
    loop {
        invites.next_chunk(&mut chunk, size)?;
        if chunk.is_empty() {
            return Ok(());
        }
        let mut spent = Duration::ZERO;
        // A chunk over the size limit goes in parts.
        let mut parts = vec![&chunk[..]];
        while let Some(part) = parts.pop() {
            let request = Request::of(part, chunking);
            if !request.fits(host).map_err(|e| link.error(e))? && part.len() > 1 {
                let (a, b) = part.split_at(part.len() / 2);
                parts.push(b);
                parts.push(a);
                if chunking == Chunking::BySize {
                    size = size.min(part.len() / 2).max(1);
                }
                continue;
            }
            written.add(part);
            spent += write_part(link, host, part, &request)?;
        }
        invites.written(&chunk)?;
        if chunking == Chunking::ByStall {
            size = next_size(size, chunk.len(), spent);
        }
    }
}

/// One request's worth of new invites, as the storage stores them.
enum Request {
    Rows(Vec<NewRow>),
    Records(Records),
}

impl Request {
    fn of(invites: &[Invite], chunking: Chunking) -> Request {
        match chunking {
            Chunking::ByStall => Request::Rows(rows_of(invites)),
            Chunking::BySize => Request::Records(records_of(invites)),
        }
    }

    fn fits(&self, host: &Host) -> crate::admin_shell::Result<bool> {
        Ok(match self {
            Request::Rows(rows) => insert_rows_program(host, rows)?.fits(),
            Request::Records(records) => set_records_program(host, records)?.fits(),
        })
    }
}

/// Writes one request's worth; returns the server's time on it.
fn write_part(
    link: &mut ServerLink,
    host: &Host,
    part: &[Invite],
    request: &Request,
) -> Result<Duration> {
    let outcome = match request {
        Request::Rows(rows) => link.store(host).insert_rows(rows),
        Request::Records(records) => link.store(host).set_records(records),
    };
    let outcome = outcome.map_err(|e| link.error(e))?;
    let reported = Duration::try_from_secs_f64(outcome.seconds).unwrap_or_default();
    // The server's clock starts after it has parsed and compiled the
    // request, most of its cost for a big one (seen: 22 ms reported, 78 ms
    // until the answer), and its clients wait for all of that.
    let spent = reported.max(link.connection.answered_after());
    if outcome.ok || all_stored(link, host, part)? {
        return Ok(spent);
    }
    Err(link.error(crate::admin_shell::AdminShellError::Storage(
        outcome
            .error
            .unwrap_or_else(|| "the server failed to store the invites".into()),
    )))
}

/// Whether every invite of `part` reads back from the server.
fn all_stored(link: &mut ServerLink, host: &Host, part: &[Invite]) -> Result<bool> {
    let keys: Vec<RecordKey> = part.iter().map(main_record).collect();
    let found = link
        .store(host)
        .get_records(&keys)
        .map_err(|e| link.error(e))?;
    Ok(found.iter().all(Option::is_some))
}

/// The record an invite cannot be used without: the host-level one, or
/// for a contact invite that does not let people register, the inviter's.
fn main_record(invite: &Invite) -> RecordKey {
    match invite.inviter() {
        Some(inviter) if !invite.allow_registration => {
            RecordKey::user(inviter, invite.token.as_str())
        }
        _ => RecordKey::host(invite.token.as_str()),
    }
}

/// The rows of `invites` in Prosody's SQL table, exactly as the direct
/// SQL backends write them.
fn rows_of(invites: &[Invite]) -> Vec<NewRow> {
    let mut rows = Vec::with_capacity(invites.len());
    for invite in invites {
        let key = invite.token.as_str().to_owned();
        if invite.allow_registration {
            rows.push(NewRow {
                user: String::new(),
                key: key.clone(),
                kind: "json",
                value: record::encode(invite),
            });
        }
        if let Some(inviter) = invite.inviter() {
            rows.push(NewRow {
                user: inviter.to_owned(),
                key,
                kind: "number",
                value: invite.expires.to_string(),
            });
        }
    }
    rows
}

/// The records of `invites`, as the file backend and mod_invites store
/// them.
fn records_of(invites: &[Invite]) -> Records {
    let mut records = Records::new();
    for invite in invites {
        if invite.allow_registration {
            records.host_record(invite.token.as_str(), convert::encode_host(invite));
        }
        if let Some(inviter) = invite.inviter() {
            records.user_record(inviter, invite.token.as_str(), convert::encode_user(invite));
        }
    }
    records
}

/// The next chunk's size: what would have taken [`TARGET_STALL`], moved
/// halfway there, so one slow request does not swing it.
fn next_size(size: usize, done: usize, spent: Duration) -> usize {
    if done < size {
        return size;
    }
    let per_invite = spent.as_secs_f64() / done.max(1) as f64;
    let ideal = if per_invite > 0.0 {
        (TARGET_STALL.as_secs_f64() / per_invite) as usize
    } else {
        MAX_CHUNK
    };
    ((size + ideal) / 2).clamp(MIN_CHUNK, MAX_CHUNK)
}

/// The keys this run wrote (or tried to): what an undo removes.
#[derive(Default)]
struct Written {
    host: Vec<LuaString>,
    users: BTreeMap<String, Vec<LuaString>>,
    count: usize,
}

impl Written {
    fn add(&mut self, invites: &[Invite]) {
        for invite in invites {
            let key = LuaString::from(invite.token.as_str());
            if invite.allow_registration {
                self.host.push(key.clone());
            }
            if let Some(inviter) = invite.inviter() {
                self.users.entry(inviter.to_owned()).or_default().push(key);
            }
        }
        self.count += invites.len();
    }

    fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Removes what this run wrote, in requests under the size limit; on a
/// fresh connection, since the failure may have broken the old one.
fn undo(link: &mut ServerLink, host: &Host, written: &Written) -> Result<()> {
    link.reconnect()?;
    /// Keys per request: some 60 bytes each, well under the limit.
    const KEYS_PER_REQUEST: usize = 8_192;
    for (user, keys) in &written.users {
        for part in keys.chunks(KEYS_PER_REQUEST) {
            let request = KeysToRemove {
                host: Vec::new(),
                users: vec![(LuaString::from(user.as_str()), part.to_vec())],
            };
            link.store(host)
                .remove_keys(&request)
                .map_err(|e| link.error(e))?;
        }
    }
    for part in written.host.chunks(KEYS_PER_REQUEST) {
        let request = KeysToRemove {
            host: part.to_vec(),
            users: Vec::new(),
        };
        link.store(host)
            .remove_keys(&request)
            .map_err(|e| link.error(e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_grow_toward_the_target_and_stay_in_bounds() {
        // 128 invites in 2 ms: 2,240 would take 35 ms.
        let next = next_size(128, 128, Duration::from_millis(2));
        assert_eq!(next, (128 + 2_240) / 2);
        // Slow: 128 in 200 ms is 1.5 ms each; 22 would do.
        assert_eq!(next_size(128, 128, Duration::from_millis(200)), 75);
        assert_eq!(next_size(16, 16, Duration::from_secs(5)), MIN_CHUNK);
        assert_eq!(next_size(MAX_CHUNK, MAX_CHUNK, Duration::ZERO), MAX_CHUNK);
        assert_eq!(next_size(4_000, 4_000, Duration::ZERO), 4_048);
        // The last, short chunk says nothing about the size.
        assert_eq!(next_size(500, 3, Duration::from_secs(1)), 500);
    }

    #[test]
    fn the_record_an_invite_needs_is_where_it_is_stored() {
        use crate::invite::{InviteRequest, Target};
        use crate::jid::Username;
        let host = Host::parse("example.com").unwrap();
        let contact_only = InviteRequest {
            target: Some(Target::Contact {
                inviter: Username::parse("alice").unwrap(),
                allow_registration: false,
            }),
            ..InviteRequest::default()
        }
        .build(&host, 0)
        .unwrap();
        assert_eq!(
            main_record(&contact_only),
            RecordKey::user("alice", contact_only.token.as_str())
        );
        let account = InviteRequest::default().build(&host, 0).unwrap();
        assert_eq!(
            main_record(&account),
            RecordKey::host(account.token.as_str())
        );
        let records = records_of(&[contact_only.clone(), account.clone()]);
        assert_eq!(records.len(), 2);
        let rows = rows_of(&[contact_only, account.clone()]);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].user.as_str(), rows[0].kind), ("alice", "number"));
        assert_eq!((rows[1].user.as_str(), rows[1].kind), ("", "json"));
        assert_eq!(rows[1].value, record::encode(&account));
    }
}
