//! Exit codes: the one place they are decided.

use invitectl::output::escape_for_terminal;
use invitectl::{Error, ErrorKind};

use super::UsageError;

/// How invitectl exits. Documented in README.md and the man page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything asked for was done.
    Success = 0,
    /// A runtime failure: the store is unreadable, locked, damaged or not
    /// writable. Nothing was written.
    Failure = 1,
    /// A usage error: a bad option, host, username, token, duration or
    /// template. Nothing was written.
    Usage = 2,
    /// An invite named by token does not exist. Others named with it were
    /// still acted on.
    NotFound = 3,
}

impl Exit {
    /// The exit code for a library error, by its kind.
    pub fn for_error(error: &Error) -> Exit {
        match error.kind() {
            ErrorKind::InvalidInput => Exit::Usage,
            ErrorKind::NotFound => Exit::NotFound,
            _ => Exit::Failure,
        }
    }
}

/// Reports a failed command in one line on stderr and decides the exit
/// code. A closed pipe is no failure: `invitectl ... | head -1` exits 0.
pub fn report(err: &anyhow::Error) -> Exit {
    let broken_pipe = err
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe);
    if broken_pipe {
        return Exit::Success;
    }
    let exit = if let Some(error) = err.downcast_ref::<Error>() {
        Exit::for_error(error)
    } else if err.downcast_ref::<UsageError>().is_some() {
        Exit::Usage
    } else {
        Exit::Failure
    };
    let hint = match err.downcast_ref::<Error>().map(Error::kind) {
        Some(ErrorKind::ServerUnusable) => {
            " (or --via store to write the store directly, racing the server)"
        }
        _ => "",
    };
    eprintln!("invitectl: {}{hint}", one_line(&err.to_string()));
    exit
}

/// Reports a command line clap refused, in one line; `--help` and
/// `--version` print as usual and succeed.
pub fn report_usage(err: &clap::Error) -> Exit {
    if !err.use_stderr() {
        let _ = err.print();
        return Exit::Success;
    }
    let rendered = err.render().to_string();
    let first = rendered.lines().next().unwrap_or("invalid command line");
    let message = first.strip_prefix("error: ").unwrap_or(first);
    eprintln!("invitectl: {} (see invitectl --help)", one_line(message));
    Exit::Usage
}

/// Folds a message onto one line, with control characters escaped.
fn one_line(message: &str) -> String {
    escape_for_terminal(&message.replace('\n', " ")).into_owned()
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::cli::render::qr::{ImageFormat, Qr};

    #[test]
    fn codes_are_stable() {
        assert_eq!(Exit::Success as u8, 0);
        assert_eq!(Exit::Failure as u8, 1);
        assert_eq!(Exit::Usage as u8, 2);
        assert_eq!(Exit::NotFound as u8, 3);
    }

    #[test]
    fn errors_map_to_codes() {
        let bad_host = invitectl::Host::parse("a b").unwrap_err();
        assert_eq!(Exit::for_error(&bad_host), Exit::Usage);
        let bad_token = invitectl::Token::parse("%").unwrap_err();
        assert_eq!(Exit::for_error(&bad_token), Exit::Usage);
        assert_eq!(
            Exit::for_error(&Error::NotFound("x".into())),
            Exit::NotFound
        );
        assert_eq!(Exit::for_error(&Error::Random("x".into())), Exit::Failure);
        let unknown_scheme = invitectl::Location::parse("redis://db/0".as_ref()).unwrap_err();
        assert_eq!(Exit::for_error(&unknown_scheme), Exit::Usage);
        let busy = Error::Busy {
            store: "s".into(),
            reason: "r".into(),
        };
        assert_eq!(Exit::for_error(&busy), Exit::Failure);
    }

    #[test]
    fn qr_errors_are_usage_errors() {
        let too_long = match Qr::new(&"x".repeat(8000)) {
            Ok(_) => panic!("a link of 8000 bytes was encoded"),
            Err(error) => error,
        };
        assert_eq!(report(&too_long.into()), Exit::Usage);
        let bad_name = ImageFormat::from_path(Path::new("invite.gif")).unwrap_err();
        assert_eq!(report(&bad_name.into()), Exit::Usage);
    }
}
