//! Opening a connection: the password from where the client library
//! would find it, encryption as `ssl-mode` says, the session set up as
//! Prosody sets up its own, and messages that never show a password.

use mysql::{Conn, OptsBuilder, SslOpts};

use super::target::{Endpoint, MySslMode, MyTarget};
use crate::error::Result;

/// What every session runs first.
///
/// - The connection's character set is Prosody's (`SET NAMES` with the
///   table's collation), so text compares and arrives as the server's.
/// - Strict mode: a value that does not fit is an error, never cut short;
///   and a table is never quietly made with an engine without
///   transactions.
/// - Waits for someone else's row locks end as on SQLite and PostgreSQL.
/// - A listing read slowly (a pager) is not cut off after a minute.
const SESSION: [&str; 4] = [
    "SET NAMES 'utf8mb4' COLLATE 'utf8mb4_bin'",
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'",
    "SET SESSION innodb_lock_wait_timeout = 10",
    "SET SESSION net_write_timeout = 600",
];

/// Connects to `target`. The password is the one the location gives
/// (the URL, Prosody's `sql.password`, or `MYSQL_PWD`).
pub fn connect(target: &MyTarget) -> Result<Conn> {
    let mut opts = OptsBuilder::new()
        .user(Some(&target.user))
        .pass(target.password.as_ref().map(|p| p.expose()))
        .db_name(Some(&target.database))
        .prefer_socket(false)
        .init(SESSION.to_vec());
    opts = match &target.endpoint {
        Endpoint::Tcp(host, port) => opts
            .ip_or_hostname(Some(host))
            .tcp_port(*port)
            .tcp_connect_timeout(Some(target.connect_timeout)),
        Endpoint::Socket(path) => opts.socket(Some(path.to_string_lossy())),
    };
    let name = target.to_string();
    let error = super::failed(&name);
    let ssl = match target.ssl_mode {
        MySslMode::Disabled => None,
        MySslMode::Preferred | MySslMode::Required => Some(
            SslOpts::default()
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        ),
        MySslMode::VerifyCa => Some(
            SslOpts::default()
                .with_root_cert_path(target.ssl_ca.clone())
                .with_danger_skip_domain_validation(true),
        ),
        MySslMode::VerifyIdentity => {
            Some(SslOpts::default().with_root_cert_path(target.ssl_ca.clone()))
        }
    };
    match Conn::new(opts.clone().ssl_opts(ssl)) {
        Err(mysql::Error::DriverError(mysql::DriverError::TlsNotSupported))
            if target.ssl_mode == MySslMode::Preferred =>
        {
            Conn::new(opts).map_err(error)
        }
        other => other.map_err(error),
    }
}

/// One line about a client or server error.
pub fn describe(error: &mysql::Error) -> String {
    match error {
        mysql::Error::MySqlError(e) => format!("{} (error {})", e.message, e.code),
        mysql::Error::IoError(e) => e.to_string(),
        mysql::Error::DriverError(mysql::DriverError::TlsNotSupported) => {
            "the server does not offer TLS (ssl-mode asks for it)".to_owned()
        }
        mysql::Error::DriverError(e) => e.to_string(),
        mysql::Error::TlsError(e) => format!("TLS: {e}"),
        other => other.to_string(),
    }
}
