//! The store an ejabberd host's configuration gives.

use super::api::ApiTarget;
use crate::ejabberd_config::{EjabberdHost, InviteDb, SqlType};
use crate::error::{Error, Result};
use crate::store::engine::mysql::MyTarget;
use crate::store::engine::pg::PgTarget;
use crate::store::url::{process_env, ServerLocation};
use crate::store::Location;

impl Location {
    /// The store of `host`'s invites, as its ejabberd configuration gives
    /// it: `mod_invites`' `db_type`, else `default_db`, and the host's
    /// `sql_*` options. A password left empty in the configuration is
    /// taken from `PGPASSWORD`, `~/.pgpass` or `MYSQL_PWD`, as for
    /// Prosody's.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedStorage`] for Mnesia (inside the server's
    /// Erlang node, reached through its API) without a `mod_http_api`
    /// listener on loopback, and for MS SQL and ODBC;
    /// [`Error::EjabberdConfig`] for options that cannot be read.
    pub fn from_ejabberd(host: &EjabberdHost<'_>) -> Result<Location> {
        let unsupported =
            |what: String| Error::UnsupportedStorage(format!("{}: {what}", host.name()));
        let sql = match host.invite_db()? {
            InviteDb::Sql(sql) => sql,
            // Inside the server's Erlang node: only the server writes it.
            InviteDb::Mnesia => return ApiTarget::from_ejabberd(host).map(Location::EjabberdApi),
            InviteDb::Other(db) => {
                return Err(unsupported(format!(
                    "db_type {db} is not supported: invitectl works on sql"
                )))
            }
        };
        match sql.sql_type {
            SqlType::Sqlite => Ok(Location::Sqlite(
                sql.sqlite_file.clone().unwrap_or_default(),
            )),
            SqlType::Pgsql => {
                PgTarget::from_ejabberd_with_env(&sql, process_env).map(Location::Postgres)
            }
            SqlType::Mysql => {
                MyTarget::from_ejabberd_with_env(&sql, process_env).map(Location::Mysql)
            }
            SqlType::Mssql | SqlType::Odbc => Err(unsupported(format!(
                "sql_type {} is not supported: invitectl works on sqlite, pgsql and mysql",
                if sql.sql_type == SqlType::Mssql {
                    "mssql"
                } else {
                    "odbc"
                }
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::ejabberd_config::EjabberdConfig;
    use crate::store::Location;

    fn location_of(yaml: &str) -> crate::Result<Location> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ejabberd.yml");
        std::fs::write(&path, yaml).unwrap();
        let config = EjabberdConfig::load(&path)?;
        Location::from_ejabberd(&config.host("example.com").expect("the host"))
    }

    #[test]
    fn sqlite_postgres_and_mysql_hosts() {
        let sqlite = "hosts: [example.com]\ndefault_db: sql\nsql_type: sqlite\n";
        assert_eq!(
            location_of(sqlite).unwrap(),
            Location::Sqlite(PathBuf::from("/var/lib/ejabberd/sqlite/example.com.sqlite"))
        );
        let pg = "hosts: [example.com]\ndefault_db: sql\nsql_type: pgsql\nsql_server: db.test\nsql_database: xmpp\nsql_username: ej\nsql_password: pw\n";
        let Location::Postgres(target) = location_of(pg).unwrap() else {
            panic!("PostgreSQL")
        };
        assert_eq!(target.to_string(), "postgres://ej@db.test:5432/xmpp");
        let my = "hosts: [example.com]\nmodules:\n  mod_invites:\n    db_type: sql\nsql_type: mysql\nsql_port: 3307\n";
        let Location::Mysql(target) = location_of(my).unwrap() else {
            panic!("MySQL")
        };
        assert_eq!(
            target.to_string(),
            "mysql://ejabberd@127.0.0.1:3307/ejabberd"
        );
    }

    #[test]
    fn mnesia_is_reached_through_the_api_on_loopback() {
        let yaml = "hosts: [example.com]\nlisten:\n  - {port: 5443, module: ejabberd_http, tls: true, request_handlers: {/api: mod_http_api}}\n  - {port: 5281, ip: \"::\", module: ejabberd_http, request_handlers: {/adm/api/: mod_http_api}}\nmodules:\n  mod_invites: {token_expire_seconds: 3600}\n";
        let Location::EjabberdApi(target) = location_of(yaml).unwrap() else {
            panic!("the API")
        };
        assert_eq!(target.to_string(), "http://127.0.0.1:5281/adm/api");
        assert_eq!(target.token_expire_seconds, 3600);
    }

    #[test]
    fn mnesia_without_a_reachable_api_and_odbc_are_refused_with_the_fix() {
        let err = location_of("hosts: [example.com]\n").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Configuration);
        assert!(err.to_string().contains("Mnesia"), "{err}");
        assert!(err.to_string().contains("default_db: sql"), "{err}");
        assert!(
            err.to_string().contains("no ejabberd_http listener"),
            "{err}"
        );
        let tls = "hosts: [example.com]\ncertfiles: [/nonexistent/ejabberd.pem]\nlisten:\n  - {port: 5443, module: ejabberd_http, tls: true, request_handlers: {/api: mod_http_api}}\n";
        let err = location_of(tls).unwrap_err();
        assert!(err.to_string().contains("uses TLS"), "{err}");
        assert!(
            err.to_string().contains("/nonexistent/ejabberd.pem"),
            "{err}"
        );
        let err = location_of("hosts: [example.com]\ndefault_db: sql\n").unwrap_err();
        assert!(err.to_string().contains("sql_type odbc"), "{err}");
    }
}
