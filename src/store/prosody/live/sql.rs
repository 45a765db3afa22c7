//! Prosody's SQL storage on SQLite through the running server: raw rows
//! read on the server's own connection, decided on by invitectl's reader
//! of rows, removed only while unchanged.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::create::{self, Chunking};
use super::journal::{self, JournalMode};
use super::ServerLink;
use crate::admin_shell::{delete_rows_program, Extent, RawRow};
use crate::error::Result;
use crate::invite::Invite;
use crate::jid::Host;
use crate::lua::LuaString;
use crate::record::{self, Entry};
use crate::store::backend::{Backend, Entries, NewInvites, Opened, Selection};
use crate::store::prosody::rows::{decode_row, RecordRow};
use crate::store::prosody::sqlite::SqlStore;
use crate::store::OpenMode;
use crate::token::Token;

/// Rows per page of a read through the server, rows per page of the
/// sorting pass of a listing (two numbers each), and the rowids one page
/// may scan: each bounds how long one request holds the server.
const PAGE_ROWS: u32 = 200;
const ORDER_ROWS: u32 = 500;
const PAGE_WINDOW: i64 = 5_000;
/// Rows removed, or tokens looked up, per request.
const BATCH: usize = 256;

/// A SQLite store written through the server.
pub(super) struct LiveSql {
    link: ServerLink,
    path: PathBuf,
    opened: Opened,
    /// The database opened directly, for reads in WAL mode.
    direct: Option<SqlStore>,
}

impl LiveSql {
    pub(super) fn open(link: ServerLink, path: &Path) -> Result<LiveSql> {
        let opened = Opened {
            name: path.display().to_string(),
            created: None,
            made_for_012: Some(link.is_012()),
        };
        Ok(LiveSql {
            link,
            path: path.to_owned(),
            opened,
            direct: None,
        })
    }

    /// Every record of each token, the host-level one first: through the
    /// index for host-level records and for the inviter's record of a
    /// contact invite (whose user the host-level record names); only
    /// tokens with no host-level record are looked for among all users,
    /// by one scan per batch. (So a per-user record under some other user
    /// beside a host-level record, which mod_invites never writes, is not
    /// found.)
    fn rows_of(&mut self, host: &Host, tokens: &[&str]) -> Result<Vec<RawRow>> {
        let mut rows = Vec::new();
        for part in tokens.chunks(BATCH) {
            let found = self.link.store(host).rows_of_keys(part);
            let host_rows = found.map_err(|e| self.link.error(e))?;
            let with_host: HashSet<&LuaString> = host_rows.iter().map(|r| &r.key).collect();
            let inviters: Vec<(String, String)> = host_rows
                .iter()
                .filter_map(|r| match decode(host.as_str(), r) {
                    Entry::Invite(invite) => invite
                        .inviter()
                        .map(|u| (u.to_owned(), invite.token.as_str().to_owned())),
                    Entry::Damaged(_) => None,
                })
                .collect();
            let pairs: Vec<(&str, &str)> = inviters
                .iter()
                .map(|(u, k)| (u.as_str(), k.as_str()))
                .collect();
            let lone: Vec<&str> = part
                .iter()
                .copied()
                .filter(|t| !with_host.contains(&LuaString::from(*t)))
                .collect();
            let mut user_rows = Vec::new();
            if !pairs.is_empty() {
                let found = self.link.store(host).rows_of_pairs(&pairs);
                user_rows.extend(found.map_err(|e| self.link.error(e))?);
            }
            if !lone.is_empty() {
                let found = self.link.store(host).rows_of_any_user(&lone);
                user_rows.extend(found.map_err(|e| self.link.error(e))?);
            }
            rows.extend(host_rows);
            rows.extend(user_rows);
        }
        Ok(rows)
    }

    /// Removes each row that is still as read; returns those removed.
    fn remove<'r>(&mut self, host: &Host, rows: &[&'r RawRow]) -> Result<Vec<&'r RawRow>> {
        let comparable: Vec<&RawRow> = rows
            .iter()
            .copied()
            .filter(|r| r.kind.is_some() && r.value.is_some())
            .collect();
        let mut removed = Vec::new();
        let mut batches = vec![&comparable[..]];
        while let Some(batch) = batches.pop() {
            if batch.is_empty() {
                continue;
            }
            let fits = delete_rows_program(host, batch).is_ok_and(|p| p.fits());
            if !fits && batch.len() > 1 {
                let (a, b) = batch.split_at(batch.len() / 2);
                batches.push(b);
                batches.push(a);
                continue;
            }
            for part in batch.chunks(BATCH) {
                let outcomes = self.link.store(host).delete_rows_if_unchanged(part);
                let outcomes = outcomes.map_err(|e| self.link.error(e))?;
                removed.extend(
                    part.iter()
                        .zip(outcomes)
                        .filter(|(_, gone)| *gone)
                        .map(|(r, _)| *r),
                );
            }
        }
        Ok(removed)
    }

    fn extent(&mut self, host: &Host) -> Result<Extent> {
        self.link
            .store(host)
            .extent()
            .map_err(|e| self.link.error(e))
    }

    /// Reads every invite row of the host up to `extent` that may have
    /// expired at `now`, a page at a time.
    fn each_expired_page(
        &mut self,
        host: &Host,
        extent: Extent,
        now: i64,
        mut page: impl FnMut(&mut Self, Vec<RawRow>, f64) -> Result<()>,
    ) -> Result<()> {
        let mut after = 0;
        while after < extent.max_rowid {
            let before = after.saturating_add(PAGE_WINDOW).min(extent.max_rowid);
            let read = self
                .link
                .store(host)
                .expired_page(after, before, PAGE_ROWS, now);
            let (rows, next) = read.map_err(|e| self.link.error(e))?;
            // The server's answer must move on, or the loop would not end.
            after = next.max(after + 1);
            // How far through the table: what progress can tell.
            let done = after.min(extent.max_rowid) as f64 / extent.max_rowid as f64;
            page(self, rows, done)?;
        }
        Ok(())
    }

    fn direct(&mut self) -> Result<&mut SqlStore> {
        let store = match self.direct.take() {
            Some(store) => store,
            None => SqlStore::open(&self.path, OpenMode::Existing)?,
        };
        Ok(self.direct.insert(store))
    }
}

impl Backend for LiveSql {
    fn opened(&self) -> &Opened {
        &self.opened
    }

    fn write_needs(&self) -> &'static str {
        super::WRITE_NEEDS
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        create::create(&mut self.link, host, invites, Chunking::ByStall)
    }

    fn listing<'s>(
        &'s mut self,
        host: &Host,
        selection: Selection,
    ) -> Result<Box<dyn Entries + 's>> {
        // In WAL mode a reader never blocks the server's writes.
        if journal::mode(&self.path) == JournalMode::Wal {
            return self.direct()?.listing(host, selection);
        }
        match selection {
            Selection::All => newest_first(self, host),
            Selection::ExpiredAt(now) => {
                let mut entries = Vec::new();
                let host_name = host.as_str().to_owned();
                let extent = self.extent(host)?;
                self.each_expired_page(host, extent, now, |_, rows, _| {
                    entries.extend(
                        rows.iter()
                            .filter(|r| counted_as_expired(r, now))
                            .map(|r| decode(&host_name, r)),
                    );
                    Ok(())
                })?;
                Ok(Box::new(Listed(entries)))
            }
        }
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        let rows = self.rows_of(host, &[token.as_str()])?;
        // The host-level row first (its user is "", which sorts first).
        Ok(rows.first().map(|r| decode(host.as_str(), r)))
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        let keys: Vec<&str> = tokens.iter().map(Token::as_str).collect();
        let rows = self.rows_of(host, &keys)?;
        let all: Vec<&RawRow> = rows.iter().collect();
        let removed = self.remove(host, &all)?;
        Ok(removed
            .iter()
            .map(|r| r.key.to_string_lossy().into_owned())
            .collect())
    }

    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        let mut removed = 0;
        let mut pruned_keys = HashSet::new();
        // Per-user records of invites that still had a host-level record
        // when read: removed at the end if that record went.
        let mut behind = Vec::new();
        let extent = self.extent(host)?;
        let total = extent.host_records;
        progress(0, total);
        self.each_expired_page(host, extent, now, |store, rows, done| {
            let doomed: Vec<&RawRow> = rows.iter().filter(|r| counted_as_expired(r, now)).collect();
            for row in store.remove(host, &doomed)? {
                removed += 1;
                if row.user.is_empty() {
                    pruned_keys.insert(row.key.clone());
                }
            }
            let seen = (total as f64 * done) as u64;
            behind.extend(
                rows.into_iter()
                    .filter(|r| !r.user.is_empty() && !r.lone && user_expired(r, now)),
            );
            progress(seen.min(total), total);
            Ok(())
        })?;
        let left: Vec<&RawRow> = behind
            .iter()
            .filter(|r| pruned_keys.contains(&r.key))
            .collect();
        self.remove(host, &left)?;
        progress(total, total);
        Ok(removed)
    }

    fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        let rows = self.rows_of(host, &[token.as_str()])?;
        let entry = rows.first().map(|r| decode(host.as_str(), r));
        let invite = crate::redeem::check(entry, token, now)?;
        if !invite.reusable {
            let all: Vec<&RawRow> = rows.iter().collect();
            let removed = self.remove(host, &all)?;
            // Someone used or changed it since it was read.
            if !removed.iter().any(|r| std::ptr::eq(*r, &rows[0])) {
                return Err(crate::error::Error::NotFound(token.to_string()));
            }
        }
        Ok(invite)
    }
}

/// Whether a row is one that `prune` removes and counts: a host-level
/// record that reads as an expired invite, or an expired per-user record
/// with no host-level record (a contact-only invite).
fn counted_as_expired(row: &RawRow, now: i64) -> bool {
    let (Some(kind), Some(value)) = (text(&row.kind), text(&row.value)) else {
        return false;
    };
    if row.user.is_empty() {
        record::host_record_is_expired(&kind, &value, now)
    } else {
        row.lone && record::user_record_is_expired(&kind, &value, now)
    }
}

fn user_expired(row: &RawRow, now: i64) -> bool {
    match (text(&row.kind), text(&row.value)) {
        (Some(kind), Some(value)) => record::user_record_is_expired(&kind, &value, now),
        _ => false,
    }
}

fn text(column: &Option<LuaString>) -> Option<Cow<'_, str>> {
    column.as_ref()?.to_str().map(Cow::Borrowed)
}

fn decode(host: &str, row: &RawRow) -> Entry {
    match decode_row(host, row, 0) {
        Ok(entry) => entry,
        Err(never) => match never {},
    }
}

/// A raw row read by invitectl's one reader of rows: user, key, type,
/// value. Text that is not UTF-8 reads as damaged, as from SQLite itself.
impl RecordRow for RawRow {
    type Error = std::convert::Infallible;

    fn name(&self, i: usize) -> Result<String, Self::Error> {
        let name = if i == 0 { &self.user } else { &self.key };
        Ok(name.to_string_lossy().into_owned())
    }

    fn text(&self, i: usize) -> Option<Cow<'_, str>> {
        text(if i == 2 { &self.kind } else { &self.value })
    }
}

/// A listing read whole, in the order it was found.
struct Listed(Vec<Entry>);

impl Entries for Listed {
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        Ok(Box::new(self.0.drain(..).map(Ok)))
    }
}

/// Every invite newest first, as the direct reader lists them: a pass
/// that reads only each row's rowid and creation time (SQLite's JSON
/// functions read `created_at` inside the server), sorted, then the rows
/// read in that order, a batch at a time.
fn newest_first<'s>(store: &'s mut LiveSql, host: &Host) -> Result<Box<dyn Entries + 's>> {
    let extent = store.extent(host)?;
    let mut order: Vec<(Option<i64>, i64)> = Vec::new();
    let mut after = 0;
    while after < extent.max_rowid {
        let before = after.saturating_add(PAGE_WINDOW).min(extent.max_rowid);
        let read = store.link.store(host).order_page(after, before, ORDER_ROWS);
        let (rows, next) = read.map_err(|e| store.link.error(e))?;
        after = next.max(after + 1);
        order.extend(rows.into_iter().map(|(rowid, created)| (created, rowid)));
    }
    // Newest first, the row written last first among equals; no time last.
    order.sort_by_key(|&(created, rowid)| {
        (
            created.is_none(),
            std::cmp::Reverse(created),
            std::cmp::Reverse(rowid),
        )
    });
    Ok(Box::new(InOrder {
        store,
        host: host.clone(),
        ids: order.into_iter().map(|(_, id)| id).collect(),
    }))
}

struct InOrder<'s> {
    store: &'s mut LiveSql,
    host: Host,
    ids: Vec<i64>,
}

impl Entries for InOrder<'_> {
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let ids = std::mem::take(&mut self.ids);
        let store = &mut *self.store;
        let host = self.host.clone();
        let mut batches = ids
            .chunks(PAGE_ROWS as usize)
            .map(<[i64]>::to_vec)
            .collect::<Vec<_>>();
        batches.reverse();
        let mut current: std::vec::IntoIter<RawRow> = Vec::new().into_iter();
        Ok(Box::new(std::iter::from_fn(move || loop {
            if let Some(row) = current.next() {
                return Some(Ok(decode(host.as_str(), &row)));
            }
            let batch = batches.pop()?;
            match store.link.store(&host).rows_by_id(&batch) {
                Ok(rows) => current = rows.into_iter(),
                Err(e) => {
                    batches.clear();
                    return Some(Err(store.link.error(e)));
                }
            }
        })))
    }
}
