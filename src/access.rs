//! What this process may do to a file, as the kernel answers for its
//! effective user and groups.
//!
//! `check-config` says whether the store is writable before anything is
//! written. Reading mode bits misses root, access control lists,
//! read-only mounts and supplementary groups unless each is redone by
//! hand; the kernel's `faccessat` with `AT_EACCESS` applies the same rules
//! a write would meet, for the effective ids (the ones a write runs as,
//! which differ from the real ones after a switch to the store's owner).

use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The effective user id of this process: the one its files are created
/// as and its access is checked for.
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid takes no arguments, cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

/// The effective group id of this process.
pub fn effective_gid() -> u32 {
    // SAFETY: getegid takes no arguments, cannot fail and touches no memory.
    unsafe { libc::getegid() }
}

/// Whether this process may write to `path` (for a folder: create and
/// remove files in it), without writing anything. `Ok(false)` when the
/// kernel refuses (permissions, a read-only mount, an immutable file); an
/// error when there is no answer, such as when `path` does not exist.
pub fn may_write(path: &Path) -> io::Result<bool> {
    let path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path with a NUL byte"))?;
    may_write_c(&path)
}

/// [`may_write`] on a path already in C's form; it allocates nothing, so a
/// forked child may call it.
fn may_write_c(path: &CStr) -> io::Result<bool> {
    // SAFETY: `path` is NUL-terminated and outlives the call.
    let answer =
        unsafe { libc::faccessat(libc::AT_FDCWD, path.as_ptr(), libc::W_OK, libc::AT_EACCESS) };
    if answer == 0 {
        return Ok(true);
    }
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::EACCES | libc::EPERM | libc::EROFS | libc::ETXTBSY) => Ok(false),
        _ => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::{chown, PermissionsExt};

    use super::*;

    /// `nobody` and `nogroup` on Debian; the ids need no name to work.
    const NOBODY: u32 = 65_534;
    const NOGROUP: u32 = 65_534;
    /// A group `nobody` is not in.
    const OTHER_GROUP: u32 = 65_533;

    /// A file in a folder everyone may enter, with `mode`, owned by
    /// `owner` when running as root.
    fn file(dir: &Path, name: &str, mode: u32, owner: Option<(u32, u32)>) -> std::path::PathBuf {
        let path = dir.join(name);
        fs::write(&path, b"x").unwrap();
        if let Some((uid, gid)) = owner {
            chown(&path, Some(uid), Some(gid)).unwrap();
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        // tempdir makes it 0700: the other user must be able to look in.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    /// What [`may_write`] answers in a child process whose effective ids
    /// are `uid`, `gid` and `groups`; its real ids stay root's, so an
    /// answer for the real ids would show. `None` when the child failed.
    fn answer_as(uid: u32, gid: u32, groups: &[u32], path: &Path) -> Option<io::Result<bool>> {
        let path = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: the child only makes system calls on memory made before
        // the fork, then leaves with _exit; the parent waits for it.
        unsafe {
            let child = libc::fork();
            assert!(child >= 0, "fork: {}", io::Error::last_os_error());
            if child == 0 {
                let switched = libc::setgroups(groups.len(), groups.as_ptr()) == 0
                    && libc::setegid(gid) == 0
                    && libc::seteuid(uid) == 0;
                let code = match switched.then(|| may_write_c(&path)) {
                    Some(Ok(true)) => 10,
                    Some(Ok(false)) => 11,
                    Some(Err(_)) => 12,
                    None => 13,
                };
                libc::_exit(code);
            }
            let mut status = 0;
            assert_eq!(libc::waitpid(child, &mut status, 0), child);
            assert!(libc::WIFEXITED(status), "the child died: {status}");
            match libc::WEXITSTATUS(status) {
                10 => Some(Ok(true)),
                11 => Some(Ok(false)),
                12 => Some(Err(io::Error::other("no answer"))),
                _ => None,
            }
        }
    }

    fn skip_unless_root(test: &str) -> bool {
        if effective_uid() == 0 {
            return false;
        }
        println!("SKIPPED {test}: needs root, to act as another user in a child process");
        true
    }

    #[test]
    fn another_users_read_only_file_is_not_writable() {
        if skip_unless_root("another_users_read_only_file_is_not_writable") {
            return;
        }
        let dir = folder();
        let read_only = file(dir.path(), "ro", 0o400, Some((NOBODY, NOGROUP)));
        let writable = file(dir.path(), "rw", 0o600, Some((NOBODY, NOGROUP)));
        // Root may write to any file on a writable mount.
        assert!(may_write(&read_only).unwrap());
        // Its owner may not write without the write bit, even with real
        // ids that are root's.
        let as_nobody = |path| answer_as(NOBODY, NOGROUP, &[NOGROUP], path).unwrap();
        assert!(!as_nobody(&read_only).unwrap());
        assert!(as_nobody(&writable).unwrap());
        // Another user may not write the owner's 0600 file.
        assert!(!answer_as(NOBODY - 1, NOGROUP, &[], &writable)
            .unwrap()
            .unwrap());
    }

    #[test]
    fn supplementary_groups_count() {
        if skip_unless_root("supplementary_groups_count") {
            return;
        }
        let dir = folder();
        let group_writable = file(dir.path(), "g", 0o060, Some((0, OTHER_GROUP)));
        let with = answer_as(NOBODY, NOGROUP, &[NOGROUP, OTHER_GROUP], &group_writable);
        assert!(with.unwrap().unwrap());
        let without = answer_as(NOBODY, NOGROUP, &[NOGROUP], &group_writable);
        assert!(!without.unwrap().unwrap());
    }

    #[test]
    fn folders_are_asked_about_creating_files() {
        if skip_unless_root("folders_are_asked_about_creating_files") {
            return;
        }
        let dir = folder();
        let shut = dir.path().join("shut");
        fs::create_dir(&shut).unwrap();
        // Root's 0755 folder: others may enter it, not create files in it.
        assert!(!answer_as(NOBODY, NOGROUP, &[], &shut).unwrap().unwrap());
        fs::set_permissions(&shut, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(answer_as(NOBODY, NOGROUP, &[], &shut).unwrap().unwrap());
    }

    #[test]
    fn mode_bits_decide_for_a_user_that_is_not_root() {
        if effective_uid() == 0 {
            // As root the kernel grants writes regardless of the mode; the
            // same cases run as another user in the tests above.
            println!("SKIPPED mode_bits_decide_for_a_user_that_is_not_root: runs only as a user that is not root");
            return;
        }
        let dir = folder();
        assert!(!may_write(&file(dir.path(), "ro", 0o400, None)).unwrap());
        assert!(may_write(&file(dir.path(), "rw", 0o600, None)).unwrap());
        let shut = dir.path().join("shut");
        fs::create_dir(&shut).unwrap();
        fs::set_permissions(&shut, fs::Permissions::from_mode(0o500)).unwrap();
        assert!(!may_write(&shut).unwrap());
        assert!(may_write(dir.path()).unwrap());
    }

    #[test]
    fn a_missing_path_has_no_answer() {
        let dir = folder();
        let error = may_write(&dir.path().join("missing")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        let error = may_write(Path::new("a\0b")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }
}
