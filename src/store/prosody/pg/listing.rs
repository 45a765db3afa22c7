//! Reading a host's invites as a stream, through a portal that the server
//! fills a page at a time, in one read-only snapshot.

use std::collections::VecDeque;

use postgres::{Portal, Row, Transaction};

use super::super::invite_store;
use super::super::rows::decode as decode_row;
use crate::error::Result;
use crate::jid::Host;
use crate::record::Entry;
use crate::store::backend::{Entries, Selection};
use crate::store::engine::pg::{error, failed, Connection};

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
const LIST: &str = concat!(
    r#"SELECT "user", "key", "type", "value" FROM prosody AS p
    WHERE "host" = $1 AND "store" = '"#,
    invite_store!(),
    r#"' AND ("user" = '' OR NOT EXISTS
        (SELECT 1 FROM prosody AS h WHERE h."host" = $1 AND h."user" = ''
            AND h."store" = '"#,
    invite_store!(),
    r#"' AND h."key" = p."key"))
    ORDER BY (SELECT CASE WHEN c ~ '^-?[0-9]{1,18}$' THEN c::bigint END
        FROM (SELECT CASE WHEN "user" = '' AND "type" = 'json' AND position('"created_at":' in "value") > 0
            THEN split_part(split_part(substring("value" from position('"created_at":' in "value") + 13 for 24), ',', 1), '}', 1)
            END AS c) AS created_at)
        DESC NULLS LAST, ctid DESC"#
);

/// Host-level and lone per-user records that may have expired: the reader
/// decides which have, as `prune` does.
const MAYBE_EXPIRED: &str = concat!(
    r#"SELECT "user", "key", "type", "value" FROM prosody AS p
    WHERE "host" = $1 AND "store" = '"#,
    invite_store!(),
    r#"' AND (("user" = '' AND "type" = 'json')
        OR ("user" <> '' AND "type" = 'number' AND NOT EXISTS
            (SELECT 1 FROM prosody AS h WHERE h."host" = $1 AND h."user" = ''
                AND h."store" = '"#,
    invite_store!(),
    r#"' AND h."key" = p."key")))"#
);

/// A prepared listing of one host's invites, which holds the connection.
pub struct PgListing<'s> {
    db: &'s mut Connection,
    host: String,
    selection: Selection,
}

impl<'s> PgListing<'s> {
    pub fn new(db: &'s mut Connection, host: &Host, selection: Selection) -> PgListing<'s> {
        PgListing {
            db,
            host: host.as_str().to_owned(),
            selection,
        }
    }
}

impl Entries for PgListing<'_> {
    /// Streams the listing, a page of rows per round trip.
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let sql = match self.selection {
            Selection::All => LIST,
            Selection::ExpiredAt(_) => MAYBE_EXPIRED,
        };
        let (client, name) = self.db.parts();
        let error = failed(name);
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(&error)?;
        // Compiling this one sort costs more than it saves.
        tx.batch_execute("SET LOCAL jit = off").map_err(&error)?;
        let portal = tx.bind(sql, &[&self.host]).map_err(&error)?;
        Ok(Box::new(Pages {
            tx,
            portal,
            page: VecDeque::new(),
            done: false,
            host: &self.host,
            selection: self.selection,
            store: name,
        }))
    }
}

/// The rows of a portal, fetched a page at a time.
struct Pages<'c> {
    tx: Transaction<'c>,
    portal: Portal,
    page: VecDeque<Row>,
    done: bool,
    host: &'c str,
    selection: Selection,
    store: &'c str,
}

impl Iterator for Pages<'_> {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Result<Entry>> {
        loop {
            if let Some(row) = self.page.pop_front() {
                let entry = Ok(decode_row(self.host, &row, 0));
                if self.selection.keeps(&entry) {
                    return Some(entry);
                }
                continue;
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
                    return Some(Err(error(self.store, source, String::new())));
                }
            }
        }
    }
}
