//! Which way a store is reached beside a running Prosody, decided once
//! per opening: through the server's admin socket, or directly.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::admin_shell::{AdminShellError, Connection};
use crate::config::HostConfig;
use crate::error::{Error, Result};
use crate::store::Location;

/// The socket's name in the data folder when `admin_socket` is unset
/// (mod_admin_socket's default).
pub const DEFAULT_SOCKET_NAME: &str = "prosody.sock";

/// How long one request may take. Long: on file storage one request
/// rewrites the whole invite file, which for a large store takes the
/// server seconds, and a request given up on leaves its outcome unknown.
pub(super) const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Which way to reach the store, as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Via {
    /// Through the server when it runs and its socket answers, directly
    /// when it does not run; on PostgreSQL and MySQL, directly.
    #[default]
    Auto,
    /// Through the server, or not at all.
    Server,
    /// Directly, whether the server runs or not.
    Store,
}

/// What is known of the Prosody server whose store it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProsodyServer {
    /// Its admin socket, where one is known.
    pub admin_socket: Option<PathBuf>,
    /// Its pid file, which tells whether it runs when its socket cannot
    /// be used.
    pub pidfile: Option<PathBuf>,
}

impl ProsodyServer {
    /// The server as its configuration describes it: `admin_socket`
    /// (relative to `data_path`, default `prosody.sock` there) and
    /// `pidfile` (relative to `data_path` too).
    pub fn from_config(host: &HostConfig<'_>) -> Result<ProsodyServer> {
        let data = super::super::data_path(host)?;
        let config = host.config();
        let socket = config
            .admin_socket()?
            .map_or_else(|| PathBuf::from(DEFAULT_SOCKET_NAME), |s| s.value);
        let pidfile = config.pidfile()?.map(|p| data.join(p.value));
        Ok(ProsodyServer {
            admin_socket: Some(data.join(socket)),
            pidfile,
        })
    }

    /// The server a store is found beside when no configuration says
    /// more: the socket at its default place in the data folder (the
    /// folder of file storage, or the one holding the SQLite database).
    pub fn beside(location: &Location) -> ProsodyServer {
        let folder = match location {
            Location::Files(folder) => Some(folder.as_path()),
            Location::Sqlite(file) => file.parent().map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            }),
            Location::Postgres(_) | Location::Mysql(_) | Location::EjabberdApi(_) => None,
        };
        ProsodyServer {
            admin_socket: folder.map(|f| f.join(DEFAULT_SOCKET_NAME)),
            pidfile: None,
        }
    }

    /// The process the pid file names, if it runs.
    pub fn running_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.pidfile.as_ref()?).ok()?;
        let pid: u32 = text.trim().parse().ok()?;
        let proc = PathBuf::from(format!("/proc/{pid}"));
        // Gone, or dead and not yet reaped by its parent (a zombie).
        let stat = std::fs::read_to_string(proc.join("stat")).ok()?;
        let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
        if state.is_some_and(|s| s.starts_with('Z') || s.starts_with('X')) {
            return None;
        }
        // A pid left by a crash may be another program's by now.
        match std::fs::read(proc.join("cmdline")) {
            Ok(cmdline) if !cmdline.is_empty() => {
                let is_prosody = cmdline.windows(7).any(|w| w == b"prosody");
                is_prosody.then_some(pid)
            }
            _ => Some(pid),
        }
    }
}

/// The way a store was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Every write goes through the running server.
    Server {
        /// Its admin socket.
        socket: PathBuf,
        /// Its version, as it told.
        version: String,
    },
    /// Every read and write is a command of the running ejabberd, through
    /// its API (its invites are in Mnesia, inside the server).
    EjabberdApi {
        /// The API's URL.
        url: String,
    },
    /// The store is read and written directly.
    Direct(Direct),
}

/// Why a store is reached directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direct {
    /// The caller asked for it.
    Chosen,
    /// A database server, which makes writers wait for each other's locks.
    DatabaseServer,
    /// The server does not run, as this tells.
    NotRunning(String),
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Server { socket, version } => write!(
                f,
                "through the running Prosody {version} at {}",
                socket.display()
            ),
            Route::EjabberdApi { url } => write!(f, "through the running ejabberd's API at {url}"),
            Route::Direct(Direct::Chosen) => f.write_str("directly, as asked"),
            Route::Direct(Direct::DatabaseServer) => f.write_str(
                "directly: the database server makes Prosody wait for invitectl's locks",
            ),
            Route::Direct(Direct::NotRunning(why)) => {
                write!(f, "directly: Prosody is not running ({why})")
            }
        }
    }
}

/// The way to a store on SQLite or file storage, as `via` and the server
/// decide: an open connection to the server, or why the store is to be
/// reached directly.
pub(super) enum Way {
    Server(Box<Connection>, PathBuf),
    Direct(Direct),
}

/// Decides the way to a store on SQLite or file storage.
pub(super) fn decide(server: &ProsodyServer, via: Via) -> Result<Way> {
    if via == Via::Store {
        return Ok(Way::Direct(Direct::Chosen));
    }
    let Some(socket) = server.admin_socket.as_deref() else {
        if via == Via::Server {
            return Err(unusable(
                "no admin socket is known: name Prosody's configuration or its socket".into(),
            ));
        }
        return not_running(server, "no admin socket is known".into());
    };
    match Connection::open_with_timeout(socket, REQUEST_TIMEOUT) {
        Ok(connection) => Ok(Way::Server(Box::new(connection), socket.to_owned())),
        Err(AdminShellError::NoSocket { .. }) if via == Via::Auto => {
            not_running(server, format!("no admin socket at {}", socket.display()))
        }
        Err(AdminShellError::NotRunning { .. }) if via == Via::Auto => {
            not_running(server, format!("{} refuses connections", socket.display()))
        }
        Err(e @ AdminShellError::PermissionDenied { .. }) => Err(unusable(format!(
            "Prosody's admin socket cannot be used: {e}"
        ))),
        Err(e) => Err(Error::Server {
            socket: socket.display().to_string(),
            source: Box::new(e),
        }),
    }
}

/// The direct way, unless the pid file shows the server running: then
/// writing directly would race it, which is refused.
fn not_running(server: &ProsodyServer, why: String) -> Result<Way> {
    match server.running_pid() {
        None => Ok(Way::Direct(Direct::NotRunning(why))),
        Some(pid) => {
            Err(unusable(format!(
                "Prosody is running (pid {pid}) but its admin socket cannot be used ({why}): enable \"admin_shell\" in modules_enabled, or check admin_socket"
            )))
        }
    }
}

fn unusable(reason: String) -> Error {
    Error::ServerUnusable(reason)
}
