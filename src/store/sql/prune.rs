//! Removing expired invites: both record kinds, in one transaction, and
//! only rows the reader reads as expired invites.

use rusqlite::{params, OptionalExtension};

use super::{decode_row, SqlStore};
use crate::error::{Error, Result};
use crate::jid::Host;

/// A host-level record that may have expired before `?2`: what `prune`
/// looks at. Only rows that the reader then reads as expired invites are
/// removed, so that a row `list` calls damaged is never pruned.
pub(super) const EXPIRED_HOST_RECORD: &str = "host = ?1 AND store = 'invite_token' AND user = '' \
    AND type = 'json' AND json_valid(value) \
    AND json_type(value, '$.expires') IN ('integer', 'real') \
    AND json_extract(value, '$.expires') < ?2";

/// A per-user record that may have expired before `?2` (the reader
/// decides, as above), whose invite has no host-level record (left): a
/// contact-only invite, or what remains of a pruned one.
pub(super) const EXPIRED_LONE_USER_RECORD: &str =
    "host = ?1 AND store = 'invite_token' AND user <> '' \
    AND type = 'number' AND CAST(value AS REAL) < ?2 \
    AND NOT EXISTS (SELECT 1 FROM prosody AS h WHERE h.host = ?1 AND h.user = '' \
        AND h.store = 'invite_token' AND h.key = prosody.key)";

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
        let select = "SELECT user, key, type, value, rowid FROM prosody WHERE";
        let delete_lone = format!("{select} {EXPIRED_LONE_USER_RECORD}");
        let delete_from = format!("{select} {EXPIRED_HOST_RECORD} AND key >= ?3");
        let delete_slice = format!("{delete_from} AND key < ?4");
        let host_name = host.as_str();
        let args = params![host.as_str(), now];
        let tx = self.begin()?;
        // Contact-only invites first: once the host-level records are gone,
        // the per-user records they leave look just the same, and are
        // removed without being counted again.
        let mut removed =
            delete_expired(&tx, host_name, now, &delete_lone, args).map_err(sqlite)?;
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
                removed += delete_expired(
                    &tx,
                    host_name,
                    now,
                    &delete_from,
                    params![host_name, now, from],
                )
                .map_err(sqlite)?;
                break;
            };
            removed += delete_expired(
                &tx,
                host_name,
                now,
                &delete_slice,
                params![host_name, now, from, to],
            )
            .map_err(sqlite)?;
            seen = (seen + PRUNE_SLICE as u64).min(total);
            progress(seen, total);
            from = to;
        }
        progress(total, total);
        delete_expired(&tx, host_name, now, &delete_lone, args).map_err(sqlite)?;
        tx.commit().map_err(sqlite)?;
        Ok(removed as u64)
    }
}

/// Deletes the rows `select` finds (`user, key, type, value, rowid`) that
/// the reader reads as invites expired at `now`, and returns how many. A
/// row the reader calls damaged stays, whatever the SQL matched.
fn delete_expired(
    tx: &rusqlite::Transaction<'_>,
    host: &str,
    now: i64,
    select: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    let mut doomed = Vec::new();
    {
        let mut stmt = tx.prepare_cached(select)?;
        let mut rows = stmt.query(args)?;
        while let Some(row) = rows.next()? {
            if decode_row(host, row)?.is_expired_invite(now) {
                doomed.push(row.get::<_, i64>(4)?);
            }
        }
    }
    let mut delete = tx.prepare_cached("DELETE FROM prosody WHERE rowid = ?1")?;
    for rowid in &doomed {
        delete.execute([rowid])?;
    }
    Ok(doomed.len())
}
