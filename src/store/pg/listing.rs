//! Reading a host's invites as a stream, through a portal that the server
//! fills a page at a time, in one read-only snapshot.

use std::cell::RefMut;
use std::collections::VecDeque;

use postgres::{Client, Portal, Row, Transaction};

use super::store::{decode_row, PgStore};
use crate::error::{Error, Result};
use crate::jid::Host;
use crate::record::Entry;

/// Rows fetched per round trip.
const PAGE: i32 = 2_000;

/// Every invite of a host: host-level records, and per-user records with
/// no host-level record (contact-only invites); newest first, then
/// contact-only invites.
///
/// The creation time is found in the text: casting to `jsonb` would abort
/// the whole listing on one broken row, which `list` must show as damaged.
/// Prosody and invitectl write it as a whole number right after
/// `"created_at":`, which is read without a regular expression over the
/// whole record (measured: 3.5 times faster on 100k invites); a record
/// where it is written otherwise sorts with the contact-only invites.
/// (Among invites of the same second, the order is the table's.)
const LIST: &str = r#"SELECT "user", "key", "type", "value" FROM prosody AS p
    WHERE "host" = $1 AND "store" = 'invite_token' AND ("user" = '' OR NOT EXISTS
        (SELECT 1 FROM prosody AS h WHERE h."host" = $1 AND h."user" = ''
            AND h."store" = 'invite_token' AND h."key" = p."key"))
    ORDER BY (SELECT CASE WHEN c ~ '^-?[0-9]{1,18}$' THEN c::bigint END
        FROM (SELECT CASE WHEN "user" = '' AND "type" = 'json' AND position('"created_at":' in "value") > 0
            THEN split_part(split_part(substring("value" from position('"created_at":' in "value") + 13 for 24), ',', 1), '}', 1)
            END AS c) AS created_at)
        DESC NULLS LAST, ctid DESC"#;

/// Host-level and lone per-user records that may have expired: the reader
/// decides which have, as `prune` does.
const MAYBE_EXPIRED: &str = r#"SELECT "user", "key", "type", "value" FROM prosody AS p
    WHERE "host" = $1 AND "store" = 'invite_token' AND (("user" = '' AND "type" = 'json')
        OR ("user" <> '' AND "type" = 'number' AND NOT EXISTS
            (SELECT 1 FROM prosody AS h WHERE h."host" = $1 AND h."user" = ''
                AND h."store" = 'invite_token' AND h."key" = p."key")))"#;

impl PgStore {
    pub(in crate::store) fn list(&self, host: &Host) -> Result<PgListing<'_>> {
        self.listing(host, LIST, None)
    }

    pub(in crate::store) fn list_expired(&self, host: &Host, now: i64) -> Result<PgListing<'_>> {
        self.listing(host, MAYBE_EXPIRED, Some(now))
    }

    fn listing(&self, host: &Host, sql: &'static str, now: Option<i64>) -> Result<PgListing<'_>> {
        let client = self
            .client
            .try_borrow_mut()
            .map_err(|_| Error::InvalidRequest("a listing of this store is already open".into()))?;
        Ok(PgListing {
            client,
            sql,
            host: host.as_str().to_owned(),
            now,
            store: self.target.to_string(),
        })
    }
}

/// A prepared listing of one host's invites.
pub struct PgListing<'s> {
    client: RefMut<'s, Client>,
    sql: &'static str,
    host: String,
    /// The time for a listing of expired invites.
    now: Option<i64>,
    store: String,
}

impl PgListing<'_> {
    /// Streams the listing, a page of rows per round trip.
    pub fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let store = self.store.clone();
        let error = |source| Error::Postgres {
            store: store.clone(),
            source,
            hint: String::new(),
        };
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(error)?;
        // Compiling this one sort costs more than it saves.
        tx.batch_execute("SET LOCAL jit = off").map_err(error)?;
        let portal = tx.bind(self.sql, &[&self.host]).map_err(error)?;
        Ok(Box::new(Pages {
            tx,
            portal,
            page: VecDeque::new(),
            done: false,
            host: self.host.clone(),
            expired_at: self.now,
            store: self.store.clone(),
        }))
    }
}

/// The rows of a portal, fetched a page at a time.
struct Pages<'c> {
    tx: Transaction<'c>,
    portal: Portal,
    page: VecDeque<Row>,
    done: bool,
    host: String,
    /// A listing of expired invites shows what `prune` removes, no more.
    expired_at: Option<i64>,
    store: String,
}

impl Iterator for Pages<'_> {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Result<Entry>> {
        loop {
            if let Some(row) = self.page.pop_front() {
                let entry = decode_row(&self.host, &row, 0);
                match self.expired_at {
                    Some(now) if !entry.is_expired_invite(now) => continue,
                    _ => return Some(Ok(entry)),
                }
            }
            if self.done {
                return None;
            }
            match self.tx.query_portal(&self.portal, PAGE) {
                Ok(rows) => {
                    self.done = rows.len() < PAGE as usize;
                    self.page.extend(rows);
                }
                Err(source) => {
                    self.done = true;
                    return Some(Err(Error::Postgres {
                        store: self.store.clone(),
                        source,
                        hint: String::new(),
                    }));
                }
            }
        }
    }
}
