//! Prosody's `prosody` table, as every SQL backend checks it before use.

use crate::error::{Error, Result};

/// The columns every generation of the server makes.
pub const COLUMNS: [&str; 6] = ["host", "user", "store", "key", "type", "value"];

/// Prosody 13's schema on SQLite and PostgreSQL, for a database that
/// invitectl creates (MySQL's differs: see `prosody::mysql`).
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS "prosody" ("host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "prosody_unique_index" ON "prosody" ("host", "user", "store", "key");
"#;

/// Why a database is refused when it has no `prosody` table, on a server
/// where `generate` makes one.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub const NO_TABLE: &str =
    "it has no \"prosody\" table (Prosody makes it when it starts; generate makes it too)";

/// Why a database server's database without Prosody's table is not given
/// one: it is ejabberd's (its table appeared while invitectl opened it;
/// otherwise it is opened as ejabberd's).
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub fn ejabberds_database(name: &str) -> crate::error::Error {
    crate::error::Error::NotAStore {
        store: name.to_owned(),
        reason: "it holds ejabberd's invite_token table, made while invitectl opened it: try again, and invitectl works on ejabberd's invites; it adds no Prosody table beside them".into(),
    }
}

/// The table's columns on a database server, after making the table
/// (`create`, which tells whether this call made it) when it is missing
/// and `mode` allows; and whether this open made it.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub fn columns_creating<C>(
    db: &mut C,
    mode: crate::store::OpenMode,
    columns: impl Fn(&mut C) -> Result<Vec<(String, String)>>,
    create: impl FnOnce(&mut C) -> Result<bool>,
) -> Result<(Vec<(String, String)>, bool)> {
    let mut found = columns(db)?;
    let mut created = false;
    if found.is_empty() && mode == crate::store::OpenMode::CreateIfMissing {
        created = create(db)?;
        found = columns(db)?;
    }
    Ok((found, created))
}

/// What opening a database server's store `name` found: whether it made
/// the table, and the indexes.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub fn opened(name: &str, created: bool, indexes: Indexes) -> crate::store::Opened {
    crate::store::Opened {
        name: name.to_owned(),
        created: created.then(|| crate::store::Creation {
            what: format!("the \"prosody\" table in {name} (Prosody 13's schema)"),
            whole_store: false,
        }),
        made_for_012: Some(indexes.made_for_012()),
    }
}

/// Refuses a table with these `(name, type)` columns unless it is
/// Prosody's: `no_table` says why when there are none, `is_text` which
/// column types hold text.
pub fn check_columns(
    store: &dyn std::fmt::Display,
    columns: &[(String, String)],
    no_table: &str,
    is_text: impl Fn(&str) -> bool,
) -> Result<()> {
    let problem = if columns.is_empty() {
        Some(no_table.to_owned())
    } else {
        column_problem(columns, is_text)
    };
    match problem {
        Some(reason) => Err(Error::NotAStore {
            store: store.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// What the table's indexes tell of the server generation using it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Indexes {
    /// 13's index is there: unique on (host, user, store, key) on SQLite
    /// and PostgreSQL, which allows an upsert; on MySQL, plain but named
    /// `prosody_unique_index`.
    pub index_13: bool,
    /// 0.12's plain `prosody_index` is there. 0.12 makes it on every
    /// start, also beside 13's index in a table invitectl made; 13 drops
    /// it on every start on SQLite and PostgreSQL (on MySQL it keeps it,
    /// so a database 0.12 once used reads as 0.12's, whose roles 13 still
    /// accepts).
    pub index_012: bool,
}

impl Indexes {
    /// Whether a Prosody 0.12 uses the database: its index is there, or
    /// 13's is not.
    pub fn made_for_012(self) -> bool {
        self.index_012 || !self.index_13
    }
}

/// Why a table with these `(name, type)` columns is not Prosody's: a
/// missing column, or one whose type `is_text` refuses.
pub fn column_problem(
    columns: &[(String, String)],
    is_text: impl Fn(&str) -> bool,
) -> Option<String> {
    COLUMNS
        .iter()
        .find_map(|name| match columns.iter().find(|(have, _)| have == name) {
            None => Some(format!("the \"prosody\" table has no \"{name}\" column")),
            Some((_, kind)) if !is_text(kind) => {
                Some(format!("the \"{name}\" column is {kind}, not text"))
            }
            Some(_) => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &[(&str, &str)]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|(n, k)| (n.to_string(), k.to_string()))
            .collect()
    }

    #[test]
    fn either_index_of_0_12_or_no_index_of_13_marks_0_12() {
        let with = |index_13, index_012| {
            Indexes {
                index_13,
                index_012,
            }
            .made_for_012()
        };
        assert!(!with(true, false));
        assert!(with(true, true));
        assert!(with(false, true));
        assert!(with(false, false));
    }

    #[test]
    fn names_the_first_missing_or_wrong_column() {
        let text = |kind: &str| kind == "text";
        let all: Vec<_> = COLUMNS.iter().map(|c| (*c, "text")).collect();
        assert_eq!(column_problem(&columns(&all), text), None);
        assert_eq!(
            column_problem(&columns(&all[..5]), text).unwrap(),
            "the \"prosody\" table has no \"value\" column"
        );
        let mut blob = all.clone();
        blob[5] = ("value", "bytea");
        assert_eq!(
            column_problem(&columns(&blob), text).unwrap(),
            "the \"value\" column is bytea, not text"
        );
    }
}
