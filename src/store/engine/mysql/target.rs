//! Where a MySQL or MariaDB store is: the connection parameters of a
//! `mysql://` URL or of Prosody's `sql` setting, completed as the MySQL
//! client library completes them (a missing host or `localhost` is the
//! server's unix socket; `MYSQL_PWD`; the login name as user), so that
//! invitectl reaches the database the server reaches with the same
//! settings.
//!
//! A password is never part of what is shown: [`MyTarget`]'s `Display`
//! is the URL without it, and its `Debug` redacts it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::Password;
use crate::error::{Error, Result};
use crate::store::url::{self, DatabaseUrl, ServerLocation};

/// Where Debian's MariaDB and MySQL servers put their socket, and where
/// their client library (so Prosody) looks when no host is named.
pub const DEFAULT_SOCKET: &str = "/run/mysqld/mysqld.sock";

/// The server's port when none is given.
pub const DEFAULT_PORT: u16 = 3306;

/// How long connecting may take when the URL sets no `connect-timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether and how the connection is encrypted, with the names of the
/// `mysql` client's `--ssl-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MySslMode {
    /// Never encrypt.
    Disabled,
    /// Encrypt when the server offers it, without checking its
    /// certificate (the default over TCP).
    Preferred,
    /// Always encrypt, without checking the certificate.
    Required,
    /// Always encrypt, and check that a trusted authority signed the
    /// certificate.
    VerifyCa,
    /// As `VerifyCa`, and check that the certificate names the host.
    VerifyIdentity,
}

impl MySslMode {
    fn parse(value: &str) -> Result<MySslMode> {
        Ok(match value.to_ascii_uppercase().replace('-', "_").as_str() {
            "DISABLED" => MySslMode::Disabled,
            "PREFERRED" => MySslMode::Preferred,
            "REQUIRED" => MySslMode::Required,
            "VERIFY_CA" => MySslMode::VerifyCa,
            "VERIFY_IDENTITY" => MySslMode::VerifyIdentity,
            _ => {
                return Err(invalid(
                    "ssl-mode is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY",
                ))
            }
        })
    }

    /// The client's name for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            MySslMode::Disabled => "DISABLED",
            MySslMode::Preferred => "PREFERRED",
            MySslMode::Required => "REQUIRED",
            MySslMode::VerifyCa => "VERIFY_CA",
            MySslMode::VerifyIdentity => "VERIFY_IDENTITY",
        }
    }
}

/// How the server is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A host name or address, and a port.
    Tcp(String, u16),
    /// The server's unix socket.
    Socket(PathBuf),
}

/// A MySQL or MariaDB database holding Prosody's `prosody` table.
/// Its `Debug` shows the password redacted, as [`Password`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyTarget {
    /// The server.
    pub endpoint: Endpoint,
    /// The user to log in as.
    pub user: String,
    /// The database.
    pub database: String,
    /// A password given with the location itself; otherwise `MYSQL_PWD`.
    pub password: Option<Password>,
    /// Encryption; `None` on a socket, which is never encrypted.
    pub ssl_mode: MySslMode,
    /// The authority that signs the server's certificate (`ssl-ca`);
    /// otherwise the web's authorities.
    pub ssl_ca: Option<PathBuf>,
    /// How long connecting may take.
    pub connect_timeout: Duration,
}

/// What a location's query parameters set beyond a URL's parts, before
/// the defaults.
#[derive(Default)]
struct Given {
    socket: Option<PathBuf>,
    ssl_mode: Option<MySslMode>,
    ssl_ca: Option<PathBuf>,
    connect_timeout: Option<Duration>,
}

impl MyTarget {
    /// Reads `mysql://[user[:password]@][host][:port]/database[?param=value&...]`
    /// (or `mariadb://`), taking the password from `MYSQL_PWD` when the
    /// URL has none.
    ///
    /// Errors never repeat the URL: it may hold a password.
    pub fn from_url(text: &str) -> Result<MyTarget> {
        Self::from_url_with_env(text, url::process_env)
    }
}

impl Given {
    fn set(&mut self, name: &str, value: String) -> Result<()> {
        use url::nonempty;
        match name.replace('_', "-").as_str() {
            "ssl-mode" | "sslmode" => self.ssl_mode = Some(MySslMode::parse(&value)?),
            "ssl-ca" => self.ssl_ca = nonempty(value).map(PathBuf::from),
            "socket" => self.socket = nonempty(value).map(PathBuf::from),
            "connect-timeout" => self.connect_timeout = Some(parse_timeout(&value)?),
            _ => {
                return Err(invalid(&format!(
                    "unknown parameter {:?} (invitectl reads ssl-mode, ssl-ca, socket, connect-timeout)",
                    name.chars().take(40).collect::<String>()
                )))
            }
        }
        Ok(())
    }
}

impl ServerLocation for MyTarget {
    const SCHEMES: &'static [&'static str] = &["mysql", "mariadb"];

    fn invalid(reason: &str) -> Error {
        invalid(reason)
    }

    /// Reads the parameters, then fills in what is unset as the client
    /// library does.
    fn complete(url: DatabaseUrl, env: &dyn Fn(&str) -> Option<String>) -> Result<MyTarget> {
        let mut given = Given::default();
        let url = url.apply_params(|_, name, value| given.set(name, value))?;
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        // As libmysqlclient: no host, or "localhost", is the socket.
        let endpoint = match (given.socket, url.host) {
            (Some(socket), _) => Endpoint::Socket(socket),
            (None, None) => Endpoint::Socket(PathBuf::from(DEFAULT_SOCKET)),
            (None, Some(host)) if host == "localhost" => {
                Endpoint::Socket(PathBuf::from(DEFAULT_SOCKET))
            }
            (None, Some(host)) => Endpoint::Tcp(host, url.port.unwrap_or(DEFAULT_PORT)),
        };
        let user = url
            .user
            .or_else(url::login_name)
            .ok_or_else(|| invalid("no user: name one in the URL"))?;
        let database = url.database.ok_or_else(|| {
            invalid("no database: name it after the host, as in mysql://user@host/prosody")
        })?;
        let password = url.password.or_else(|| env("MYSQL_PWD").map(Password::new));
        let ssl_mode = match (&endpoint, given.ssl_mode) {
            (_, Some(mode)) => mode,
            (Endpoint::Socket(_), None) => MySslMode::Disabled,
            (Endpoint::Tcp(..), None) => MySslMode::Preferred,
        };
        Ok(MyTarget {
            endpoint,
            user,
            database,
            password,
            ssl_mode,
            ssl_ca: given.ssl_ca,
            connect_timeout: given.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        })
    }
}

/// Whole seconds; 0 would wait forever, which invitectl, run from cron,
/// does not: it waits ten minutes at most.
fn parse_timeout(text: &str) -> Result<Duration> {
    let seconds: i64 = text
        .trim()
        .parse()
        .map_err(|_| invalid("connect-timeout is not a whole number of seconds"))?;
    Ok(Duration::from_secs(match seconds {
        ..=0 => 600,
        s => s.min(600) as u64,
    }))
}

fn invalid(reason: &str) -> Error {
    Error::InvalidLocation(format!("invalid MySQL URL: {reason}"))
}

/// The URL, without any password, as the database is named in messages.
impl fmt::Display for MyTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = url::component(&self.user);
        let database = url::component(&self.database);
        match &self.endpoint {
            Endpoint::Tcp(host, port) => {
                let host = url::host(host);
                write!(f, "mysql://{user}@{host}:{port}/{database}")
            }
            Endpoint::Socket(path) => {
                let path = path.to_string_lossy();
                let socket = url::query_value(&path).to_string();
                write!(f, "mysql://{user}@localhost/{database}?socket={socket}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn url(text: &str) -> MyTarget {
        MyTarget::from_url_with_env(text, no_env).unwrap()
    }

    #[test]
    fn reads_every_part_of_a_url() {
        let t = url("mysql://prosody:s%40cret@db.example:3307/xmpp?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem&connect-timeout=5");
        assert_eq!(t.endpoint, Endpoint::Tcp("db.example".into(), 3307));
        assert_eq!(t.user, "prosody");
        assert_eq!(t.database, "xmpp");
        assert_eq!(t.password.as_ref().map(Password::expose), Some("s@cret"));
        assert_eq!(t.ssl_mode, MySslMode::VerifyIdentity);
        assert_eq!(t.ssl_ca, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(t.connect_timeout, Duration::from_secs(5));
        assert_eq!(t.to_string(), "mysql://prosody@db.example:3307/xmpp");
        let t = url("mariadb://u@h/d?ssl_mode=verify-ca");
        assert_eq!(t.endpoint, Endpoint::Tcp("h".into(), DEFAULT_PORT));
        assert_eq!(t.ssl_mode, MySslMode::VerifyCa);
        assert_eq!(url("mysql://u@h/d").ssl_mode, MySslMode::Preferred);
    }

    #[test]
    fn no_host_or_localhost_is_the_socket() {
        for text in ["mysql://u@/d", "mysql://u@localhost/d", "mysql:///d"] {
            let t = url(text);
            assert_eq!(
                t.endpoint,
                Endpoint::Socket(DEFAULT_SOCKET.into()),
                "{text}"
            );
            assert_eq!(t.ssl_mode, MySslMode::Disabled);
        }
        let t = url("mysql://u@localhost/d?socket=/tmp/my%20sql.sock");
        assert_eq!(t.endpoint, Endpoint::Socket("/tmp/my sql.sock".into()));
        assert_eq!(
            t.to_string(),
            "mysql://u@localhost/d?socket=%2Ftmp%2Fmy%20sql.sock"
        );
        // 127.0.0.1 is TCP, as in the client library.
        let t = url("mysql://u@127.0.0.1:3310/d");
        assert_eq!(t.endpoint, Endpoint::Tcp("127.0.0.1".into(), 3310));
    }

    #[test]
    fn ipv6_hosts_keep_their_brackets_when_shown() {
        assert_eq!(
            url("mysql://u@[::1]:6000/d").to_string(),
            "mysql://u@[::1]:6000/d"
        );
    }

    #[test]
    fn the_password_comes_from_the_url_else_mysql_pwd_and_is_never_shown() {
        let t = url("mysql://u:hunter2@h/d");
        assert_eq!(t.password.as_ref().map(Password::expose), Some("hunter2"));
        assert!(!t.to_string().contains("hunter"));
        assert!(!format!("{t:?}").contains("hunter"));
        let env = |name: &str| (name == "MYSQL_PWD").then(|| "hunter3".to_owned());
        let t = MyTarget::from_url_with_env("mysql://u@h/d", env).unwrap();
        assert_eq!(t.password.as_ref().map(Password::expose), Some("hunter3"));
        let t = MyTarget::from_url_with_env("mysql://u:given@h/d", env).unwrap();
        assert_eq!(t.password.as_ref().map(Password::expose), Some("given"));
        assert!(!format!("{t:?}").contains("given"));
    }

    #[test]
    fn bad_urls_are_refused_without_being_repeated() {
        for bad in [
            "mysql://u:hunter2@h:99999/d",
            "mysql://u:hunter2@h/d?ssl-mode=hunter2",
            "mysql://u:hunter2@h/d?bogus=1",
            "mysql://u:hunter2@h/d#frag",
            "mysql://u:hunter2@h:0/d",
            "mysql://u:hunter2@h/d?connect-timeout=soon",
            "mysql://u:%FF@h/d",
            "mysql://u:hunter2@h",
            "mysql://u:hunter2@h/",
            "postgres://u:hunter2@h/d",
        ] {
            let err = MyTarget::from_url_with_env(bad, no_env).unwrap_err();
            assert!(matches!(err, Error::InvalidLocation(_)), "{bad}: {err:?}");
            assert!(!err.to_string().contains("hunter2"), "{bad}: {err}");
        }
    }

    #[test]
    fn prosody_settings_fill_the_same_fields() {
        let sql = crate::config::SqlConfig {
            driver: Some("MySQL".into()),
            database: Some("prosody".into()),
            host: Some("10.0.0.5".into()),
            port: Some(3307),
            username: Some("prosody".into()),
            password: Some(Password::new("pw".into())),
            unreadable: Vec::new(),
        };
        let t = MyTarget::from_prosody_with_env(&sql, no_env).unwrap();
        assert_eq!(t.to_string(), "mysql://prosody@10.0.0.5:3307/prosody");
        assert_eq!(t.password.as_ref().map(Password::expose), Some("pw"));
        let bare = crate::config::SqlConfig {
            driver: Some("MySQL".into()),
            database: Some("prosody".into()),
            username: Some("prosody".into()),
            ..Default::default()
        };
        let t = MyTarget::from_prosody_with_env(&bare, no_env).unwrap();
        assert_eq!(t.endpoint, Endpoint::Socket(DEFAULT_SOCKET.into()));
    }

    #[test]
    fn timeouts_never_wait_forever() {
        for (given, secs) in [("0", 600), ("-3", 600), ("1", 1), ("7", 7), ("100000", 600)] {
            let t = url(&format!("mysql://u@h/d?connect-timeout={given}"));
            assert_eq!(t.connect_timeout, Duration::from_secs(secs), "{given}");
        }
    }
}
