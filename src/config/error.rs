//! Errors of the configuration reader. None of them ever shows a value from
//! the configuration, so a password cannot leak through them.

use std::io;
use std::path::PathBuf;

use super::setting::{Origin, Unreadable};

/// Why the configuration, or one setting in it, could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        #[source]
        source: io::Error,
    },
    /// A file is not Lua, or has a statement the reader cannot get past.
    #[error("{origin}: {message}")]
    Syntax {
        /// Where.
        origin: Origin,
        /// What is wrong.
        message: String,
    },
    /// An `Include` could not be followed: missing file or folder, a
    /// computed path, a cycle, or nesting too deep.
    #[error("{origin}: {message}")]
    Include {
        /// The `Include` statement.
        origin: Origin,
        /// What is wrong.
        message: String,
    },
    /// A `VirtualHost` or `Component` name that Prosody refuses too.
    #[error("{origin}: {message}")]
    Host {
        /// The section line.
        origin: Origin,
        /// What is wrong.
        message: String,
    },
    /// A setting that is needed has a value the reader cannot know.
    #[error(
        "{origin}: `{key}` is {reason}; set it to a literal value or give it to invitectl directly"
    )]
    Unreadable {
        /// The setting (`sql.password` for a field of a table).
        key: String,
        /// Where it was set.
        origin: Origin,
        /// Why it is unknown.
        reason: Unreadable,
    },
    /// A setting has a value of the wrong kind.
    #[error("{origin}: `{key}` should be {expected}, but is {found}")]
    WrongType {
        /// The setting.
        key: String,
        /// Where it was set.
        origin: Origin,
        /// What it should be.
        expected: &'static str,
        /// What it is, described without its value.
        found: String,
    },
}
