//! What the URLs of database servers share:
//! `scheme://[user[:password]@][host][:port][/database][?name=value&...]`,
//! with percent-encoded parts. Reading one never repeats it (it may hold a
//! password); showing one leaves the password out.

use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

use crate::config::{Password, SqlConfig};
use crate::ejabberd_config::SqlSettings;
use crate::error::{Error, Result};

/// A database server's location, read from a URL or from Prosody's `sql`
/// setting as one, and completed from the environment as the server's
/// client library completes it.
pub trait ServerLocation: Sized {
    /// The URL schemes that name such a server.
    const SCHEMES: &'static [&'static str];

    /// A refused URL, for the reason given (which never repeats it).
    fn invalid(reason: &str) -> Error;

    /// The location the parts give, with what they leave unset taken from
    /// `env` or the client library's defaults.
    fn complete(url: DatabaseUrl, env: &dyn Fn(&str) -> Option<String>) -> Result<Self>;

    /// Reads a URL, with the environment given by `env`. Errors never
    /// repeat the URL: it may hold a password.
    fn from_url_with_env(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let url = DatabaseUrl::parse(text, Self::SCHEMES).map_err(|e| Self::invalid(&e))?;
        Self::complete(url, &env)
    }

    /// The database of Prosody's `sql` setting, with what it leaves unset
    /// taken as the client library (and so Prosody) takes it, and the
    /// environment given by `env`.
    fn from_prosody_with_env(
        sql: &SqlConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        Self::complete(DatabaseUrl::from_prosody(sql), &env)
    }

    /// The database of an ejabberd host's `sql_*` options, completed as
    /// [`ServerLocation::from_prosody_with_env`] completes Prosody's.
    fn from_ejabberd_with_env(
        sql: &SqlSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        Self::complete(DatabaseUrl::from_ejabberd(sql), &env)
    }
}

/// A query parameter's value, where an empty one leaves the setting unset.
pub fn nonempty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// This process's environment, for [`ServerLocation`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The parts of a URL, decoded; what it leaves out is `None`.
#[derive(Default)]
pub struct DatabaseUrl {
    pub user: Option<String>,
    pub password: Option<Password>,
    /// A name, an address (IPv6 without brackets), or a decoded path.
    pub host: Option<String>,
    pub port: Option<u16>,
    pub database: Option<String>,
    /// The query's parameters, in order.
    pub params: Vec<(String, String)>,
}

impl DatabaseUrl {
    /// Hands each query parameter to `set` in order, with the parts it
    /// may override, and returns the parts.
    pub fn apply_params(
        mut self,
        mut set: impl FnMut(&mut DatabaseUrl, &str, String) -> Result<()>,
    ) -> Result<DatabaseUrl> {
        for (name, value) in std::mem::take(&mut self.params) {
            set(&mut self, &name, value)?;
        }
        Ok(self)
    }
}

impl DatabaseUrl {
    /// Reads `text`, whose scheme must be one of `schemes`. A URL without
    /// a host (`scheme://user@/db`), which the URL parser refuses, reads
    /// as one whose host is left out. Errors say why, never what.
    pub fn parse(text: &str, schemes: &[&str]) -> std::result::Result<DatabaseUrl, String> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(format!("a URL starts with {}://", schemes[0]));
        };
        if !schemes.contains(&scheme) {
            return Err(format!("a URL starts with {}://", schemes.join(":// or ")));
        }
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let host_at = rest[..authority_end].rfind('@').map_or(0, |i| i + 1);
        let host_and_port = &rest[host_at..authority_end];
        let no_host =
            authority_end > 0 && (host_and_port.is_empty() || host_and_port.starts_with(':'));
        // A placeholder the parser accepts, dropped again below.
        let fixed = if no_host {
            format!(
                "{scheme}://{}{PLACEHOLDER}{}",
                &rest[..host_at],
                &rest[host_at..]
            )
        } else {
            text.to_owned()
        };
        let url = url::Url::parse(&fixed).map_err(|e| format!("not a valid URL ({e})"))?;
        if url.fragment().is_some() {
            return Err("a database URL has no #fragment".into());
        }
        let mut parts = DatabaseUrl::default();
        if !url.username().is_empty() {
            parts.user = Some(decode(url.username(), "user name")?);
        }
        if let Some(password) = url.password() {
            parts.password = Some(Password::new(decode(password, "password")?));
        }
        parts.host = match url.host() {
            _ if no_host => None,
            Some(url::Host::Domain(d)) if !d.is_empty() => Some(decode(d, "host")?),
            Some(url::Host::Domain(_)) | None => None,
            Some(url::Host::Ipv4(ip)) => Some(ip.to_string()),
            Some(url::Host::Ipv6(ip)) => Some(ip.to_string()),
        };
        parts.port = url.port().map(|p| parse_port(&p.to_string())).transpose()?;
        let path = url.path().trim_start_matches('/');
        if !path.is_empty() {
            parts.database = Some(decode(path, "database name")?);
        }
        parts.params = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(parts)
    }
}

impl DatabaseUrl {
    /// The same parts from Prosody's `sql` setting (an empty string is
    /// unset, as the server's client libraries read it).
    pub fn from_prosody(sql: &SqlConfig) -> DatabaseUrl {
        let set = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        DatabaseUrl {
            user: set(&sql.username),
            password: sql.password.clone(),
            host: set(&sql.host),
            port: sql.port,
            database: set(&sql.database),
            params: Vec::new(),
        }
    }
}

impl DatabaseUrl {
    /// The parts of an ejabberd host's `sql_*` options. ejabberd fills in
    /// every one (see [`SqlSettings`]); an empty password is none, as the
    /// server's drivers take it. ejabberd's drivers always connect over
    /// TCP, and Erlang takes `localhost` for 127.0.0.1, where MySQL's
    /// client library would take it for its unix socket.
    pub fn from_ejabberd(sql: &SqlSettings) -> DatabaseUrl {
        let host = match sql.server.as_str() {
            "localhost" => "127.0.0.1".to_owned(),
            other => other.to_owned(),
        };
        DatabaseUrl {
            user: nonempty(sql.username.clone()),
            password: (!sql.password.expose().is_empty()).then(|| sql.password.clone()),
            host: nonempty(host),
            port: sql.port,
            database: nonempty(sql.database.clone()),
            params: Vec::new(),
        }
    }
}

const PLACEHOLDER: &str = "no-host.invalid";

/// A port from 1 to 65535.
pub fn parse_port(text: &str) -> std::result::Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| "the port is not a number from 1 to 65535".to_owned())
}

/// The name of the user running invitectl, which client libraries take as
/// the user when none is named.
pub fn login_name() -> Option<String> {
    // SAFETY: getpwuid returns a pointer into static storage or NULL; the
    // name is copied out at once, and invitectl reads it from one thread.
    unsafe {
        let entry = libc::getpwuid(crate::access::effective_uid());
        if entry.is_null() || (*entry).pw_name.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr((*entry).pw_name)
            .to_str()
            .ok()
            .map(str::to_owned)
    }
}

fn decode(text: &str, what: &str) -> std::result::Result<String, String> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| format!("the {what} is not UTF-8 once decoded"))
}

/// What may not appear raw in a URL's user, host or path.
const COMPONENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b':')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// What may not appear raw in a query value.
const QUERY_VALUE: &AsciiSet = &COMPONENT.add(b'&').add(b'=').add(b'+');

/// A user, host or database name as it appears in a URL.
pub fn component(part: &str) -> impl fmt::Display + '_ {
    utf8_percent_encode(part, COMPONENT)
}

/// A query parameter's value as it appears in a URL.
pub fn query_value(value: &str) -> impl fmt::Display + '_ {
    utf8_percent_encode(value, QUERY_VALUE)
}

/// A host as it appears in a URL: an IPv6 address in brackets.
pub fn host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('/') {
        format!("[{host}]")
    } else {
        component(host).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_decoded() {
        let url =
            DatabaseUrl::parse("db://us%65r:p%40ss@h%2Fx:12/da%20ta?a=1&b=%2F", &["db"]).unwrap();
        assert_eq!(url.user.as_deref(), Some("user"));
        assert_eq!(url.password.as_ref().map(Password::expose), Some("p@ss"));
        assert_eq!(url.host.as_deref(), Some("h/x"));
        assert_eq!(url.port, Some(12));
        assert_eq!(url.database.as_deref(), Some("da ta"));
        assert_eq!(
            url.params,
            [("a".into(), "1".into()), ("b".into(), "/".into())]
        );
    }

    #[test]
    fn a_missing_host_is_left_out() {
        for text in ["db://u@/d", "db://u@:5/d", "db:///d", "db://"] {
            let url = DatabaseUrl::parse(text, &["db"]).unwrap();
            assert_eq!(url.host, None, "{text}");
        }
        assert_eq!(
            DatabaseUrl::parse("db://u@:5/d", &["db"]).unwrap().port,
            Some(5)
        );
    }

    #[test]
    fn refusals_never_repeat_the_url() {
        for bad in [
            "db://u:hunter2@h:0/d",
            "db://u:hunter2@h/d#f",
            "db://u:%FF@h/d",
            "other://u:hunter2@h/d",
            "db://u:hunter2@h:99999/d",
        ] {
            let err = DatabaseUrl::parse(bad, &["db"]).err().unwrap();
            assert!(!err.contains("hunter2"), "{bad}: {err}");
        }
    }

    #[test]
    fn shown_parts_are_encoded() {
        assert_eq!(host("::1"), "[::1]");
        assert_eq!(host("/var/run/postgresql"), "%2Fvar%2Frun%2Fpostgresql");
        assert_eq!(component("a b@c").to_string(), "a%20b%40c");
        assert_eq!(query_value("/x y&z").to_string(), "%2Fx%20y%26z");
    }
}
