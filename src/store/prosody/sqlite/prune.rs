//! Removing expired invites: both record kinds, in one transaction, and
//! only rows the reader reads as expired invites.
//!
//! The reader decides inside the `DELETE` (`invitectl_host_expired`,
//! `invitectl_user_expired`: see `add_reader_functions`), so each row is
//! read once and deleted where the index scan stands, as one plain
//! `DELETE` would; a row `list` calls damaged is never deleted.

use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension, Transaction};

use super::super::invite_store;
use super::super::prune::{self, Steps};
use super::SqlStore;
use crate::error::Result;
use crate::jid::Host;
use crate::store::engine::sqlite::failed;

/// A host-level record that reads as an invite expired at `?2`.
pub(super) const EXPIRED_HOST_RECORD: &str = concat!(
    "host = ?1 AND user = '' AND store = '",
    invite_store!(),
    "' AND invitectl_host_expired(type, value, ?2)"
);

/// A per-user record that reads as an invite expired at `?2`, whose invite
/// has no host-level record (left): a contact-only invite, or what remains
/// of a pruned one.
pub(super) const EXPIRED_LONE_USER_RECORD: &str = concat!(
    "host = ?1 AND store = '",
    invite_store!(),
    "' AND user <> '' \
    AND NOT EXISTS (SELECT 1 FROM prosody AS h WHERE h.host = ?1 AND h.user = '' \
        AND h.store = '",
    invite_store!(),
    "' AND h.key = prosody.key) \
    AND invitectl_user_expired(type, value, ?2)"
);

/// How many host-level invite records a host has (the index alone says).
const HOST_RECORDS_COUNT: &str = concat!(
    "SELECT count(*) FROM prosody WHERE host = ?1 AND user = '' AND store = '",
    invite_store!(),
    "'"
);

/// The key `?3` host-level records on from key `?2`: where a slice of
/// `prune` ends. None when fewer records are left.
const HOST_RECORDS_SLICE_END: &str = concat!(
    "SELECT key FROM prosody WHERE host = ?1 AND user = '' AND store = '",
    invite_store!(),
    "' AND key >= ?2 ORDER BY key LIMIT 1 OFFSET ?3"
);

/// The first key after `?2` among host-level records, or NULL.
const HOST_RECORDS_NEXT_KEY: &str = concat!(
    "SELECT min(key) FROM prosody WHERE host = ?1 AND user = '' AND store = '",
    invite_store!(),
    "' AND key > ?2"
);

/// How many host-level records `prune` looks at between progress reports.
const PRUNE_SLICE: i64 = 10_000;

impl SqlStore {
    pub(super) fn prune_expired(
        &mut self,
        host: &Host,
        now: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64> {
        let steps = Prune {
            host: host.as_str(),
            now,
            delete_lone: format!("DELETE FROM prosody WHERE {EXPIRED_LONE_USER_RECORD}"),
            delete_from: format!("DELETE FROM prosody WHERE {EXPIRED_HOST_RECORD} AND key >= ?3"),
        };
        self.db
            .write(|tx, name| prune::run(tx, &steps, progress).map_err(failed(name)))
    }
}

/// A prune (see `prosody::prune`) of the host's records.
struct Prune<'a> {
    host: &'a str,
    now: i64,
    /// Removes the expired lone per-user records.
    delete_lone: String,
    /// Removes the expired host-level records from key `?3` on.
    delete_from: String,
}

impl Steps<Transaction<'_>> for Prune<'_> {
    type Error = rusqlite::Error;

    fn lone_user_records(&self, tx: &mut Transaction<'_>) -> rusqlite::Result<u64> {
        delete_expired(tx, &self.delete_lone, params![self.host, self.now])
    }

    fn count_host_records(&self, tx: &mut Transaction<'_>) -> rusqlite::Result<u64> {
        tx.query_row(HOST_RECORDS_COUNT, params![self.host], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n.max(0) as u64)
    }

    /// A slice of the index at a time, in key order, so that progress can
    /// be told between slices.
    fn host_records(
        &self,
        tx: &mut Transaction<'_>,
        seen: &mut dyn FnMut(u64),
    ) -> rusqlite::Result<u64> {
        let (host, now) = (self.host, self.now);
        let delete_slice = format!("{} AND key < ?4", self.delete_from);
        let mut removed = 0;
        let mut read = 0;
        let mut from = Value::Text(String::new());
        loop {
            let mut to: Option<Value> = tx
                .query_row(
                    HOST_RECORDS_SLICE_END,
                    params![host, from, PRUNE_SLICE],
                    |r| r.get(0),
                )
                .optional()?;
            if to.as_ref() == Some(&from) {
                // A slice of one key repeated (0.12 allows duplicates):
                // the slice ends at the next key instead.
                to = tx.query_row(HOST_RECORDS_NEXT_KEY, params![host, from], |r| r.get(0))?;
                to = to.filter(|v| *v != Value::Null);
            }
            let Some(to) = to else {
                removed += delete_expired(tx, &self.delete_from, params![host, now, from])?;
                return Ok(removed);
            };
            removed += delete_expired(tx, &delete_slice, params![host, now, from, to])?;
            read += PRUNE_SLICE as u64;
            seen(read);
            from = to;
        }
    }
}

/// Runs one of the `DELETE` statements above and returns how many rows it
/// removed.
fn delete_expired(
    tx: &Transaction<'_>,
    delete: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<u64> {
    tx.prepare_cached(delete)?.execute(args).map(|n| n as u64)
}
