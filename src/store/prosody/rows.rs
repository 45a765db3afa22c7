//! Rows of the `prosody` table as invites: one reader for every engine.

use std::borrow::Cow;

use crate::record::{self, Entry};

/// A row holding `(user, key, type, value)` from some column on, as one
/// engine's driver gives it.
pub trait RecordRow {
    /// What reading a user or a key may fail with.
    type Error;

    /// The user or key in column `i`, read as the engine reads a name.
    fn name(&self, i: usize) -> Result<String, Self::Error>;

    /// The type or value in column `i`; `None` when it is not text (NULL,
    /// which Prosody's schema forbids but a changed one may allow, or a
    /// blob).
    fn text(&self, i: usize) -> Option<Cow<'_, str>>;
}

/// Reads `(user, key, type, value)` from column `first` on. A `type` or
/// `value` that is not text makes a damaged entry, not an error.
pub fn decode_row<R: RecordRow>(host: &str, row: &R, first: usize) -> Result<Entry, R::Error> {
    let user = row.name(first)?;
    let key = row.name(first + 1)?;
    let (kind, value) = match (row.text(first + 2), row.text(first + 3)) {
        (Some(kind), Some(value)) => (kind, value),
        _ => (Cow::Borrowed(""), Cow::Borrowed("")),
    };
    Ok(if user.is_empty() {
        record::decode_host_record(key, &kind, &value)
    } else {
        record::decode_user_record(host, user, key, &kind, &value)
    })
}

/// [`decode_row`] for an engine whose reads of a name cannot fail.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub fn decode<R: RecordRow<Error = std::convert::Infallible>>(
    host: &str,
    row: &R,
    first: usize,
) -> Entry {
    match decode_row(host, row, first) {
        Ok(entry) => entry,
        Err(never) => match never {},
    }
}

/// Which record of a token a lookup asks for, in the order a token is
/// found: the host-level one (through the server's index), else a
/// per-user one (a contact-only invite, whose user is not known), the
/// first by user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    HostLevel,
    PerUser,
}

/// The record of a token, asking `query` for each [`Lookup`] in turn.
pub fn find<E>(
    mut query: impl FnMut(Lookup) -> Result<Option<Entry>, E>,
) -> Result<Option<Entry>, E> {
    for lookup in [Lookup::HostLevel, Lookup::PerUser] {
        if let Some(entry) = query(lookup)? {
            return Ok(Some(entry));
        }
    }
    Ok(None)
}
