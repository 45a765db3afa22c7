//! What the throwaway database servers of the tests share: whether a
//! missing one is a skip or a failure, the user it runs as, a free port
//! and a password.

use std::io::Write;
use std::net::TcpListener;

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
        Err(Unavailable::Missing(why)) if required() => {
            panic!("{why} (CI=true: {what} is required)")
        }
        Err(Unavailable::Missing(why)) => {
            // Straight to the process's stderr: libtest captures eprintln!
            // of passing tests, and a skip must be seen.
            let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
            None
        }
    }
}

/// Whether a missing server must fail the test (on CI) rather than skip it.
fn required() -> bool {
    matches!(
        std::env::var("CI").as_deref(),
        Ok("true") | Ok("1") | Ok("yes")
    )
}

/// The (uid, gid) a server runs as: `user`, else `nobody`, when root (the
/// servers refuse to run as root); None to stay ourselves otherwise.
pub fn server_user(user: &str) -> Result<Option<(u32, u32)>, String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("/etc/passwd: {e}"))?;
    let lookup = |name: &str| {
        passwd.lines().find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() > 3 && f[0] == name)
                .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
                .flatten()
        })
    };
    lookup(user)
        .or_else(|| lookup("nobody"))
        .map(Some)
        .ok_or_else(|| format!("running as root, with neither a {user} nor a nobody user"))
}

pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("binding a free port")
        .port()
}

pub fn random_password() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}
