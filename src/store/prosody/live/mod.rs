//! Prosody's store beside the running server: every write goes through
//! the server itself, over its admin socket (`crate::admin_shell`).
//!
//! # Why
//!
//! Prosody sets no busy timeout on its SQLite connection, so any lock
//! another process holds at the moment it writes makes its write fail at
//! once, and its connection can stay broken; on file storage it rewrites
//! whole files without a lock, so a write of another process that falls
//! inside one of its rewrites is lost. Inside the server, invitectl's
//! requests run on its one event loop, between its own writes, on its own
//! connection: nothing can meet.
//!
//! # What goes which way
//!
//! - Writes (`create`, `revoke`, `prune`, `redeem`) always go through the
//!   server. New invites go in chunks, each one request (SQLite: sized so
//!   that the server spends about [`create::TARGET_STALL`] on it; files:
//!   as many as one request holds, since each rewrites the whole file),
//!   all or nothing across chunks. Removals are decided by invitectl's
//!   reader, then done inside the server only if each record is still the
//!   one that was read.
//! - Reads on SQLite in rollback-journal mode go through the server too,
//!   in short pages: any reader's shared lock there can make the server's
//!   commit fail. In WAL mode readers never block the writer, so `list`
//!   reads the database directly (`journal`).
//! - Reads on file storage are direct: the server replaces each file whole
//!   by a rename, so a reader always sees one whole version.
//!
//! Which way a store is opened is decided once (`route`).

mod create;
mod files;
pub mod journal;
mod route;
mod sql;

use std::path::{Path, PathBuf};

use crate::admin_shell::{server_version, AdminShellError, Connection, InviteStore};
use crate::error::{Error, Result};
use crate::jid::Host;
use crate::store::backend::Backend;
use crate::store::{Location, OpenMode};

pub use route::{Direct, ProsodyServer, Route, Via, DEFAULT_SOCKET_NAME};

/// What a user the server's admin socket refuses needs.
const WRITE_NEEDS: &str = "Prosody's admin socket refuses this user: run as root or as the server's user (e.g. runuser -u prosody --)";

/// Opens the store at `location` the way `via` and the server decide.
pub fn open(
    location: &Location,
    mode: OpenMode,
    server: &ProsodyServer,
    via: Via,
) -> Result<(Box<dyn Backend>, Route)> {
    let direct = |why| location.open(mode).map(|b| (b, Route::Direct(why)));
    match location {
        Location::EjabberdApi(target) => Ok((
            location.open(mode)?,
            Route::EjabberdApi {
                url: target.to_string(),
            },
        )),
        Location::Postgres(_) | Location::Mysql(_) => {
            if via == Via::Server {
                return Err(Error::InvalidLocation(format!(
                    "{}: only SQLite and file storage are written through the server; a database server makes Prosody wait for invitectl's locks",
                    location
                )));
            }
            direct(Direct::DatabaseServer)
        }
        Location::Sqlite(path) | Location::Files(path) => match route::decide(server, via)? {
            route::Way::Direct(why) => direct(why),
            route::Way::Server(connection, socket) => {
                let link = ServerLink::new(*connection, socket)?;
                let route = Route::Server {
                    socket: link.socket.clone(),
                    version: link.version.clone(),
                };
                let backend: Box<dyn Backend> = match location {
                    Location::Files(_) => Box::new(files::LiveFiles::open(link, path)?),
                    _ => Box::new(sql::LiveSql::open(link, path)?),
                };
                Ok((backend, route))
            }
        },
    }
}

/// An open admin connection to the running server.
struct ServerLink {
    connection: Connection,
    socket: PathBuf,
    version: String,
}

impl ServerLink {
    fn new(mut connection: Connection, socket: PathBuf) -> Result<ServerLink> {
        let version = server_version(&mut connection).map_err(|e| server_error(&socket, e))?;
        Ok(ServerLink {
            connection,
            socket,
            version,
        })
    }

    /// The invite store of `host` through the server.
    fn store(&mut self, host: &Host) -> InviteStore<'_> {
        InviteStore::new(&mut self.connection, host)
    }

    /// The library's error for a failed request.
    fn error(&self, e: AdminShellError) -> Error {
        server_error(&self.socket, e)
    }

    /// A fresh connection, after one broke (a timeout leaves it unusable).
    fn reconnect(&mut self) -> Result<()> {
        self.connection = Connection::open_with_timeout(&self.socket, route::REQUEST_TIMEOUT)
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Whether the server is 0.12, whose roles are a map.
    fn is_012(&self) -> bool {
        self.version.starts_with("0.")
    }
}

fn server_error(socket: &Path, e: AdminShellError) -> Error {
    Error::Server {
        socket: socket.display().to_string(),
        source: Box::new(e),
    }
}
