//! Removing expired invites on the server, in one transaction, and only
//! rows the reader reads as expired invites.
//!
//! The usual case is one `DELETE` that reads `expires` as `jsonb` on the
//! server. Its deleted rows come back and each must read as an expired
//! invite; PostgreSQL 15 cannot test JSON without aborting on a broken
//! row, and its JSON is not quite the reader's (duplicate keys, for one),
//! so if the statement fails on the data or removed a row the reader
//! would keep, it is undone (a savepoint) and the host's records are read
//! page by page instead, each decided by the reader and removed by its
//! row address.

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Row, Transaction};

use super::super::invite_store;
use super::super::prune::Steps;
use super::super::rows::decode as decode_row;
use crate::store::engine::pg::is_data_exception;

/// Host-level records whose `expires` the server reads as a number before
/// `$2`.
const DELETE_EXPIRED: &str = concat!(
    r#"DELETE FROM prosody WHERE "host" = $1 AND "user" = '' AND "store" = '"#,
    invite_store!(),
    r#"' AND "type" = 'json'
    AND jsonb_typeof("value"::jsonb -> 'expires') = 'number'
    AND ("value"::jsonb ->> 'expires')::numeric < $2::bigint
    RETURNING "user", "key", "type", "value""#
);

/// Every host-level record, for the reader to decide on.
const HOST_RECORDS: &str = concat!(
    r#"SELECT ctid::text, "user", "key", "type", "value" FROM prosody
    WHERE "host" = $1 AND "user" = '' AND "store" = '"#,
    invite_store!(),
    r#"' AND "type" = 'json'"#
);

/// Per-user records with no host-level record (contact-only invites, or
/// what a pruned invite left). `OFFSET 0` keeps the check a lookup in the
/// index per record: right after the host-level records were deleted, the
/// planner's estimates are stale, and the join it chose instead read the
/// table once per record (1.4 s for 800 records beside 6,000 invites).
const LONE_USER_RECORDS: &str = concat!(
    r#"SELECT ctid::text, "user", "key", "type", "value" FROM prosody AS p
    WHERE "host" = $1 AND "store" = '"#,
    invite_store!(),
    r#"' AND "user" <> '' AND "type" = 'number'
    AND NOT EXISTS (SELECT 1 FROM prosody AS h WHERE h."host" = $1 AND h."user" = ''
        AND h."store" = '"#,
    invite_store!(),
    r#"' AND h."key" = p."key" OFFSET 0)"#
);

const HOST_RECORDS_COUNT: &str = concat!(
    r#"SELECT count(*) FROM prosody WHERE "host" = $1 AND "user" = '' AND "store" = '"#,
    invite_store!(),
    "'"
);

const DELETE_BY_ADDRESS: &str = "DELETE FROM prosody WHERE ctid = ANY($1::text[]::tid[])";

/// Rows read per page when the reader decides.
const PAGE: i32 = 10_000;

/// A prune (see `prosody::prune`) of the host's records.
pub struct Prune<'a> {
    pub host: &'a str,
    pub now: i64,
}

impl Steps<Transaction<'_>> for Prune<'_> {
    type Error = postgres::Error;

    fn lone_user_records(&self, tx: &mut Transaction<'_>) -> Result<u64, postgres::Error> {
        delete_decided(tx, LONE_USER_RECORDS, self.host, self.now, &mut |_| {})
    }

    fn count_host_records(&self, tx: &mut Transaction<'_>) -> Result<u64, postgres::Error> {
        let total: i64 = tx.query_one(HOST_RECORDS_COUNT, &[&self.host])?.get(0);
        Ok(total.max(0) as u64)
    }

    fn host_records(
        &self,
        tx: &mut Transaction<'_>,
        seen: &mut dyn FnMut(u64),
    ) -> Result<u64, postgres::Error> {
        match delete_on_server(tx, self.host, self.now)? {
            Some(n) => Ok(n),
            None => delete_decided(tx, HOST_RECORDS, self.host, self.now, seen),
        }
    }
}

/// The single `DELETE`, under a savepoint. `None` when it was undone: the
/// reader must decide.
fn delete_on_server(
    tx: &mut Transaction<'_>,
    host: &str,
    now: i64,
) -> Result<Option<u64>, postgres::Error> {
    let mut savepoint = tx.savepoint("invitectl_prune")?;
    let outcome = {
        let params: [&(dyn ToSql + Sync); 2] = [&host, &now];
        let mut rows = match savepoint.query_raw(DELETE_EXPIRED, params) {
            Ok(rows) => rows,
            Err(e) if is_data_exception(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        let mut agreed = true;
        loop {
            match rows.next() {
                Ok(Some(row)) => {
                    removed += 1;
                    agreed &= decode_row(host, &row, 0).is_expired_invite(now);
                }
                Ok(None) => break Ok(agreed.then_some(removed)),
                Err(e) if is_data_exception(&e) => break Ok(None),
                Err(e) => break Err(e),
            }
        }
    };
    match outcome {
        Ok(Some(removed)) => {
            savepoint.commit()?;
            Ok(Some(removed))
        }
        // Dropping the savepoint undoes the statement.
        Ok(None) => Ok(None),
        Err(e) if is_data_exception(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads the rows `select` finds (`ctid, user, key, type, value`) a page
/// at a time, and removes those the reader reads as invites expired at
/// `now`. `seen` hears how many rows were read so far.
fn delete_decided(
    tx: &mut Transaction<'_>,
    select: &str,
    host: &str,
    now: i64,
    seen: &mut dyn FnMut(u64),
) -> Result<u64, postgres::Error> {
    let portal = tx.bind(select, &[&host])?;
    let (mut read, mut removed) = (0, 0);
    loop {
        let rows: Vec<Row> = tx.query_portal(&portal, PAGE)?;
        read += rows.len() as u64;
        let doomed: Vec<String> = rows
            .iter()
            .filter(|row| decode_row(host, *row, 1).is_expired_invite(now))
            .map(|row| row.get(0))
            .collect();
        if !doomed.is_empty() {
            removed += tx.execute(DELETE_BY_ADDRESS, &[&doomed])?;
        }
        seen(read);
        if rows.len() < PAGE as usize {
            return Ok(removed);
        }
    }
}
