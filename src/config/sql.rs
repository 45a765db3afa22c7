//! The `sql` setting: how Prosody's `mod_storage_sql` connects.

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::setting::{Origin, SettingValue, Unreadable};
use crate::lua::{Key, Table, Value};

/// The database Prosody uses when `sql` gives none for SQLite, relative to
/// `data_path`.
pub const DEFAULT_SQLITE_DATABASE: &str = "prosody.sqlite";

/// A database password; shown as `<redacted>` by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password so that it is never shown by accident.
    pub fn new(password: String) -> Password {
        Password(password)
    }

    /// The password itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The fields of `sql = { driver = ..., database = ..., ... }`.
///
/// Fields set by expressions the reader does not evaluate (for example
/// Prosody 13's `password = Credential "db"`) are `None` and listed in
/// [`SqlConfig::unreadable`], so that only a caller that needs them fails.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SqlConfig {
    /// `"SQLite3"`, `"PostgreSQL"` or `"MySQL"`.
    pub driver: Option<String>,
    /// The database name, or for SQLite its file (see
    /// [`SqlConfig::sqlite_path`]).
    pub database: Option<String>,
    /// The server's host name.
    pub host: Option<String>,
    /// The server's port.
    pub port: Option<u16>,
    /// The user to log in as.
    pub username: Option<String>,
    /// The password to log in with.
    pub password: Option<Password>,
    /// Fields that are set, but by expressions invitectl does not evaluate.
    pub unreadable: Vec<String>,
}

impl fmt::Debug for SqlConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlConfig")
            .field("driver", &self.driver)
            .field("database", &self.database)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("unreadable", &self.unreadable)
            .finish()
    }
}

impl SqlConfig {
    /// The SQLite file Prosody opens for this configuration, if the driver
    /// is `SQLite3` and the database is a file (not `:memory:`): the
    /// `database` (default [`DEFAULT_SQLITE_DATABASE`]) resolved against
    /// `data_path` when relative, as `mod_storage_sql` does.
    pub fn sqlite_path(&self, data_path: &Path) -> Option<PathBuf> {
        if self.driver.as_deref() != Some("SQLite3") {
            return None;
        }
        let database = self.database.as_deref().unwrap_or(DEFAULT_SQLITE_DATABASE);
        if database == ":memory:" {
            return None;
        }
        let database = database.strip_prefix("./").unwrap_or(database);
        Some(data_path.join(database))
    }

    /// Reads the setting's value; `origin` is where it was set.
    pub(crate) fn from_setting(value: &SettingValue, origin: &Origin) -> Result<Self, ConfigError> {
        let (table, unreadable) = match value {
            SettingValue::Known(Value::Table(t)) => (t, &[][..]),
            SettingValue::Partial { table, unreadable } => (table, unreadable.as_slice()),
            SettingValue::Unreadable(reason) => {
                return Err(ConfigError::Unreadable {
                    key: "sql".into(),
                    origin: origin.clone(),
                    reason: *reason,
                })
            }
            SettingValue::Known(other) => {
                return Err(wrong("sql", origin, "a table", other.type_name()))
            }
            SettingValue::Nil => return Ok(Self::default()),
        };
        let text = |field: &str| text_field(table, field, origin);
        let mut sql = SqlConfig {
            driver: text("driver")?,
            database: text("database")?,
            host: text("host")?,
            port: port_field(table, origin)?,
            username: text("username")?,
            password: text("password")?.map(Password),
            unreadable: Vec::new(),
        };
        for key in unreadable {
            if let Some(name) = key.as_str() {
                sql.unreadable.push(name.to_owned());
            }
        }
        Ok(sql)
    }

    /// Fails if `field` is one of [`SqlConfig::unreadable`].
    pub fn require_readable(&self, field: &str, origin: &Origin) -> Result<(), ConfigError> {
        if self.unreadable.iter().any(|f| f == field) {
            return Err(ConfigError::Unreadable {
                key: format!("sql.{field}"),
                origin: origin.clone(),
                reason: Unreadable::Expression,
            });
        }
        Ok(())
    }
}

fn wrong(key: &str, origin: &Origin, expected: &'static str, found: &str) -> ConfigError {
    ConfigError::WrongType {
        key: key.to_owned(),
        origin: origin.clone(),
        expected,
        found: format!("a {found}"),
    }
}

fn text_field(table: &Table, field: &str, origin: &Origin) -> Result<Option<String>, ConfigError> {
    match table.get_key(&Key::from(field)) {
        None => Ok(None),
        Some(Value::Str(s)) => match s.to_str() {
            Some(s) => Ok(Some(s.to_owned())),
            None => Err(wrong(
                &format!("sql.{field}"),
                origin,
                "UTF-8 text",
                "string of other bytes",
            )),
        },
        Some(other) => Err(wrong(
            &format!("sql.{field}"),
            origin,
            "a string",
            other.type_name(),
        )),
    }
}

fn port_field(table: &Table, origin: &Origin) -> Result<Option<u16>, ConfigError> {
    let value = match table.get("port") {
        None => return Ok(None),
        Some(v) => v,
    };
    let port = match value {
        Value::Str(s) => s.to_str().and_then(|s| s.trim().parse::<i64>().ok()),
        other => other.as_int(),
    };
    match port.and_then(|p| u16::try_from(p).ok()) {
        Some(p) => Ok(Some(p)),
        None => Err(wrong(
            "sql.port",
            origin,
            "a port number",
            value.type_name(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            file: "prosody.cfg.lua".into(),
            line: 3,
        }
    }

    #[test]
    fn sqlite_paths_resolve_against_data_path() {
        let data = Path::new("/var/lib/prosody");
        let mut sql = SqlConfig {
            driver: Some("SQLite3".into()),
            ..SqlConfig::default()
        };
        assert_eq!(sql.sqlite_path(data), Some(data.join("prosody.sqlite")));
        sql.database = Some("./db/p.sqlite".into());
        assert_eq!(sql.sqlite_path(data), Some(data.join("db/p.sqlite")));
        sql.database = Some("/srv/p.sqlite".into());
        assert_eq!(sql.sqlite_path(data), Some(PathBuf::from("/srv/p.sqlite")));
        sql.database = Some(":memory:".into());
        assert_eq!(sql.sqlite_path(data), None);
        sql.driver = Some("PostgreSQL".into());
        assert_eq!(sql.sqlite_path(data), None);
    }

    #[test]
    fn reads_fields_and_never_shows_the_password() {
        let table: Table = [
            ("driver", Value::from("PostgreSQL")),
            ("database", Value::from("prosody")),
            ("port", Value::from("5432")),
            ("password", Value::from("s3cret")),
        ]
        .into_iter()
        .collect();
        let sql =
            SqlConfig::from_setting(&SettingValue::Known(table.into()), &origin()).expect("reads");
        assert_eq!(sql.port, Some(5432));
        assert_eq!(sql.password.as_ref().map(Password::expose), Some("s3cret"));
        assert!(!format!("{sql:?}").contains("s3cret"));
    }

    #[test]
    fn bad_fields_are_errors_without_values() {
        let table: Table = [("port", Value::from("s3cret")), ("driver", Value::from(1))]
            .into_iter()
            .collect();
        let err = SqlConfig::from_setting(&SettingValue::Known(table.into()), &origin())
            .expect_err("bad");
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn unreadable_fields_are_listed() {
        let table: Table = [("driver", "MySQL")].into_iter().collect();
        let value = SettingValue::Partial {
            table,
            unreadable: vec![Key::from("password")],
        };
        let sql = SqlConfig::from_setting(&value, &origin()).expect("reads");
        assert_eq!(sql.password, None);
        assert_eq!(sql.unreadable, ["password"]);
        assert!(sql.require_readable("driver", &origin()).is_ok());
        let err = sql
            .require_readable("password", &origin())
            .expect_err("unreadable");
        assert!(err.to_string().contains("sql.password"), "{err}");
    }
}
