//! The store Prosody's configuration gives a host's invites: its
//! `storage` and `sql` settings read as a [`Location`].

use std::path::{Path, PathBuf};

use super::INVITE_STORE;
use crate::config::{HostConfig, Located, DEFAULT_SQLITE_DATABASE, DEFAULT_STORAGE};
use crate::error::{Error, Result};
use crate::store::url::{process_env, ServerLocation};
use crate::store::{Location, MyTarget, PgTarget};

/// `data_path` when the configuration sets none: Debian's build default.
pub const DEFAULT_DATA_PATH: &str = "/var/lib/prosody";

impl Location {
    /// The store Prosody uses for the host's invites, and the setting
    /// that chose it (for messages). Messages never show a password.
    pub fn from_config(host: &HostConfig<'_>) -> Result<(Location, String)> {
        let driver = host.storage_driver(INVITE_STORE)?;
        let data_path = data_path(host)?;
        let (name, chosen_at) = match &driver {
            Some(Located { value, origin }) => (value.as_str(), format!("storage at {origin}")),
            None => (DEFAULT_STORAGE, "storage unset: internal".to_owned()),
        };
        match name {
            "internal" => Ok((Location::Files(data_path), chosen_at)),
            "sql" => sql_database(host, &data_path).map(|l| (l, chosen_at)),
            other => {
                let at = driver.as_ref().map(|d| d.origin.to_string());
                Err(Error::UnsupportedStorage(format!(
                    "{}: storage \"{other}\" is not supported: invitectl works on \"internal\" and \"sql\" (SQLite3, PostgreSQL, MySQL)",
                    at.unwrap_or_default()
                )))
            }
        }
    }
}

/// `data_path`, or [`DEFAULT_DATA_PATH`] when unset.
pub fn data_path(host: &HostConfig<'_>) -> Result<PathBuf> {
    Ok(host
        .config()
        .data_path()?
        .map_or_else(|| PathBuf::from(DEFAULT_DATA_PATH), |d| d.value))
}

/// The database of `storage = "sql"`: a SQLite file, or a PostgreSQL or
/// MySQL database.
fn sql_database(host: &HostConfig<'_>, data_path: &Path) -> Result<Location> {
    let Some(sql) = host.sql()? else {
        // mod_storage_sql's default: SQLite at prosody.sqlite.
        return Ok(Location::Sqlite(data_path.join(DEFAULT_SQLITE_DATABASE)));
    };
    let unsupported = |what: &str| Error::UnsupportedStorage(format!("{}: {what}", sql.origin));
    sql.value.require_readable("driver", &sql.origin)?;
    match sql.value.driver.as_deref() {
        Some("SQLite3") => {
            sql.value.require_readable("database", &sql.origin)?;
            sql.value
                .sqlite_path(data_path)
                .map(Location::Sqlite)
                .ok_or_else(|| {
                    unsupported(
                        "sql.database is an in-memory database, which no other program can open",
                    )
                })
        }
        Some(server @ ("PostgreSQL" | "MySQL")) => {
            // The password may be set by an expression invitectl does not
            // evaluate (13's Credential): PGPASSWORD, ~/.pgpass or
            // MYSQL_PWD serve then.
            for field in ["database", "host", "port", "username"] {
                sql.value.require_readable(field, &sql.origin)?;
            }
            if server == "PostgreSQL" {
                PgTarget::from_prosody_with_env(&sql.value, process_env).map(Location::Postgres)
            } else {
                MyTarget::from_prosody_with_env(&sql.value, process_env).map(Location::Mysql)
            }
        }
        Some(_) => Err(unsupported(
            "sql.driver is not one of SQLite3, PostgreSQL, MySQL",
        )),
        None => Err(unsupported("sql has no driver")),
    }
}
