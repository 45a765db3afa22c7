//! Prosody's file storage through the running server: reads straight
//! from the files (the server replaces each whole, by a rename), writes
//! through the server, removals only of records still as read.

use std::collections::HashSet;
use std::path::Path;

use super::create::{self, Chunking};
use super::ServerLink;
use crate::admin_shell::{delete_program, Deletion, RecordKey};
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::lua::{Key, Value};
use crate::record::Entry;
use crate::store::backend::{Backend, Entries, NewInvites, Opened, Selection};
use crate::store::prosody::files::{convert, Doomed, FileStore};
use crate::token::Token;

/// A data folder written through the server.
pub(super) struct LiveFiles {
    link: ServerLink,
    files: FileStore,
}

impl LiveFiles {
    pub(super) fn open(link: ServerLink, data: &Path) -> Result<LiveFiles> {
        Ok(LiveFiles {
            link,
            files: FileStore::open(data)?,
        })
    }

    /// Removes each record still as read; returns which went, in order.
    fn remove(&mut self, host: &Host, doomed: &Doomed) -> Result<Vec<bool>> {
        let items: Vec<(RecordKey, Value)> = doomed
            .records
            .iter()
            .filter_map(|(user, key, value)| {
                let Key::Str(key) = key else {
                    return None;
                };
                let record = match user {
                    Some(user) => RecordKey::user(user.as_str(), key.clone()),
                    None => RecordKey::host(key.clone()),
                };
                Some((record, value.clone()))
            })
            .collect();
        let mut removed = Vec::with_capacity(items.len());
        // Each request rewrites each file once: as few as the size
        // limit allows.
        let mut rest = &items[..];
        while !rest.is_empty() {
            let mut n = rest.len();
            while n > 1 && !delete_program(host, &rest[..n]).is_ok_and(|p| p.fits()) {
                n /= 2;
            }
            let outcome = self
                .link
                .store(host)
                .delete_if_unchanged(&rest[..n])
                .map_err(|e| self.link.error(e))?;
            if let Some(error) = outcome.errors.first() {
                return Err(self
                    .link
                    .error(crate::admin_shell::AdminShellError::Storage(error.clone())));
            }
            removed.extend(outcome.outcomes.iter().map(|o| *o == Deletion::Removed));
            rest = &rest[n..];
        }
        // Records under keys that are not strings were never sent.
        let mut sent = removed.into_iter();
        Ok(doomed
            .records
            .iter()
            .map(|(_, key, _)| matches!(key, Key::Str(_)) && sent.next().unwrap_or(false))
            .collect())
    }
}

impl Backend for LiveFiles {
    fn opened(&self) -> &Opened {
        self.files.opened()
    }

    fn write_needs(&self) -> &'static str {
        super::WRITE_NEEDS
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        create::create(&mut self.link, host, invites, Chunking::BySize)
    }

    fn listing<'s>(
        &'s mut self,
        host: &Host,
        selection: Selection,
    ) -> Result<Box<dyn Entries + 's>> {
        self.files.listing(host, selection)
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        self.files.get(host, token)
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        let doomed = self.files.records_of(host, tokens)?;
        let removed = self.remove(host, &doomed)?;
        Ok(doomed
            .records
            .iter()
            .zip(removed)
            .filter(|(_, gone)| *gone)
            .map(|((_, key, _), _)| convert::key_text(key))
            .collect())
    }

    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        let doomed = self.files.expired_records(host, now)?;
        progress(0, doomed.host_records);
        let removed = self.remove(host, &doomed)?;
        progress(doomed.host_records, doomed.host_records);
        Ok(doomed
            .counted
            .iter()
            .zip(removed)
            .filter(|(counted, gone)| **counted && *gone)
            .count() as u64)
    }

    fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        let invite = crate::redeem::check(self.files.get(host, token)?, token, now)?;
        if !invite.reusable {
            let doomed = self.files.records_of(host, std::slice::from_ref(token))?;
            let removed = self.remove(host, &doomed)?;
            // The record `get` read is the first: host-level if any.
            if !removed.first().copied().unwrap_or(false) {
                return Err(Error::NotFound(token.to_string()));
            }
        }
        Ok(invite)
    }
}
