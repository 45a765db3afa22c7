//! The `listen` option's HTTP listeners (`module: ejabberd_http`), with
//! the handlers each serves: where `mod_http_api` answers.

use yaml_rust2::Yaml;

use super::error::EjabberdConfigError;
use super::{EjabberdConfig, EjabberdHost};

/// An `ejabberd_http` listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpListener {
    /// `port`.
    pub port: u16,
    /// `ip` as written (ejabberd's default, all IPv4 addresses, is
    /// `0.0.0.0`).
    pub ip: String,
    /// `tls: true`: HTTPS.
    pub tls: bool,
    /// `request_handlers`: (path, module), in order.
    pub handlers: Vec<(String, String)>,
}

impl HttpListener {
    /// The path this listener serves `module` under, if it does.
    pub fn path_of(&self, module: &str) -> Option<&str> {
        self.handlers
            .iter()
            .find(|(_, m)| m == module)
            .map(|(path, _)| path.as_str())
    }

    /// The loopback address that reaches the listener: its own when it
    /// listens on loopback, 127.0.0.1 or ::1 when it listens on every
    /// address; `None` when it listens on another address only.
    pub fn loopback(&self) -> Option<std::net::IpAddr> {
        let ip: std::net::IpAddr = self.ip.trim_matches(['[', ']']).parse().ok()?;
        if ip.is_loopback() {
            Some(ip)
        } else if ip.is_unspecified() {
            // "::" takes IPv4 connections as well, on Linux by default.
            Some(std::net::Ipv4Addr::LOCALHOST.into())
        } else {
            None
        }
    }
}

impl EjabberdConfig {
    /// Every `ejabberd_http` listener of `listen`, in order.
    ///
    /// # Errors
    ///
    /// A `listen` that is not a list, or a listener without a port.
    pub fn http_listeners(&self) -> Result<Vec<HttpListener>, EjabberdConfigError> {
        let wrong = |key: &str, expected| EjabberdConfigError::WrongType {
            path: self.path.clone(),
            key: key.to_owned(),
            expected,
        };
        let listeners = match self.options.get(&Yaml::String("listen".into())) {
            None => return Ok(Vec::new()),
            Some(Yaml::Array(listeners)) => listeners,
            Some(_) => return Err(wrong("listen", "a list of listeners")),
        };
        let mut found = Vec::new();
        for listener in listeners {
            let get = |key: &str| listener[key].clone();
            if get("module").as_str() != Some("ejabberd_http") {
                continue;
            }
            let port = match get("port") {
                Yaml::Integer(port) => u16::try_from(port).ok(),
                _ => None,
            }
            .ok_or_else(|| wrong("listen: port", "a port number (1 to 65535)"))?;
            let ip = get("ip").as_str().unwrap_or("0.0.0.0").to_owned();
            let tls = get("tls").as_bool().unwrap_or(false);
            let handlers = get("request_handlers")
                .as_hash()
                .map(|handlers| {
                    handlers
                        .iter()
                        .filter_map(|(path, module)| {
                            Some((path.as_str()?.to_owned(), module.as_str()?.to_owned()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            found.push(HttpListener {
                port,
                ip,
                tls,
                handlers,
            });
        }
        Ok(found)
    }
}

impl EjabberdConfig {
    /// The files `certfiles` names, wildcards (`*`, `?`) in the file
    /// name expanded as ejabberd expands them, in order; a pattern that
    /// matches nothing names nothing.
    ///
    /// # Errors
    ///
    /// A `certfiles` that is not a list of paths.
    pub fn certfiles(&self) -> Result<Vec<std::path::PathBuf>, EjabberdConfigError> {
        let patterns = match self.options.get(&Yaml::String("certfiles".into())) {
            None => return Ok(Vec::new()),
            Some(Yaml::Array(patterns)) => patterns,
            Some(_) => {
                return Err(EjabberdConfigError::WrongType {
                    path: self.path.clone(),
                    key: "certfiles".into(),
                    expected: "a list of file paths",
                })
            }
        };
        let mut files = Vec::new();
        for pattern in patterns.iter().filter_map(Yaml::as_str) {
            let path = std::path::Path::new(pattern);
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.contains(['*', '?']) {
                files.push(path.to_path_buf());
                continue;
            }
            let folder = path.parent().unwrap_or(std::path::Path::new("."));
            let mut matched: Vec<_> = std::fs::read_dir(folder)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| e.file_name().to_str().is_some_and(|n| wildcard(name, n)))
                .map(|e| e.path())
                .collect();
            matched.sort();
            files.extend(matched);
        }
        Ok(files)
    }
}

/// Whether `name` matches `pattern`, where `*` is any run of characters
/// and `?` any one.
fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // The classic two-pointer match, backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

impl EjabberdHost<'_> {
    /// The server's `ejabberd_http` listeners (`listen` is global: every
    /// host is served by them all).
    ///
    /// # Errors
    ///
    /// As [`EjabberdConfig::http_listeners`].
    pub fn listeners(&self) -> Result<Vec<HttpListener>, EjabberdConfigError> {
        self.config.http_listeners()
    }

    /// The files of the server's `certfiles` (global, as `listen`).
    ///
    /// # Errors
    ///
    /// As [`EjabberdConfig::certfiles`].
    pub fn certfiles(&self) -> Result<Vec<std::path::PathBuf>, EjabberdConfigError> {
        self.config.certfiles()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listeners(yaml: &str) -> Vec<HttpListener> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ejabberd.yml");
        std::fs::write(&path, format!("hosts: [example.com]\n{yaml}")).unwrap();
        EjabberdConfig::load(&path)
            .unwrap()
            .http_listeners()
            .unwrap()
    }

    #[test]
    fn debians_listeners_are_read_in_order() {
        let found = listeners(
            "listen:\n  - {port: 5222, module: ejabberd_c2s}\n  - port: 5443\n    ip: \"::\"\n    module: ejabberd_http\n    tls: true\n    request_handlers:\n      /api: mod_http_api\n      /bosh: mod_bosh\n  - {port: 5280, ip: 127.0.0.1, module: ejabberd_http}\n",
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].port, 5443);
        assert!(found[0].tls);
        assert_eq!(found[0].path_of("mod_http_api"), Some("/api"));
        assert_eq!(found[0].path_of("mod_invites"), None);
        assert_eq!(found[0].loopback(), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(found[1].ip, "127.0.0.1");
        assert!(!found[1].tls);
        assert!(found[1].handlers.is_empty());
    }

    #[test]
    fn an_outside_address_is_not_reached_on_loopback() {
        let found = listeners("listen:\n  - {port: 80, ip: 192.0.2.1, module: ejabberd_http}\n  - {port: 81, ip: \"::1\", module: ejabberd_http}\n  - {port: 82, module: ejabberd_http}\n");
        assert_eq!(found[0].loopback(), None);
        assert_eq!(found[1].loopback(), Some("::1".parse().unwrap()));
        assert_eq!(found[2].loopback(), Some("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn certfiles_expand_wildcards_in_the_file_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.pem", "b.pem", "b.key", "c.crt"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let path = dir.path().join("ejabberd.yml");
        let d = dir.path().display();
        std::fs::write(
            &path,
            format!("hosts: [example.com]\ncertfiles:\n  - {d}/*.pem\n  - /etc/ejabberd/x.pem\n  - {d}/?.crt\n  - {d}/none*\n"),
        )
        .unwrap();
        let files = EjabberdConfig::load(&path).unwrap().certfiles().unwrap();
        assert_eq!(
            files,
            [
                dir.path().join("a.pem"),
                dir.path().join("b.pem"),
                "/etc/ejabberd/x.pem".into(),
                dir.path().join("c.crt"),
            ]
        );
        assert!(wildcard("*.pem", ".pem") && wildcard("a*b*c", "aXbYbc"));
        assert!(!wildcard("a*b", "ab.") && !wildcard("?", ""));
    }

    #[test]
    fn a_listener_without_a_port_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ejabberd.yml");
        std::fs::write(
            &path,
            "hosts: [example.com]\nlisten:\n  - {module: ejabberd_http}\n",
        )
        .unwrap();
        let err = EjabberdConfig::load(&path)
            .unwrap()
            .http_listeners()
            .unwrap_err();
        assert!(err.to_string().contains("listen: port"), "{err}");
    }
}
