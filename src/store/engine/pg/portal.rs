//! Reading a query's rows as a stream, through a portal that the server
//! fills a page at a time, in one read-only snapshot.

use std::collections::VecDeque;

use postgres::types::ToSql;
use postgres::{Client, Portal, Row, Transaction};

use super::{error, failed};
use crate::error::Result;
use crate::record::Entry;
use crate::store::backend::Selection;

/// Rows fetched per round trip.
const PAGE: i32 = 2_000;

/// The entries `sql` selects, each row read by `decode`, streamed a page
/// at a time from a read-only snapshot; those `selection` does not keep
/// are skipped.
pub fn stream<'c, D>(
    client: &'c mut Client,
    store: &'c str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    selection: Selection,
    decode: D,
) -> Result<Pages<'c, D>>
where
    D: FnMut(&Row) -> Entry,
{
    let error = failed(store);
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(&error)?;
    // Compiling one sort costs more than it saves.
    tx.batch_execute("SET LOCAL jit = off").map_err(&error)?;
    let portal = tx.bind(sql, params).map_err(&error)?;
    Ok(Pages {
        tx,
        portal,
        page: VecDeque::new(),
        done: false,
        selection,
        store,
        decode,
    })
}

/// The rows of a portal, fetched a page at a time.
pub struct Pages<'c, D> {
    tx: Transaction<'c>,
    portal: Portal,
    page: VecDeque<Row>,
    done: bool,
    selection: Selection,
    store: &'c str,
    decode: D,
}

impl<D: FnMut(&Row) -> Entry> Iterator for Pages<'_, D> {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Result<Entry>> {
        loop {
            if let Some(row) = self.page.pop_front() {
                let entry = Ok((self.decode)(&row));
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
