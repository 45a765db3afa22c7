//! Reading a host's invites as a stream: one statement, whose rows the
//! client reads off the connection as they are used (an unbuffered
//! result), in one consistent read.

use std::cell::RefMut;

use mysql::prelude::Queryable;
use mysql::{Conn, Value};

use super::store::{decode_row, host_params, MyStore, HOST_LEVEL, HOST_STORE};
use crate::error::{Error, Result};
use crate::jid::Host;
use crate::record::Entry;

/// No host-level record has the key of `p`'s row.
pub(super) const NO_HOST_RECORD: &str = "NOT EXISTS (SELECT 1 FROM `prosody` AS h \
    WHERE h.`host` = p.`host` AND BINARY h.`host` = BINARY p.`host` \
    AND h.`user` = '' AND BINARY h.`user` = '' \
    AND h.`store` = p.`store` AND BINARY h.`store` = BINARY p.`store` \
    AND h.`key` = p.`key` AND BINARY h.`key` = BINARY p.`key`)";

/// Whether the server reads the host-level record as an invite valid at
/// `?` (its `expires` a number not before it). Only rows it cannot say
/// so of may have expired; of those the reader decides. Invalid JSON is
/// tested before any path is read (MySQL refuses to read one).
pub(super) const SURELY_VALID: &str = "COALESCE(CASE WHEN JSON_VALID(`value`) THEN \
    CASE WHEN JSON_TYPE(JSON_EXTRACT(`value`, '$.expires')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') \
    THEN JSON_EXTRACT(`value`, '$.expires') + 0 >= ? END END, FALSE)";

impl MyStore {
    pub(in crate::store) fn list(&self, host: &Host) -> Result<MyListing<'_>> {
        // Newest first, by the creation time the server reads; records
        // without one (contact-only invites, damaged records) last.
        let sql = format!(
            "SELECT `user`, `key`, `type`, `value` FROM `prosody` AS p \
             WHERE {HOST_STORE} AND (BINARY `user` = '' OR {NO_HOST_RECORD}) \
             ORDER BY CASE WHEN BINARY `user` = '' AND `type` = 'json' AND JSON_VALID(`value`) THEN \
                 CASE WHEN JSON_TYPE(JSON_EXTRACT(`value`, '$.created_at')) IN ('INTEGER', 'UNSIGNED INTEGER') \
                 THEN CAST(JSON_EXTRACT(`value`, '$.created_at') AS SIGNED) END END DESC"
        );
        self.listing(sql, host_params(host), host, None)
    }

    pub(in crate::store) fn list_expired(&self, host: &Host, now: i64) -> Result<MyListing<'_>> {
        let (sql, params) = maybe_expired(host, now, false);
        self.listing(sql, params, host, Some(now))
    }

    fn listing(
        &self,
        sql: String,
        params: Vec<Value>,
        host: &Host,
        now: Option<i64>,
    ) -> Result<MyListing<'_>> {
        let conn = self
            .conn
            .try_borrow_mut()
            .map_err(|_| Error::InvalidRequest("a listing of this store is already open".into()))?;
        Ok(MyListing {
            conn,
            sql,
            params,
            host: host.as_str().to_owned(),
            now,
            store: self.target.to_string(),
        })
    }
}

/// Host-level and lone per-user records that may have expired at `now`:
/// the reader decides which have, as `prune` does. With `fingerprint`,
/// a fifth column tells each row's value apart, so that a later `DELETE`
/// removes exactly the rows read.
pub(super) fn maybe_expired(host: &Host, now: i64, fingerprint: bool) -> (String, Vec<Value>) {
    let fingerprint = if fingerprint { ", MD5(`value`)" } else { "" };
    let sql = format!(
        "SELECT `user`, `key`, `type`, `value`{fingerprint} FROM `prosody` AS p \
         WHERE {HOST_STORE} AND (({HOST_LEVEL} AND `type` = 'json' AND NOT {SURELY_VALID}) \
             OR (BINARY `user` <> '' AND `type` = 'number' AND {NO_HOST_RECORD}))"
    );
    let mut params = host_params(host);
    params.push(Value::from(now));
    (sql, params)
}

/// A prepared listing of one host's invites.
pub struct MyListing<'s> {
    conn: RefMut<'s, Conn>,
    sql: String,
    params: Vec<Value>,
    host: String,
    /// The time for a listing of expired invites.
    now: Option<i64>,
    store: String,
}

impl MyListing<'_> {
    /// Streams the listing, reading rows off the connection as they are
    /// used.
    pub fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let store = self.store.clone();
        let rows = self
            .conn
            .exec_iter(self.sql.as_str(), self.params.clone())
            .map_err(|source| Error::Mysql {
                store: store.clone(),
                source,
            })?;
        let (host, expired_at) = (self.host.clone(), self.now);
        let mut failed = false;
        Ok(Box::new(
            rows.map_while(move |row| {
                if failed {
                    return None;
                }
                Some(match row {
                    Ok(row) => Ok(decode_row(&host, &row, 0)),
                    Err(source) => {
                        failed = true;
                        Err(Error::Mysql {
                            store: store.clone(),
                            source,
                        })
                    }
                })
            })
            // A listing of expired invites shows what `prune` removes, no more.
            .filter(move |entry| match (expired_at, entry) {
                (Some(now), Ok(entry)) => entry.is_expired_invite(now),
                _ => true,
            }),
        ))
    }
}
