//! Where ejabberd's API answers: an `ejabberd_http` listener on loopback
//! with `mod_http_api`, as the configuration gives it.

use std::net::SocketAddr;

use crate::ejabberd_config::EjabberdHost;
use crate::error::{Error, Result};

/// ejabberd's `mod_http_api` on this machine, for one host's invites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTarget {
    /// The listener, on a loopback address.
    pub address: SocketAddr,
    /// The path `mod_http_api` is served under (`/api`), without a
    /// trailing slash.
    pub path: String,
    /// mod_invites' `token_expire_seconds`: the lifetime the server
    /// gives every invite it makes.
    pub token_expire_seconds: u64,
}

impl ApiTarget {
    /// The API the host's configuration serves: the first `ejabberd_http`
    /// listener without TLS, reachable on loopback, that serves
    /// `mod_http_api`.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedStorage`] with the fix when there is none.
    pub fn from_ejabberd(host: &EjabberdHost<'_>) -> Result<ApiTarget> {
        let listeners = host.listeners().map_err(Error::from)?;
        let token_expire_seconds = host
            .invites()
            .map_err(Error::from)?
            .map_or(crate::ejabberd_config::DEFAULT_TOKEN_EXPIRE_SECONDS, |m| {
                m.token_expire_seconds
            });
        let served = listeners.iter().filter_map(|l| {
            let path = l.path_of("mod_http_api")?;
            Some((l, path))
        });
        let mut tls_only = false;
        for (listener, path) in served {
            let Some(ip) = listener.loopback() else {
                continue;
            };
            if listener.tls {
                tls_only = true;
                continue;
            }
            return Ok(ApiTarget {
                address: SocketAddr::new(ip, listener.port),
                path: path.trim_end_matches('/').to_owned(),
                token_expire_seconds,
            });
        }
        let why = if tls_only {
            "its mod_http_api listeners on this machine all use TLS, which invitectl does not speak to it yet"
        } else {
            "no ejabberd_http listener on this machine serves mod_http_api"
        };
        Err(Error::UnsupportedStorage(format!(
            "{}: ejabberd keeps this host's invites in Mnesia, inside the server, which invitectl reaches through ejabberd's API, but {why}: add a listener such as `- {{port: 5281, ip: \"127.0.0.1\", module: ejabberd_http, request_handlers: {{/api: mod_http_api}}}}`, or keep the invites in SQL (`default_db: sql`)",
            host.name()
        )))
    }
}

/// The API as messages name it.
impl std::fmt::Display for ApiTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}{}", self.address, self.path)
    }
}
