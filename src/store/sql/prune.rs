//! Removing expired invites: both record kinds, in one transaction, and
//! only rows the reader reads as expired invites.
//!
//! The reader decides inside the `DELETE` (`invitectl_host_expired`,
//! `invitectl_user_expired`: see `add_reader_functions`), so each row is
//! read once and deleted where the index scan stands, as one plain
//! `DELETE` would; a row `list` calls damaged is never deleted.

use rusqlite::{params, OptionalExtension};

use super::SqlStore;
use crate::error::{Error, Result};
use crate::jid::Host;

/// A host-level record that reads as an invite expired at `?2`.
pub(super) const EXPIRED_HOST_RECORD: &str = "host = ?1 AND user = '' AND store = 'invite_token' \
    AND invitectl_host_expired(type, value, ?2)";

/// A per-user record that reads as an invite expired at `?2`, whose invite
/// has no host-level record (left): a contact-only invite, or what remains
/// of a pruned one.
pub(super) const EXPIRED_LONE_USER_RECORD: &str =
    "host = ?1 AND store = 'invite_token' AND user <> '' \
    AND NOT EXISTS (SELECT 1 FROM prosody AS h WHERE h.host = ?1 AND h.user = '' \
        AND h.store = 'invite_token' AND h.key = prosody.key) \
    AND invitectl_user_expired(type, value, ?2)";

/// How many host-level invite records a host has (the index alone says).
const HOST_RECORDS_COUNT: &str = "SELECT count(*) FROM prosody \
    WHERE host = ?1 AND user = '' AND store = 'invite_token'";

/// The key `?3` host-level records on from key `?2`: where a slice of
/// `prune` ends. None when fewer records are left.
const HOST_RECORDS_SLICE_END: &str = "SELECT key FROM prosody \
    WHERE host = ?1 AND user = '' AND store = 'invite_token' AND key >= ?2 \
    ORDER BY key LIMIT 1 OFFSET ?3";

/// The first key after `?2` among host-level records, or NULL.
const HOST_RECORDS_NEXT_KEY: &str = "SELECT min(key) FROM prosody \
    WHERE host = ?1 AND user = '' AND store = 'invite_token' AND key > ?2";

/// How many host-level records `prune` looks at between progress reports.
const PRUNE_SLICE: i64 = 10_000;

impl SqlStore {
    pub(in crate::store) fn prune(
        &mut self,
        host: &Host,
        now: i64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64> {
        let path = self.path.clone();
        let sqlite = |source| Error::Sqlite {
            path: path.clone(),
            source,
        };
        let delete_lone = format!("DELETE FROM prosody WHERE {EXPIRED_LONE_USER_RECORD}");
        let delete_from = format!("DELETE FROM prosody WHERE {EXPIRED_HOST_RECORD} AND key >= ?3");
        let delete_slice = format!("{delete_from} AND key < ?4");
        let host_name = host.as_str();
        let args = params![host.as_str(), now];
        let tx = self.begin()?;
        // Contact-only invites first: once the host-level records are gone,
        // the per-user records they leave look just the same, and are
        // removed without being counted again.
        let mut removed = delete_expired(&tx, &delete_lone, args).map_err(sqlite)?;
        // Host-level records a slice of the index at a time, in key order,
        // so that progress can be told between slices.
        let total: i64 = tx
            .query_row(HOST_RECORDS_COUNT, params![host.as_str()], |r| r.get(0))
            .map_err(sqlite)?;
        let total = total.max(0) as u64;
        let mut seen = 0;
        progress(seen, total);
        let mut from = rusqlite::types::Value::Text(String::new());
        loop {
            let mut to: Option<rusqlite::types::Value> = tx
                .query_row(
                    HOST_RECORDS_SLICE_END,
                    params![host.as_str(), from, PRUNE_SLICE],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sqlite)?;
            if to.as_ref() == Some(&from) {
                // A slice of one key repeated (0.12 allows duplicates):
                // the slice ends at the next key instead.
                to = tx
                    .query_row(HOST_RECORDS_NEXT_KEY, params![host.as_str(), from], |r| {
                        r.get(0)
                    })
                    .map_err(sqlite)?;
                to = to.filter(|v| *v != rusqlite::types::Value::Null);
            }
            let Some(to) = to else {
                removed += delete_expired(&tx, &delete_from, params![host_name, now, from])
                    .map_err(sqlite)?;
                break;
            };
            removed += delete_expired(&tx, &delete_slice, params![host_name, now, from, to])
                .map_err(sqlite)?;
            seen = (seen + PRUNE_SLICE as u64).min(total);
            progress(seen, total);
            from = to;
        }
        progress(total, total);
        delete_expired(&tx, &delete_lone, args).map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        Ok(removed as u64)
    }
}

/// Runs one of the `DELETE` statements above and returns how many rows it
/// removed.
fn delete_expired(
    tx: &rusqlite::Transaction<'_>,
    delete: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(delete)?.execute(args)
}
