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
use mysql::{Row, Transaction};

use super::super::prune::Steps;
use super::super::rows::decode;
use super::listing::{maybe_expired, NO_HOST_RECORD};
use super::{host_store, in_list, text, BATCH, HOST_LEVEL};
use crate::jid::Host;
use crate::store::engine::mysql::Statement;

/// A row to remove: its user, key and value's fingerprint.
type Doomed = (String, String, String);

/// A prune (see `prosody::prune`) of the host's records.
pub struct Prune<'a> {
    host: &'a Host,
    now: i64,
    lone: Statement,
}

impl<'a> Prune<'a> {
    pub fn new(host: &'a Host, now: i64) -> Prune<'a> {
        Prune {
            host,
            now,
            lone: lone_user_records(host),
        }
    }
}

impl Steps<Transaction<'_>> for Prune<'_> {
    type Error = mysql::Error;

    fn lone_user_records(&self, tx: &mut Transaction<'_>) -> Result<u64, mysql::Error> {
        let doomed = decide(tx, &self.lone, self.host, self.now, &mut |_| {})?;
        delete(tx, self.host, &doomed)
    }

    fn count_host_records(&self, tx: &mut Transaction<'_>) -> Result<u64, mysql::Error> {
        let mut st = Statement::new("SELECT COUNT(*) FROM `prosody` WHERE ");
        host_store(&mut st, self.host).sql(" AND ").sql(HOST_LEVEL);
        let (sql, params) = st.into_parts();
        let total: Option<u64> = tx.exec_first(sql, params)?;
        Ok(total.unwrap_or(0))
    }

    fn host_records(
        &self,
        tx: &mut Transaction<'_>,
        seen: &mut dyn FnMut(u64),
    ) -> Result<u64, mysql::Error> {
        let candidates = host_level_candidates(self.host, self.now);
        let doomed = decide(tx, &candidates, self.host, self.now, seen)?;
        delete(tx, self.host, &doomed)
    }
}

/// Host-level records that may have expired.
fn host_level_candidates(host: &Host, now: i64) -> Statement {
    let mut st = maybe_expired(host, now, true);
    st.sql(" AND BINARY `user` = ''");
    st
}

/// Per-user records with no host-level record (contact-only invites, or
/// what a pruned invite left).
fn lone_user_records(host: &Host) -> Statement {
    let mut st = Statement::new(
        "SELECT `user`, `key`, `type`, `value`, MD5(`value`) FROM `prosody` AS p WHERE ",
    );
    host_store(&mut st, host)
        .sql(" AND BINARY `user` <> '' AND `type` = 'number' AND ")
        .sql(NO_HOST_RECORD);
    st
}

/// Streams the rows `select` finds (`user, key, type, value, MD5(value)`)
/// and returns those the reader reads as invites expired at `now`.
/// `seen` hears how many rows were read so far.
fn decide(
    tx: &mut Transaction<'_>,
    select: &Statement,
    host: &Host,
    now: i64,
    seen: &mut dyn FnMut(u64),
) -> Result<Vec<Doomed>, mysql::Error> {
    let mut doomed = Vec::new();
    let mut read = 0;
    for row in tx.exec_iter(select.text(), select.params().to_vec())? {
        let row: Row = row?;
        read += 1;
        if decode(host.as_str(), &row, 0).is_expired_invite(now) {
            let text = |i| text(&row, i).map(|t| t.into_owned()).unwrap_or_default();
            doomed.push((text(0), text(1), text(4)));
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
        let mut st = Statement::new("DELETE FROM `prosody` WHERE ");
        host_store(&mut st, host).sql(" AND ");
        in_list(&mut st, "key", &keys).sql(" AND (BINARY `user`, BINARY `key`, MD5(`value`)) IN (");
        for (i, (user, key, fingerprint)) in chunk.iter().enumerate() {
            st.sql(if i == 0 { "(" } else { ", (" })
                .list([user.as_str(), key.as_str(), fingerprint.as_str()])
                .sql(")");
        }
        st.sql(")");
        let (sql, params) = st.into_parts();
        tx.exec_drop(sql, params)?;
        removed += tx.affected_rows();
    }
    Ok(removed)
}
