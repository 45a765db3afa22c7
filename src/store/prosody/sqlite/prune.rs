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
        let delete_lone = format!("DELETE FROM prosody WHERE {EXPIRED_LONE_USER_RECORD}");
        let delete_from = format!("DELETE FROM prosody WHERE {EXPIRED_HOST_RECORD} AND key >= ?3");
        let delete_slice = format!("{delete_from} AND key < ?4");
        let host_name = host.as_str();
        let args = params![host_name, now];
        let (mut tx, path) = self.db.begin()?;
        let sqlite = failed(path);
        let steps = Steps {
            lone_user_records: |tx: &mut Transaction<'_>| delete_expired(tx, &delete_lone, args),
            count_host_records: |tx: &mut Transaction<'_>| {
                tx.query_row(HOST_RECORDS_COUNT, params![host_name], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n.max(0) as u64)
            },
            // A slice of the index at a time, in key order, so that
            // progress can be told between slices.
            host_records: |tx: &mut Transaction<'_>, seen: &mut dyn FnMut(u64)| {
                let mut removed = 0;
                let mut read = 0;
                let mut from = Value::Text(String::new());
                loop {
                    let mut to: Option<Value> = tx
                        .query_row(
                            HOST_RECORDS_SLICE_END,
                            params![host_name, from, PRUNE_SLICE],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if to.as_ref() == Some(&from) {
                        // A slice of one key repeated (0.12 allows
                        // duplicates): the slice ends at the next key
                        // instead.
                        to =
                            tx.query_row(HOST_RECORDS_NEXT_KEY, params![host_name, from], |r| {
                                r.get(0)
                            })?;
                        to = to.filter(|v| *v != Value::Null);
                    }
                    let Some(to) = to else {
                        removed += delete_expired(tx, &delete_from, params![host_name, now, from])?;
                        return Ok(removed);
                    };
                    removed +=
                        delete_expired(tx, &delete_slice, params![host_name, now, from, to])?;
                    read += PRUNE_SLICE as u64;
                    seen(read);
                    from = to;
                }
            },
        };
        let removed = prune::run(&mut tx, steps, progress).map_err(&sqlite)?;
        tx.commit().map_err(sqlite)?;
        Ok(removed)
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
