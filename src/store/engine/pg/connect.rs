//! Opening a connection: the password from where libpq would find it,
//! encryption as `sslmode` says, and messages that never show a password.

use postgres::{Client, NoTls};

use super::pgpass::{self, Lookup};
use super::target::{PgTarget, SslMode};
use super::tls;
use crate::error::{Error, Result};

/// How long a command waits for a lock another session holds, the
/// server's or another invitectl's; as long as on SQLite. Set when the
/// session starts, so it costs no round trip.
const SESSION_OPTIONS: &str = "-c lock_timeout=10s";

/// The name the server shows for invitectl's sessions (`pg_stat_activity`).
const APPLICATION_NAME: &str = "invitectl";

/// Connects to `target`. The password is the one the location gives, else
/// `PGPASSWORD`, else the password file's.
pub fn connect(target: &PgTarget) -> Result<Client> {
    let mut config = postgres::Config::new();
    config
        .host(&target.host)
        .port(target.port)
        .user(&target.user)
        .dbname(&target.dbname)
        .application_name(APPLICATION_NAME)
        .options(SESSION_OPTIONS)
        .connect_timeout(target.connect_timeout)
        .ssl_mode(match target.ssl_mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        });
    let mut hint = String::new();
    if let Some(password) = &target.password {
        config.password(password.expose());
    } else if let Some(password) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
        config.password(password.as_encoded_bytes());
    } else if let Some(path) = pgpass::path() {
        match pgpass::lookup(&path, target) {
            Lookup::Found(password) => {
                config.password(password.expose());
            }
            Lookup::Ignored(path) => {
                hint = format!(
                    " ({} was not read: others may read it; chmod 0600 it)",
                    path.display()
                );
            }
            Lookup::NotFound => {}
        }
    }
    let connected = if target.ssl_mode == SslMode::Disable {
        config.connect(NoTls)
    } else {
        let tls = tls::connector(target).map_err(|reason| Error::Database {
            store: target.to_string(),
            source: reason.into(),
        })?;
        config.connect(tls)
    };
    connected.map_err(|source| super::error(&target.to_string(), source, hint))
}

/// One line about a client or server error. The server's DETAIL is left
/// out: it can quote a row, and so a token.
pub fn describe(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}
