//! The contract every store keeps, whatever the server and the database:
//! what [`crate::Store`] asks of the backend it holds.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::Entry;
use crate::token::Token;

/// An open store of one server's invites on one kind of storage.
///
/// Every method that writes does so all or nothing (one transaction on a
/// database; on file storage, one rewrite per file, as the backend's docs
/// say), and never touches a record it does not read as an invite of the
/// host it is given.
pub trait Backend {
    /// What opening the store found.
    fn opened(&self) -> &Opened;

    /// Whether this user may write the store, where the store itself
    /// knows (a database server's privileges); `None` where the file
    /// system's permissions tell (see [`crate::Location::writes`]).
    fn may_write(&mut self) -> Result<Option<bool>> {
        Ok(None)
    }

    /// The message for a user who may not write the store: what they
    /// need.
    fn write_needs(&self) -> &'static str;

    /// Stores every invite of `invites` in one transaction.
    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()>;

    /// Prepares a listing: see [`crate::Store::list`] and
    /// [`crate::Store::list_expired`] for what each selection holds and in
    /// which order.
    fn listing<'s>(
        &'s mut self,
        host: &Host,
        selection: Selection,
    ) -> Result<Box<dyn Entries + 's>>;

    /// The invite with this token: its host-level record, else a per-user
    /// one.
    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>>;

    /// Removes every record of each token, in one transaction; returns the
    /// keys removed.
    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>>;

    /// Removes every invite that expired before `now` (both record kinds),
    /// telling `progress` how many host-level records it has looked at out
    /// of how many; returns how many invites went.
    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64>;

    /// Removes what [`Backend::prune`] removes and, where the store keeps
    /// used invites (ejabberd), every used one as well. Prosody's stores
    /// keep no used invites, so by default this is `prune`.
    fn prune_including_used(
        &mut self,
        host: &Host,
        now: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64> {
        self.prune(host, now, progress)
    }

    /// Checks a token as the server does at `now`, without using it. By
    /// default Prosody's rules (see [`crate::Store::check`]).
    fn check(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        crate::redeem::check(self.get(host, token)?, token, now)
    }

    /// Checks the token as [`crate::Store::check`] does and uses it, under
    /// one lock.
    fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite>;

    /// [`Backend::redeem`] by the account `invitee` (a bare JID), which a
    /// store that records who used an invite (ejabberd) records. By
    /// default the invitee is not recorded.
    fn redeem_by(&mut self, host: &Host, token: &Token, now: i64, invitee: &str) -> Result<Invite> {
        let _ = invitee;
        self.redeem(host, token, now)
    }
}

/// A prepared listing, which streams its entries from the store.
pub trait Entries {
    /// Streams the entries, reading them as they are used.
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>>;
}

/// Which invites a listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Every invite of the host, newest first, contact-only invites last.
    All,
    /// Exactly those that a prune at this time removes.
    ExpiredAt(i64),
}

impl Selection {
    /// Whether an entry read for this selection is listed: a listing of
    /// expired invites shows what `prune` removes, no more.
    pub fn keeps(self, entry: &Result<Entry>) -> bool {
        match (self, entry) {
            (Selection::ExpiredAt(now), Ok(entry)) => entry.is_expired_invite(now),
            _ => true,
        }
    }
}

/// What opening a store found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opened {
    /// The store as messages name it: its path, or its URL without the
    /// password.
    pub name: String,
    /// What opening created, if anything.
    pub created: Option<Creation>,
    /// Whether a Prosody 0.12 uses the store, as the store itself tells
    /// (for Prosody's SQL storage, its indexes); `None` when it keeps no
    /// such mark.
    pub made_for_012: Option<bool>,
}

/// What opening a store created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creation {
    /// What was created, as the rest of a sentence "created ...".
    pub what: String,
    /// Whether it is the store as a whole (a new file), which someone who
    /// named it expects; a table added to a database the server may use
    /// is always worth telling.
    pub whole_store: bool,
}

/// The new invites of one [`Backend::create`]: made, and told once
/// written into the transaction, a chunk at a time, so that nothing holds
/// them all and no call per invite goes through a trait object.
pub struct NewInvites<'a> {
    left: u64,
    make: &'a mut dyn FnMut(&mut Vec<Invite>, usize) -> Result<()>,
    written: &'a mut dyn FnMut(&[Invite]) -> std::io::Result<()>,
}

impl<'a> NewInvites<'a> {
    /// `count` invites: `make` appends as many as it is asked for to the
    /// vector, `written` hears of them once they are in the transaction.
    pub fn new(
        count: u64,
        make: &'a mut dyn FnMut(&mut Vec<Invite>, usize) -> Result<()>,
        written: &'a mut dyn FnMut(&[Invite]) -> std::io::Result<()>,
    ) -> NewInvites<'a> {
        NewInvites {
            left: count,
            make,
            written,
        }
    }

    /// Replaces `chunk` with the next invites, at most `max`; empty once
    /// all are made.
    pub fn next_chunk(&mut self, chunk: &mut Vec<Invite>, max: usize) -> Result<()> {
        chunk.clear();
        let n = self.left.min(max as u64);
        self.left -= n;
        if n > 0 {
            (self.make)(chunk, n as usize)?;
        }
        Ok(())
    }

    /// Tells the caller that these invites are written into the
    /// transaction (not yet committed).
    pub fn written(&mut self, invites: &[Invite]) -> Result<()> {
        (self.written)(invites).map_err(Error::Output)
    }
}
