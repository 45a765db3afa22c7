//! Where a PostgreSQL store is: the connection parameters of a
//! `postgres://` URL or of Prosody's `sql` setting, completed as libpq
//! completes them (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`,
//! `PGSSLMODE`, `PGSSLROOTCERT`), so that invitectl reaches the database
//! the server and `psql` reach with the same settings.
//!
//! A password is never part of what is shown: [`PgTarget`]'s `Display`
//! is the URL without it, and its `Debug` redacts it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::Password;
use crate::error::{Error, Result};
use crate::store::url::{self, DatabaseUrl, ServerLocation};

/// Where libpq on Debian looks for the server's socket when no host is
/// given (Prosody, through LuaDBI and libpq, does the same).
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// PostgreSQL's port when none is given.
pub const DEFAULT_PORT: u16 = 5432;

/// How long connecting may take when the URL sets no `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether and how the connection is encrypted, with libpq's names and
/// meanings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Never encrypt.
    Disable,
    /// Encrypt when the server offers it, without checking its
    /// certificate (libpq's default).
    #[default]
    Prefer,
    /// Always encrypt, without checking the certificate.
    Require,
    /// Always encrypt, and check that a trusted authority signed the
    /// certificate.
    VerifyCa,
    /// As `VerifyCa`, and check that the certificate names the host.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => {
                return Err(invalid(
                    "sslmode is not one of disable, allow, prefer, require, verify-ca, verify-full",
                ))
            }
        })
    }

    /// libpq's name for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A PostgreSQL database holding Prosody's `prosody` table.
/// Its `Debug` shows the password redacted, as [`Password`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTarget {
    /// A host name or address, or a folder holding the server's socket.
    pub host: String,
    /// The port (for a socket: the number in its name).
    pub port: u16,
    /// The role to log in as.
    pub user: String,
    /// The database.
    pub dbname: String,
    /// A password given with the location itself; otherwise `PGPASSWORD`
    /// or the password file is read when connecting.
    pub password: Option<Password>,
    /// Encryption.
    pub ssl_mode: SslMode,
    /// The authorities to trust for `verify-ca` and `verify-full`, instead
    /// of the system's.
    pub ssl_root_cert: Option<PathBuf>,
    /// How long connecting may take.
    pub connect_timeout: Duration,
}

/// What a location's query parameters set beyond a URL's parts; what it
/// leaves unset comes from the environment or libpq's defaults.
#[derive(Default)]
struct Given {
    ssl_mode: Option<SslMode>,
    ssl_root_cert: Option<PathBuf>,
    connect_timeout: Option<Duration>,
}

impl Given {
    /// Sets what the parameter `name` sets: a part of the URL, or more.
    fn set(&mut self, url: &mut DatabaseUrl, name: &str, value: String) -> Result<()> {
        use url::nonempty;
        match name {
            "host" => url.host = nonempty(value),
            "port" => url.port = Some(parse_port(&value)?),
            "user" => url.user = nonempty(value),
            "dbname" => url.database = nonempty(value),
            "password" => url.password = Some(Password::new(value)),
            "sslmode" => self.ssl_mode = Some(SslMode::parse(&value)?),
            "sslrootcert" => self.ssl_root_cert = nonempty(value).map(PathBuf::from),
            "connect_timeout" => self.connect_timeout = Some(parse_timeout(&value)?),
            // Named in the URL; invitectl sets its own.
            "application_name" => {}
            _ => {
                return Err(invalid(&format!(
                    "unknown parameter {:?} (invitectl reads host, port, user, dbname, sslmode, sslrootcert, connect_timeout)",
                    name.chars().take(40).collect::<String>()
                )))
            }
        }
        Ok(())
    }
}

impl PgTarget {
    /// Reads a libpq connection URL,
    /// `postgres://[user[:password]@][host][:port][/dbname][?param=value&...]`,
    /// taking what it leaves unset from the environment.
    ///
    /// Errors never repeat the URL: it may hold a password.
    pub fn from_url(text: &str) -> Result<PgTarget> {
        Self::from_url_with_env(text, url::process_env)
    }

    /// Whether the host is a folder holding the server's socket.
    pub fn is_socket(&self) -> bool {
        self.host.starts_with('/')
    }
}

impl ServerLocation for PgTarget {
    const SCHEMES: &'static [&'static str] = &["postgres", "postgresql"];

    fn invalid(reason: &str) -> Error {
        invalid(reason)
    }

    /// Reads the parameters, then fills in what is unset as libpq does:
    /// `PG*` variables, then its defaults (the socket folder, port 5432,
    /// the login name as user, the user's name as database).
    fn complete(url: DatabaseUrl, env: &dyn Fn(&str) -> Option<String>) -> Result<PgTarget> {
        let mut given = Given::default();
        let mut url = url.apply_params(|url, name, value| given.set(url, name, value))?;
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let host = url
            .host
            .take()
            .or_else(|| env("PGHOST"))
            .unwrap_or_else(|| DEFAULT_SOCKET_DIR.to_owned());
        let port = setting(url.port, env("PGPORT"), parse_port, DEFAULT_PORT)?;
        let user = url
            .user
            .take()
            .or_else(|| env("PGUSER"))
            .or_else(url::login_name)
            .ok_or_else(|| invalid("no user: name one in the URL or set PGUSER"))?;
        let dbname = url
            .database
            .take()
            .or_else(|| env("PGDATABASE"))
            .unwrap_or_else(|| user.clone());
        let ssl_mode = setting(
            given.ssl_mode,
            env("PGSSLMODE"),
            SslMode::parse,
            SslMode::default(),
        )?;
        let connect_timeout = setting(
            given.connect_timeout,
            env("PGCONNECT_TIMEOUT"),
            parse_timeout,
            DEFAULT_CONNECT_TIMEOUT,
        )?;
        Ok(PgTarget {
            host,
            port,
            user,
            dbname,
            password: url.password,
            ssl_mode,
            ssl_root_cert: given
                .ssl_root_cert
                .or_else(|| env("PGSSLROOTCERT").map(PathBuf::from)),
            connect_timeout,
        })
    }
}

/// A setting as libpq takes it: from the location, else its environment
/// variable's value (read by `parse`), else `default`.
fn setting<T>(
    given: Option<T>,
    variable: Option<String>,
    parse: impl Fn(&str) -> Result<T>,
    default: T,
) -> Result<T> {
    match (given, variable) {
        (Some(value), _) => Ok(value),
        (None, Some(text)) => parse(&text),
        (None, None) => Ok(default),
    }
}

fn parse_port(text: &str) -> Result<u16> {
    url::parse_port(text).map_err(|e| invalid(&e))
}

/// libpq's `connect_timeout`: whole seconds; 0 (or less) waits forever,
/// which invitectl, run from cron, does not: it waits ten minutes at most.
fn parse_timeout(text: &str) -> Result<Duration> {
    let seconds: i64 = text
        .trim()
        .parse()
        .map_err(|_| invalid("connect_timeout is not a whole number of seconds"))?;
    Ok(match seconds {
        ..=0 => Duration::from_secs(600),
        // libpq waits at least 2 seconds.
        1 => Duration::from_secs(2),
        s => Duration::from_secs(s.min(600) as u64),
    })
}

fn invalid(reason: &str) -> Error {
    Error::InvalidLocation(format!("invalid PostgreSQL URL: {reason}"))
}

/// The URL, without any password, as the database is named in messages.
impl fmt::Display for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "postgres://{}@{}:{}/{}",
            url::component(&self.user),
            url::host(&self.host),
            self.port,
            url::component(&self.dbname)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn url(text: &str) -> PgTarget {
        PgTarget::from_url_with_env(text, no_env).unwrap()
    }

    #[test]
    fn reads_every_part_of_a_url() {
        let t = url("postgres://prosody:s%40cret@db.example:5433/xmpp?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5");
        assert_eq!(t.host, "db.example");
        assert_eq!(t.port, 5433);
        assert_eq!(t.user, "prosody");
        assert_eq!(t.dbname, "xmpp");
        assert_eq!(t.password.as_ref().map(Password::expose), Some("s@cret"));
        assert_eq!(t.ssl_mode, SslMode::VerifyFull);
        assert_eq!(t.ssl_root_cert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(t.connect_timeout, Duration::from_secs(5));
    }

    #[test]
    fn a_socket_folder_is_a_host() {
        let t = url("postgresql://prosody@%2Fvar%2Frun%2Fpostgresql/prosody");
        assert_eq!(t.host, "/var/run/postgresql");
        assert!(t.is_socket());
        let t = url("postgresql:///prosody?host=/tmp/pg&user=p");
        assert_eq!((t.host.as_str(), t.user.as_str()), ("/tmp/pg", "p"));
        assert_eq!(t.to_string(), "postgres://p@%2Ftmp%2Fpg:5432/prosody");
    }

    #[test]
    fn ipv6_hosts_keep_their_brackets_when_shown() {
        let t = url("postgres://u@[::1]:6000/d");
        assert_eq!(t.host, "::1");
        assert_eq!(t.to_string(), "postgres://u@[::1]:6000/d");
    }

    #[test]
    fn what_the_url_leaves_out_comes_from_the_environment_then_defaults() {
        let env = |name: &str| match name {
            "PGHOST" => Some("pg.internal".to_owned()),
            "PGPORT" => Some("6432".to_owned()),
            "PGUSER" => Some("xmpp".to_owned()),
            "PGSSLMODE" => Some("require".to_owned()),
            _ => None,
        };
        let t = PgTarget::from_url_with_env("postgres:///prosody", env).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.user.as_str()),
            ("pg.internal", 6432, "xmpp")
        );
        assert_eq!(t.ssl_mode, SslMode::Require);
        let t = PgTarget::from_url_with_env("postgres://u@h", no_env).unwrap();
        assert_eq!((t.port, t.dbname.as_str()), (DEFAULT_PORT, "u"));
        assert_eq!(t.ssl_mode, SslMode::Prefer);
        let t = PgTarget::from_url_with_env("postgres://u@/d", no_env).unwrap();
        assert_eq!(t.host, DEFAULT_SOCKET_DIR);
    }

    #[test]
    fn the_password_is_never_shown() {
        let t = url("postgres://u:hunter2@h/d?password=hunter3");
        assert_eq!(t.password.as_ref().map(Password::expose), Some("hunter3"));
        assert!(!t.to_string().contains("hunter"));
        assert!(!format!("{t:?}").contains("hunter"));
    }

    #[test]
    fn bad_urls_are_refused_without_being_repeated() {
        for bad in [
            "postgres://u:hunter2@h:99999/d",
            "postgres://u:hunter2@h/d?sslmode=hunter2",
            "postgres://u:hunter2@h/d?bogus=1",
            "postgres://u:hunter2@h/d#frag",
            "postgres://u:hunter2@h:0/d",
            "postgres://u:hunter2@h/d?connect_timeout=soon",
            "postgres://u:%FF@h/d",
            "mysql://u:hunter2@h/d",
        ] {
            let err = PgTarget::from_url_with_env(bad, no_env).unwrap_err();
            assert!(matches!(err, Error::InvalidLocation(_)), "{bad}: {err:?}");
            assert!(!err.to_string().contains("hunter2"), "{bad}: {err}");
        }
    }

    #[test]
    fn prosody_settings_fill_the_same_fields() {
        let sql = crate::config::SqlConfig {
            driver: Some("PostgreSQL".into()),
            database: Some("prosody".into()),
            host: Some("10.0.0.5".into()),
            port: Some(5433),
            username: Some("prosody".into()),
            password: Some(Password::new("pw".into())),
            unreadable: Vec::new(),
        };
        let t = PgTarget::from_prosody_with_env(&sql, no_env).unwrap();
        assert_eq!(t.to_string(), "postgres://prosody@10.0.0.5:5433/prosody");
        assert_eq!(t.password.as_ref().map(Password::expose), Some("pw"));
        let bare = crate::config::SqlConfig {
            driver: Some("PostgreSQL".into()),
            username: Some("prosody".into()),
            ..Default::default()
        };
        let t = PgTarget::from_prosody_with_env(&bare, no_env).unwrap();
        assert_eq!(
            (t.host.as_str(), t.port),
            (DEFAULT_SOCKET_DIR, DEFAULT_PORT)
        );
        assert_eq!(t.dbname, "prosody");
    }

    #[test]
    fn timeouts_follow_libpq_but_never_wait_forever() {
        for (given, secs) in [("0", 600), ("-3", 600), ("1", 2), ("7", 7), ("100000", 600)] {
            let t = url(&format!("postgres://u@h/d?connect_timeout={given}"));
            assert_eq!(t.connect_timeout, Duration::from_secs(secs), "{given}");
        }
    }
}
