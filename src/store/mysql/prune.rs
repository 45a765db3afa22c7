//! Removing expired invites, in one transaction, and only rows the reader
//! reads as expired invites.
//!
//! The server narrows the rows down: it skips every host-level record
//! whose JSON it reads as valid now. The rest stream past the reader,
//! which decides; each row it calls expired is then removed by its key
//! and a fingerprint of its value, so a row that changed meanwhile, or a
//! twin under the same key (0.12's index allows them) that the reader
//! would keep, stays. Only the doomed rows' keys are held in memory.

use mysql::prelude::Queryable;
use mysql::{Row, Transaction, Value};

use super::listing::{maybe_expired, NO_HOST_RECORD};
use super::store::{
    decode_row, host_params, in_list, text, twice, MyStore, BATCH, HOST_LEVEL, HOST_STORE,
};
use crate::error::{Error, Result};
use crate::jid::Host;

/// A row to remove: its user, key and value's fingerprint.
type Doomed = (String, String, String);

impl MyStore {
    pub(in crate::store) fn prune(
        &mut self,
        host: &Host,
        now: i64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64> {
        let store = self.target.to_string();
        let error = |source| Error::Mysql {
            store: store.clone(),
            source,
        };
        self.write_retrying(host, |tx| {
            // Contact-only invites first: once host-level records are gone,
            // the per-user records they leave look the same, and are
            // removed at the end without being counted again.
            let lone = lone_user_records(host);
            let doomed = decide(tx, &lone, host, now, |_| {}).map_err(&error)?;
            let mut removed = delete(tx, host, &doomed).map_err(&error)?;
            let total: Option<u64> = tx
                .exec_first(
                    format!("SELECT COUNT(*) FROM `prosody` WHERE {HOST_STORE} AND {HOST_LEVEL}"),
                    host_params(host),
                )
                .map_err(&error)?;
            let total = total.unwrap_or(0);
            progress(0, total);
            let host_level = host_level_candidates(host, now);
            let doomed = decide(tx, &host_level, host, now, |seen| {
                progress(seen.min(total), total)
            })
            .map_err(&error)?;
            removed += delete(tx, host, &doomed).map_err(&error)?;
            progress(total, total);
            let doomed = decide(tx, &lone, host, now, |_| {}).map_err(&error)?;
            delete(tx, host, &doomed).map_err(&error)?;
            Ok(removed)
        })
    }
}

/// Host-level records that may have expired.
fn host_level_candidates(host: &Host, now: i64) -> (String, Vec<Value>) {
    let (sql, params) = maybe_expired(host, now, true);
    (format!("{sql} AND BINARY `user` = ''"), params)
}

/// Per-user records with no host-level record (contact-only invites, or
/// what a pruned invite left).
fn lone_user_records(host: &Host) -> (String, Vec<Value>) {
    (
        format!(
            "SELECT `user`, `key`, `type`, `value`, MD5(`value`) FROM `prosody` AS p \
             WHERE {HOST_STORE} AND BINARY `user` <> '' AND `type` = 'number' AND {NO_HOST_RECORD}"
        ),
        host_params(host),
    )
}

/// Streams the rows `select` finds (`user, key, type, value, MD5(value)`)
/// and returns those the reader reads as invites expired at `now`.
/// `seen` hears how many rows were read so far.
fn decide(
    tx: &mut Transaction<'_>,
    (sql, params): &(String, Vec<Value>),
    host: &Host,
    now: i64,
    mut seen: impl FnMut(u64),
) -> Result<Vec<Doomed>, mysql::Error> {
    let mut doomed = Vec::new();
    let mut read = 0;
    for row in tx.exec_iter(sql.as_str(), params.clone())? {
        let row: Row = row?;
        read += 1;
        if decode_row(host.as_str(), &row, 0).is_expired_invite(now) {
            doomed.push((
                text(&row, 0).unwrap_or_default(),
                text(&row, 1).unwrap_or_default(),
                text(&row, 4).unwrap_or_default(),
            ));
        }
        if read % 1_000 == 0 {
            seen(read);
        }
    }
    seen(read);
    Ok(doomed)
}

/// Removes exactly the rows named, a batch per statement; returns how
/// many went.
fn delete(tx: &mut Transaction<'_>, host: &Host, doomed: &[Doomed]) -> Result<u64, mysql::Error> {
    let mut removed = 0;
    for chunk in doomed.chunks(BATCH) {
        let keys: Vec<&str> = chunk.iter().map(|(_, k, _)| k.as_str()).collect();
        let rows = vec!["(?, ?, ?)"; chunk.len()].join(", ");
        let mut params = host_params(host);
        params.extend(twice(&keys));
        params.extend(chunk.iter().flat_map(|(u, k, f)| {
            [
                Value::from(u.as_str()),
                Value::from(k.as_str()),
                Value::from(f.as_str()),
            ]
        }));
        tx.exec_drop(
            format!(
                "DELETE FROM `prosody` WHERE {HOST_STORE} AND {} \
                 AND (BINARY `user`, BINARY `key`, MD5(`value`)) IN ({rows})",
                in_list("key", keys.len())
            ),
            params,
        )?;
        removed += tx.affected_rows();
    }
    Ok(removed)
}
