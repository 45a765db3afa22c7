//! What the database servers' connections share: the key of the lock
//! invitectl's writers take turns by, and trying a transaction again when
//! the server gives up on it.

use crate::error::{Error, Result};
use crate::jid::Host;

/// How many times a transaction is tried again after a deadlock, a
/// serialization failure or a lock wait that timed out.
pub const RETRIES: u32 = 3;

/// The key of the host's writer lock (an advisory lock on PostgreSQL, a
/// named lock on MySQL): a fixed hash (FNV-1a) of the host, so that every
/// invitectl computes the same one and no other program's lock is met.
pub fn lock_key(host: &Host) -> u64 {
    fnv1a(&[b"invitectl\0", host.as_str().as_bytes()].concat())
}

/// FNV-1a, 64 bits: tiny, fixed, and the same on every machine.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Runs `attempt` until it succeeds, fails for a reason `transient` does
/// not accept, or has been tried [`RETRIES`] more times, waiting a little
/// longer each time. `attempt` must have no effect outside its
/// transaction.
pub fn retrying<T>(
    mut attempt: impl FnMut() -> Result<T>,
    transient: impl Fn(&Error) -> bool,
) -> Result<T> {
    let mut tries = 0;
    loop {
        match attempt() {
            Err(e) if tries < RETRIES && transient(&e) => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20 << tries));
            }
            outcome => return outcome,
        }
    }
}

/// A connection to a database server, as invitectl writes through it.
pub trait Server: 'static {
    /// A write transaction on the connection.
    type Tx<'c>;

    /// Runs `work` in one transaction that holds the host's writer lock,
    /// and commits. `work` is given the database's name for its errors.
    fn write<T>(
        &mut self,
        host: &Host,
        work: impl FnOnce(&mut Self::Tx<'_>, &str) -> Result<T>,
    ) -> Result<T>;

    /// Whether a transaction that failed so may succeed if tried again
    /// (a deadlock, say).
    fn is_transient(error: &Error) -> bool;

    /// [`Server::write`], started again after a failure that
    /// [`Server::is_transient`] accepts. `work` must have no effect outside
    /// the transaction.
    fn write_retrying<T>(
        &mut self,
        host: &Host,
        mut work: impl FnMut(&mut Self::Tx<'_>, &str) -> Result<T>,
    ) -> Result<T> {
        retrying(|| self.write(host, &mut work), Self::is_transient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_fixed_and_differs_by_host() {
        let a = Host::parse("example.com").unwrap();
        let b = Host::parse("example.org").unwrap();
        assert_eq!(lock_key(&a), lock_key(&Host::parse("example.com").unwrap()));
        assert_ne!(lock_key(&a), lock_key(&b));
        assert_eq!(lock_key(&a), fnv1a(b"invitectl\0example.com"));
    }

    #[test]
    fn fnv1a_is_the_published_function() {
        // Its published test vectors: a change would let two versions of
        // invitectl write at once.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn transient_failures_are_tried_again_a_bounded_number_of_times() {
        let mut calls = 0;
        let out: Result<()> = retrying(
            || {
                calls += 1;
                Err(Error::InvalidRequest("busy".into()))
            },
            |_| true,
        );
        assert!(out.is_err());
        assert_eq!(calls, 1 + RETRIES);
        let mut calls = 0;
        let out = retrying(
            || {
                calls += 1;
                if calls < 3 {
                    Err(Error::InvalidRequest("busy".into()))
                } else {
                    Ok(calls)
                }
            },
            |_| true,
        );
        assert_eq!(out.unwrap(), 3);
        let mut calls = 0;
        let _ = retrying::<()>(
            || {
                calls += 1;
                Err(Error::NotFound("x".into()))
            },
            |_| false,
        );
        assert_eq!(calls, 1);
    }
}
