//! Reading a host's invites as a stream (the engine's portal: a page at
//! a time, in one read-only snapshot).

use super::super::invite_store;
use super::super::rows::decode as decode_row;
use crate::error::Result;
use crate::jid::Host;
use crate::record::Entry;
use crate::store::backend::{Entries, Selection};
use crate::store::engine::pg::{portal, Connection};

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
        let host = self.host.as_str();
        let pages = portal::stream(client, name, sql, &[&host], self.selection, move |row| {
            decode_row(host, row, 0)
        })?;
        Ok(Box::new(pages))
    }
}
