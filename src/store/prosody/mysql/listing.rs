//! Reading a host's invites as a stream: one statement, whose rows the
//! client reads off the connection as they are used (an unbuffered
//! result), in one consistent read.

use mysql::prelude::Queryable;

use super::super::rows::decode;
use super::{host_store, HOST_LEVEL};
use crate::error::Result;
use crate::jid::Host;
use crate::record::Entry;
use crate::store::backend::{Entries, Selection};
use crate::store::engine::mysql::{failed, Connection, Statement};

/// No host-level record has the key of `p`'s row.
pub(super) const NO_HOST_RECORD: &str = "NOT EXISTS (SELECT 1 FROM `prosody` AS h \
    WHERE h.`host` = p.`host` AND BINARY h.`host` = BINARY p.`host` \
    AND h.`user` = '' AND BINARY h.`user` = '' \
    AND h.`store` = p.`store` AND BINARY h.`store` = BINARY p.`store` \
    AND h.`key` = p.`key` AND BINARY h.`key` = BINARY p.`key`)";

/// Appends whether the server reads the host-level record as an invite
/// valid at `now` (its `expires` a number not before it). Only rows it
/// cannot say so of may have expired; of those the reader decides.
/// Invalid JSON is tested before any path is read (MySQL refuses to read
/// one).
fn surely_valid(st: &mut Statement, now: i64) -> &mut Statement {
    st.sql(
        "COALESCE(CASE WHEN JSON_VALID(`value`) THEN \
    CASE WHEN JSON_TYPE(JSON_EXTRACT(`value`, '$.expires')) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') \
    THEN JSON_EXTRACT(`value`, '$.expires') + 0 >= ",
    )
    .bind(now)
    .sql(" END END, FALSE)")
}

/// Every invite of the host, newest first, by the creation time the
/// server reads; records without one (contact-only invites, damaged
/// records) last.
fn list(host: &Host) -> Statement {
    let mut st = Statement::new("SELECT `user`, `key`, `type`, `value` FROM `prosody` AS p WHERE ");
    host_store(&mut st, host).sql(" AND (BINARY `user` = '' OR ").sql(NO_HOST_RECORD).sql(
        ") ORDER BY CASE WHEN BINARY `user` = '' AND `type` = 'json' AND JSON_VALID(`value`) THEN \
             CASE WHEN JSON_TYPE(JSON_EXTRACT(`value`, '$.created_at')) IN ('INTEGER', 'UNSIGNED INTEGER') \
             THEN CAST(JSON_EXTRACT(`value`, '$.created_at') AS SIGNED) END END DESC",
    );
    st
}

/// Host-level and lone per-user records that may have expired at `now`:
/// the reader decides which have, as `prune` does. With `fingerprint`,
/// a fifth column tells each row's value apart, so that a later `DELETE`
/// removes exactly the rows read.
pub(super) fn maybe_expired(host: &Host, now: i64, fingerprint: bool) -> Statement {
    let mut st = Statement::new("SELECT `user`, `key`, `type`, `value`");
    if fingerprint {
        st.sql(", MD5(`value`)");
    }
    st.sql(" FROM `prosody` AS p WHERE ");
    host_store(&mut st, host)
        .sql(" AND ((")
        .sql(HOST_LEVEL)
        .sql(" AND `type` = 'json' AND NOT ");
    surely_valid(&mut st, now)
        .sql(") OR (BINARY `user` <> '' AND `type` = 'number' AND ")
        .sql(NO_HOST_RECORD)
        .sql("))");
    st
}

/// A prepared listing of one host's invites, which holds the connection.
pub struct MyListing<'s> {
    db: &'s mut Connection,
    statement: Statement,
    host: String,
    selection: Selection,
}

impl<'s> MyListing<'s> {
    pub fn new(db: &'s mut Connection, host: &Host, selection: Selection) -> MyListing<'s> {
        let statement = match selection {
            Selection::All => list(host),
            Selection::ExpiredAt(now) => maybe_expired(host, now, false),
        };
        MyListing {
            db,
            statement,
            host: host.as_str().to_owned(),
            selection,
        }
    }
}

impl Entries for MyListing<'_> {
    /// Streams the listing, reading rows off the connection as they are
    /// used.
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let (conn, name) = self.db.parts();
        let rows = conn
            .exec_iter(self.statement.text(), self.statement.params().to_vec())
            .map_err(failed(name))?;
        let (host, selection) = (self.host.as_str(), self.selection);
        let mut failed_once = false;
        Ok(Box::new(
            rows.map_while(move |row| {
                if failed_once {
                    return None;
                }
                Some(match row {
                    Ok(row) => Ok(decode(host, &row, 0)),
                    Err(source) => {
                        failed_once = true;
                        Err(failed(name)(source))
                    }
                })
            })
            .filter(move |entry| selection.keeps(entry)),
        ))
    }
}
