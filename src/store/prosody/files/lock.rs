//! invitectl's own lock on a data folder: two invitectl processes writing
//! the same files (cron's `expire` and an admin's `generate`, say) take
//! turns instead of renaming each other's `<file>~` away or writing over
//! each other's changes. Prosody takes no lock and ignores this one;
//! against the server only the re-check before each rename helps.
//!
//! The lock is an advisory `flock` on the data folder itself, so that
//! nothing is added to the server's data, and the kernel releases it when
//! the process ends, killed or not.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How long a writer waits for another one: as long as SQL storage waits
/// for a busy database.
pub const WAIT: Duration = Duration::from_secs(10);

/// The lock, held as long as this lives.
pub struct WriteLock {
    _folder: File,
}

/// Takes the lock on `folder`, waiting at most `wait` for another
/// invitectl to release it.
pub fn lock(folder: &Path, wait: Duration) -> Result<WriteLock> {
    let io = |source| Error::Io {
        path: folder.to_owned(),
        source,
    };
    let file = File::open(folder).map_err(io)?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        // SAFETY: flock on a descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(WriteLock { _folder: file });
        }
        let err = std::io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EWOULDBLOCK) => {}
            Some(libc::EINTR) => continue,
            _ => return Err(io(err)),
        }
        if started.elapsed() >= wait {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "another invitectl is still writing here after {} s",
                    wait.as_secs_f64()
                ),
            )));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(16));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path(), WAIT).unwrap();
        // Another open of the folder is another lock holder, as another
        // process would be.
        let err = lock(dir.path(), Duration::from_millis(30))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("another invitectl"), "{err}");
        let waiter = {
            let path = dir.path().to_owned();
            std::thread::spawn(move || lock(&path, WAIT).map(|_| ()))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiter.is_finished(), "it did not wait");
        drop(first);
        waiter.join().unwrap().unwrap();
        // Nothing was added to the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
