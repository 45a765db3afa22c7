//! Errors of the ejabberd configuration reader. Like the Prosody reader's,
//! none of them shows a value from the configuration, so a password cannot
//! leak through them.

use std::io;
use std::path::PathBuf;

/// Why ejabberd's configuration, or one option in it, could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EjabberdConfigError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        #[source]
        source: io::Error,
    },
    /// A file is not YAML, or not a mapping of options.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line and column.
        message: String,
    },
    /// An `include_config_file` could not be followed.
    #[error("{}: {message}", path.display())]
    Include {
        /// The including file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An option has a value of the wrong kind.
    #[error("{}: `{key}` should be {expected}", path.display())]
    WrongType {
        /// The configuration file.
        path: PathBuf,
        /// The option, with the module or host it belongs to.
        key: String,
        /// What it should be.
        expected: &'static str,
    },
    /// An option's value depends on what only the running server knows.
    #[error("{}: `{key}` uses @{keyword}@, which only the running server knows; give invitectl the store with --store", path.display())]
    Unknowable {
        /// The configuration file.
        path: PathBuf,
        /// The option.
        key: String,
        /// The keyword.
        keyword: String,
    },
    /// `landing_page` is a template invitectl cannot render as ejabberd
    /// does.
    #[error("{}: `mod_invites.landing_page` {reason}", path.display())]
    InvalidLandingPage {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `landing_page: auto`, but no `ejabberd_http` listener serves
    /// mod_invites.
    #[error("{}: no ejabberd_http listener has mod_invites in its request_handlers, so landing_page auto gives no landing page", path.display())]
    NoInvitesListener {
        /// The configuration file.
        path: PathBuf,
    },
    /// `landing_page: auto`, and listeners serve mod_invites at more than
    /// one URL.
    #[error("{}: ejabberd_http listeners serve mod_invites at {urls}, and for landing_page auto ejabberd takes whichever its listener table holds first: write one of them, followed by {{{{ invite.token }}}}, as the landing page", path.display())]
    AmbiguousInvitesListener {
        /// The configuration file.
        path: PathBuf,
        /// The URLs, with `@HOST@` for the host.
        urls: String,
    },
}
