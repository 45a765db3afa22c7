//! The library's error type.

use std::path::PathBuf;

use crate::admin_shell::AdminShellError;
use crate::config::ConfigError;

/// An error of a store's driver, as its backend describes it: its
/// `Display` is the one line a message shows.
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in the library.
///
/// Messages are one line, name the offending input where that helps, and
/// never echo a token unless the token is what the message is about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The host is not a domain name.
    #[error("invalid host {input:?}: {reason}")]
    InvalidHost {
        /// What was given.
        input: String,
        /// Why it was refused.
        reason: &'static str,
    },

    /// The username cannot be the local part of a JID.
    #[error("invalid username {input:?}: {reason}")]
    InvalidUsername {
        /// What was given.
        input: String,
        /// Why it was refused.
        reason: &'static str,
    },

    /// A lifetime that does not parse, or is zero, negative or absurd.
    #[error("invalid duration {input:?}: {reason}")]
    InvalidDuration {
        /// What was given.
        input: String,
        /// Why it was refused.
        reason: String,
    },

    /// A string that cannot be an invite token.
    #[error("malformed token: {reason}")]
    MalformedToken {
        /// Why it was refused (the token itself is not echoed).
        reason: &'static str,
    },

    /// A landing-page template that cannot be rendered.
    #[error("invalid landing-page template {template:?}: {reason}")]
    InvalidTemplate {
        /// The template.
        template: String,
        /// Why it was refused.
        reason: String,
    },

    /// An invite request whose options contradict each other.
    #[error("{0}")]
    InvalidRequest(String),

    /// No invite of the host has this token.
    #[error("no invite with token {0}")]
    NotFound(String),

    /// The invite exists but its stored record cannot be read.
    #[error("the invite {token} is damaged: {reason}")]
    Damaged {
        /// The invite's token.
        token: String,
        /// What is wrong with the record.
        reason: String,
    },

    /// The invite exists but has expired.
    #[error("the invite {0} has expired")]
    Expired(String),

    /// The invite was used already: ejabberd keeps a used invite, with the
    /// account that used it.
    #[error("the invite {token} was already used by {by}")]
    Used {
        /// The token.
        token: String,
        /// The bare JID that used it, as the store records it.
        by: String,
    },

    /// The store has no place for something a new invite asks for
    /// (ejabberd's `invite_token` holds no reusable invites, groups,
    /// roles or notes): refused rather than dropped.
    #[error("{store}: {server} cannot store {what}")]
    NotStorable {
        /// The store, as messages name it.
        store: String,
        /// The server whose data model it is ("ejabberd").
        server: &'static str,
        /// What it cannot hold: "reusable invites", "groups", ...
        what: &'static str,
    },

    /// The file or database exists but is not a Prosody SQL store.
    #[error("{store}: not a Prosody SQL store: {reason}")]
    NotAStore {
        /// The store: its path, or its URL without the password.
        store: String,
        /// What is missing or wrong.
        reason: String,
    },

    /// One of Prosody's data files (file storage) cannot be read as a Lua
    /// table; nothing was written.
    #[error("{}: not a Prosody data file: {reason}", path.display())]
    DataFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line and column where the reader stopped.
        reason: String,
    },

    /// A store location that cannot be used: a URL of no store invitectl
    /// knows, or one it cannot read. The URL itself is never repeated: it
    /// may hold a password.
    #[error("{0}")]
    InvalidLocation(String),

    /// The server's configuration names a storage invitectl cannot use.
    #[error("{0}")]
    UnsupportedStorage(String),

    /// Prosody's configuration cannot be read where the store is chosen.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// ejabberd's configuration cannot be read where the store is chosen.
    #[error(transparent)]
    EjabberdConfig(#[from] crate::ejabberd_config::EjabberdConfigError),

    /// The store's database could not be reached, or refused or failed a
    /// request. The backend describes its driver's error.
    #[error("{store}: {source}")]
    Database {
        /// The store: its path, or its URL without the password.
        store: String,
        /// What the database or its driver said, as the backend tells it.
        #[source]
        source: BackendError,
    },

    /// Another invitectl kept writing to the store for longer than
    /// invitectl waits.
    #[error("{store}: {reason}")]
    Busy {
        /// The store: its path, or its URL without the password.
        store: String,
        /// What happened.
        reason: String,
    },

    /// A store was named whose support this build leaves out.
    #[error(
        "{store}: this invitectl was built without {backend} support (cargo feature \"{feature}\")"
    )]
    NotBuilt {
        /// The store, as a URL without the password.
        store: String,
        /// What is missing, as messages name it ("PostgreSQL").
        backend: &'static str,
        /// The cargo feature that builds it in.
        feature: &'static str,
    },

    /// The running server, through which the store is written, failed a
    /// request or could not be reached.
    #[error("{socket}: {source}")]
    Server {
        /// The server's admin socket.
        socket: String,
        /// What went wrong.
        #[source]
        source: Box<AdminShellError>,
    },

    /// The server runs, so writing its store directly would race it, but
    /// its admin socket cannot be used: what to fix.
    #[error("{0}")]
    ServerUnusable(String),

    /// A file could not be read, written or created.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        source: std::io::Error,
    },

    /// Writing output, from a callback that receives each invite, failed.
    #[error("cannot write output: {0}")]
    Output(#[source] std::io::Error),

    /// The operating system's random number generator failed.
    #[error("cannot read the system's random number generator: {0}")]
    Random(String),
}

/// What went wrong, in the broad terms a caller acts on (an exit code, a
/// retry): each [`Error`] is of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Input that cannot be used: a host, username, token, duration,
    /// template, request, location or QR code destination. Nothing was
    /// tried.
    InvalidInput,
    /// No invite has the token.
    NotFound,
    /// The invite exists but cannot be used: it has expired or is damaged.
    Unusable,
    /// What was opened is not the server's store, or part of it cannot be
    /// read as the server writes it.
    NotAStore,
    /// Prosody's configuration cannot be read where the store is chosen,
    /// or chooses a storage invitectl does not work on.
    Configuration,
    /// The store needs support this build leaves out.
    NotBuilt,
    /// The store's database or files failed.
    Failed,
    /// Another writer held the store for longer than invitectl waits.
    Busy,
    /// The server runs but its admin socket cannot be used, so its store
    /// is not written.
    ServerUnusable,
    /// The caller's output (a callback) failed.
    Output,
    /// The system failed (its random number generator).
    System,
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidHost { .. }
            | Error::InvalidUsername { .. }
            | Error::InvalidDuration { .. }
            | Error::MalformedToken { .. }
            | Error::InvalidTemplate { .. }
            | Error::InvalidRequest(_)
            | Error::InvalidLocation(_)
            | Error::NotStorable { .. } => ErrorKind::InvalidInput,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Damaged { .. } | Error::Expired(_) | Error::Used { .. } => ErrorKind::Unusable,
            Error::NotAStore { .. } | Error::DataFile { .. } => ErrorKind::NotAStore,
            Error::UnsupportedStorage(_) | Error::Config(_) | Error::EjabberdConfig(_) => {
                ErrorKind::Configuration
            }
            Error::NotBuilt { .. } => ErrorKind::NotBuilt,
            Error::Database { .. } | Error::Io { .. } => ErrorKind::Failed,
            Error::Busy { .. } => ErrorKind::Busy,
            Error::Server { source, .. } => match **source {
                AdminShellError::Timeout(_) => ErrorKind::Busy,
                _ => ErrorKind::Failed,
            },
            Error::ServerUnusable(_) => ErrorKind::ServerUnusable,
            Error::Output(_) => ErrorKind::Output,
            Error::Random(_) => ErrorKind::System,
        }
    }

    /// The driver's error of a [`Error::Database`], if it is a `T`.
    pub fn backend_error<T: std::error::Error + 'static>(&self) -> Option<&T> {
        match self {
            Error::Database { source, .. } => source.downcast_ref(),
            _ => None,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
