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
    /// For a listener with `tls: true`: the name to ask for, and the
    /// certificates (DER) of the server's `certfiles`, the only ones
    /// trusted.
    pub tls: Option<ApiTls>,
}

/// TLS to the API listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTls {
    /// The host, as the server's certificate names it.
    pub server_name: String,
    /// The certificates of `certfiles`, DER.
    pub certificates: Vec<Vec<u8>>,
}

impl ApiTarget {
    /// The API the host's configuration serves: the first `ejabberd_http`
    /// listener reachable on loopback that serves `mod_http_api`, a plain
    /// one before one with TLS (for which the server's `certfiles` are
    /// read: the caller needs to be allowed to read them, as root is).
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedStorage`] with the fix when there is none, or
    /// when a TLS listener's certificates cannot be read.
    pub fn from_ejabberd(host: &EjabberdHost<'_>) -> Result<ApiTarget> {
        let listeners = host.listeners().map_err(Error::from)?;
        let token_expire_seconds = host
            .invites()
            .map_err(Error::from)?
            .map_or(crate::ejabberd_config::DEFAULT_TOKEN_EXPIRE_SECONDS, |m| {
                m.token_expire_seconds
            });
        let reachable: Vec<_> = listeners
            .iter()
            .filter_map(|l| Some((l, l.path_of("mod_http_api")?, l.loopback()?)))
            .collect();
        let plain_first = reachable
            .iter()
            .find(|(l, _, _)| !l.tls)
            .or_else(|| reachable.first());
        let Some((listener, path, ip)) = plain_first else {
            return Err(Error::UnsupportedStorage(format!(
                "{}: ejabberd keeps this host's invites in Mnesia, inside the server, which invitectl reaches through ejabberd's API, but no ejabberd_http listener on this machine serves mod_http_api: add a listener such as `- {{port: 5281, ip: \"127.0.0.1\", module: ejabberd_http, request_handlers: {{/api: mod_http_api}}}}`, or keep the invites in SQL (`default_db: sql`)",
                host.name()
            )));
        };
        let tls = if listener.tls {
            Some(tls_for(host)?)
        } else {
            None
        };
        Ok(ApiTarget {
            address: SocketAddr::new(*ip, listener.port),
            path: path.trim_end_matches('/').to_owned(),
            token_expire_seconds,
            tls,
        })
    }
}

/// TLS with the host's certificates, as the server's `certfiles` hold
/// them.
#[cfg(feature = "https")]
fn tls_for(host: &EjabberdHost<'_>) -> Result<ApiTls> {
    let files = host.certfiles().map_err(Error::from)?;
    let mut certificates = Vec::new();
    let mut unreadable = Vec::new();
    for file in &files {
        match super::tls::pem_certificates(file) {
            Ok(found) => certificates.extend(found),
            Err(e) => unreadable.push(e),
        }
    }
    if certificates.is_empty() {
        let why = match unreadable.first() {
            Some(e) => format!("cannot read its certificates ({e}; run as root)"),
            None => "its certfiles name no certificate".into(),
        };
        return Err(Error::UnsupportedStorage(format!(
            "{}: ejabberd's API listener uses TLS, and invitectl trusts only the server's own certificates there, but {why}",
            host.name()
        )));
    }
    Ok(ApiTls {
        server_name: host.name().to_owned(),
        certificates,
    })
}

#[cfg(not(feature = "https"))]
fn tls_for(host: &EjabberdHost<'_>) -> Result<ApiTls> {
    Err(Error::UnsupportedStorage(format!(
        "{}: ejabberd's API listener uses TLS, and this invitectl was built without TLS (cargo feature `https`): add a plain listener on 127.0.0.1 with mod_http_api",
        host.name()
    )))
}

/// The API as messages name it.
impl std::fmt::Display for ApiTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.address, self.path)
    }
}
