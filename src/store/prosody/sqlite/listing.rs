//! Reading a host's invites as a stream: all of them newest first, or
//! exactly those that `prune` would remove.

use rusqlite::params;

use super::super::invite_store;
use super::super::rows::decode_row;
use super::prune::{EXPIRED_HOST_RECORD, EXPIRED_LONE_USER_RECORD};
use super::SqlStore;
use crate::error::Result;
use crate::jid::Host;
use crate::record::Entry;
use crate::store::backend::{Entries, Selection};
use crate::store::engine::sqlite::failed;

/// Every invite of a host: host-level records, and per-user records that
/// have no host-level record (contact-only invites). Newest first (among
/// invites of the same second, the row written last first), contact-only
/// invites last.
///
/// Three steps, so that the table is read in rowid order rather than at
/// random, and the sort carries two numbers per row rather than whole
/// records: the index gives the rowids of the host's invites, sorted; the
/// rows are read in that order for their creation time, as the reader
/// reads it (`invitectl_created`, see `add_reader_functions`); the (created, rowid) pairs are sorted, and each row
/// is read again for output, each near the one before. (`LIMIT -1` keeps
/// SQLite from flattening the steps into one query, which would drop
/// their order; NULL sorts last in descending order.) The rowids come
/// newest first, so that the second sort mostly appends, which costs a
/// fifth less than inserting each pair in front of the last.
const LIST: &str = concat!(
    "SELECT p.user, p.key, p.type, p.value FROM \
    (SELECT t.rowid AS id, \
        CASE WHEN t.user = '' THEN invitectl_created(t.type, t.value) END AS created \
    FROM (SELECT rowid AS r FROM prosody \
        WHERE host = ?1 AND store = '",
    invite_store!(),
    "' AND (user = '' OR NOT EXISTS \
            (SELECT 1 FROM prosody AS h WHERE h.host = ?1 AND h.user = '' \
                AND h.store = '",
    invite_store!(),
    "' AND h.key = prosody.key)) \
        ORDER BY r DESC LIMIT -1) AS k \
    CROSS JOIN prosody AS t ON t.rowid = k.r \
    ORDER BY created DESC, id DESC LIMIT -1) AS s \
CROSS JOIN prosody AS p ON p.rowid = s.id"
);

impl SqlStore {
    pub(super) fn prepare_listing(
        &self,
        host: &Host,
        selection: Selection,
    ) -> Result<SqlListing<'_>> {
        // Expired ones: the rows `prune` deletes, by its own conditions.
        let sql = match selection {
            Selection::All => LIST.into(),
            Selection::ExpiredAt(_) => std::borrow::Cow::Owned(format!(
                "SELECT user, key, type, value FROM prosody WHERE ({EXPIRED_LONE_USER_RECORD}) OR ({EXPIRED_HOST_RECORD})"
            )),
        };
        let stmt = self.db.conn.prepare(&sql).map_err(|e| self.db.error(e))?;
        Ok(SqlListing {
            stmt,
            host: host.as_str().to_owned(),
            selection,
            name: self.db.name(),
        })
    }
}

/// A prepared listing of one host's invites.
pub struct SqlListing<'s> {
    stmt: rusqlite::Statement<'s>,
    host: String,
    selection: Selection,
    name: &'s str,
}

impl Entries for SqlListing<'_> {
    /// Streams the listing row by row.
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let name = self.name;
        let host = self.host.clone();
        let decode = move |row: &rusqlite::Row<'_>| decode_row(&host, row, 0);
        let rows = match self.selection {
            Selection::ExpiredAt(now) => self.stmt.query_map(params![self.host, now], decode),
            Selection::All => self.stmt.query_map(params![self.host], decode),
        }
        .map_err(failed(name))?;
        let selection = self.selection;
        Ok(Box::new(
            rows.map(move |row| row.map_err(failed(name)))
                .filter(move |entry| selection.keeps(entry)),
        ))
    }
}
