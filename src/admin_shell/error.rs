//! What can go wrong talking to the server's admin socket.

use std::path::PathBuf;
use std::time::Duration;

/// Why a request through the admin socket did not give an answer.
///
/// The first three tell the caller which path to take: [`NoSocket`] and
/// [`NotRunning`] mean no server is serving the socket (the store may be
/// written directly), [`PermissionDenied`] means a server may be running
/// that this user cannot reach (the store must not be written directly).
///
/// [`NoSocket`]: AdminShellError::NoSocket
/// [`NotRunning`]: AdminShellError::NotRunning
/// [`PermissionDenied`]: AdminShellError::PermissionDenied
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminShellError {
    /// Nothing at the socket's path (ENOENT, ENOTDIR).
    #[error("no admin socket at {}", path.display())]
    NoSocket {
        /// The socket's path.
        path: PathBuf,
    },

    /// The socket is there but nothing listens (ECONNREFUSED): the server
    /// stopped without removing it, e.g. it was killed.
    #[error("the server is not running: {} refuses connections", path.display())]
    NotRunning {
        /// The socket's path.
        path: PathBuf,
    },

    /// This user may not connect to the socket (EACCES, EPERM): only root
    /// and the server's own user may.
    #[error("no permission to connect to {} (run as root or as the server's user)", path.display())]
    PermissionDenied {
        /// The socket's path.
        path: PathBuf,
    },

    /// Connecting failed for another reason.
    #[error("connecting to {}: {source}", path.display())]
    Connect {
        /// The socket's path.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },

    /// Reading or writing the connection failed.
    #[error("talking to the admin socket: {0}")]
    Io(#[source] std::io::Error),

    /// The server gave no complete answer in time. The connection is
    /// closed: an answer arriving later could be taken for the next one's.
    #[error("the server did not answer within {0:?}")]
    Timeout(Duration),

    /// A request the server would refuse (it closes the stream on any
    /// stanza of 1 MiB or more); nothing was sent.
    #[error("request of {size} bytes is over the server's limit of {limit} bytes")]
    RequestTooLarge {
        /// The request's size as sent, in bytes.
        size: usize,
        /// The largest request sent.
        limit: usize,
    },

    /// The text holds a character an XML stream cannot carry; nothing
    /// was sent.
    #[error("the request holds the character {0:?}, which XML cannot carry")]
    Unsendable(char),

    /// The server's answer grew beyond what is read.
    #[error("the server's answer is over {limit} bytes")]
    ReplyTooLarge {
        /// The most bytes read for one answer.
        limit: usize,
    },

    /// The server sent XML that is not the admin stream's.
    #[error("unexpected data from the admin socket: {0}")]
    Protocol(String),

    /// The server closed the stream (`reason`: its stream error, if any).
    #[error("the server closed the admin stream{}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Closed {
        /// The condition of the server's stream error.
        reason: Option<String>,
    },

    /// An earlier failure left this connection unusable.
    #[error("the admin connection was closed after an earlier failure")]
    Broken,

    /// The server ran the request and reported an error (`<repl-result
    /// type='error'>`), e.g. a module that is not loaded or a Lua error.
    #[error("the server reported: {0}")]
    Failed(String),

    /// The program's answer is not what it returns.
    #[error("unexpected answer from the server: {0}")]
    BadAnswer(String),

    /// The server has no such virtual host.
    #[error("the server has no host {0:?}")]
    UnknownHost(String),

    /// The server's storage refused the operation.
    #[error("the server's storage failed: {0}")]
    Storage(String),

    /// A value cannot be written as a Lua literal.
    #[error(transparent)]
    Value(#[from] crate::lua::WriteError),
}

impl AdminShellError {
    /// Whether no server serves the socket: there is no socket, or a stale
    /// one nobody listens on.
    pub fn server_not_running(&self) -> bool {
        matches!(
            self,
            AdminShellError::NoSocket { .. } | AdminShellError::NotRunning { .. }
        )
    }
}

/// The admin socket's result type.
pub type Result<T, E = AdminShellError> = std::result::Result<T, E>;
