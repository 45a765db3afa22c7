//! What the throwaway database servers of the tests share: whether a
//! missing one is a skip or a failure, the user it runs as, and a
//! password.

use super::{accounts, skip};

/// Why a server is not there.
pub enum Unavailable {
    /// Not installed here: a skip, unless on CI.
    Missing(String),
    /// Installed but it did not start: always a failure.
    Failed(String),
}

/// The server `started` holds; None (after printing why) when `what` is
/// not installed and the tests are not running on CI. Panics when it is
/// installed but did not start, or is missing on CI.
pub fn available<T>(what: &str, started: &'static Result<T, Unavailable>) -> Option<&'static T> {
    match started {
        Ok(server) => Some(server),
        Err(Unavailable::Failed(why)) => panic!("the test {what} server: {why}"),
        Err(Unavailable::Missing(why)) if skip::required() => {
            panic!("{why} (CI=true: {what} is required)")
        }
        Err(Unavailable::Missing(why)) => {
            skip::skipped(why);
            None
        }
    }
}

/// The (uid, gid) a server runs as: `user`, else `nobody`, when root (the
/// servers refuse to run as root); None to stay ourselves otherwise.
pub fn server_user(user: &str) -> Result<Option<(u32, u32)>, String> {
    if !accounts::is_root() {
        return Ok(None);
    }
    accounts::ids_of(user)
        .or_else(|| accounts::ids_of("nobody"))
        .map(Some)
        .ok_or_else(|| format!("running as root, with neither a {user} nor a nobody user"))
}

pub fn random_password() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}
