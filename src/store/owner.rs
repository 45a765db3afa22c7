//! Refusing a store path that is a symlink someone else planted.
//!
//! invitectl runs as root or as the server's user, often from cron, on a
//! path in a folder the server's user may write to. A symlink there could
//! send its writes into a file that belongs to someone else. The rule:
//! when the path is a symlink (or a chain of them), the file it leads to
//! must belong to the user running invitectl, unless that user is root
//! (who runs it on the server's files by design); and every link on the
//! way must belong to root, to the user running invitectl, or to the
//! file's owner. Only the path's last component is followed here;
//! folders on the way are trusted as the operating system resolves them.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Links followed before giving up, as the kernel does (`ELOOP`).
const MAX_LINKS: usize = 40;

pub(crate) use crate::access::effective_uid;

/// Refuses `path` when it is a symlink that breaks the rule above. A path
/// that is no symlink, or leads nowhere, is left to the caller.
pub(crate) fn check_store_path(path: &Path) -> Result<()> {
    check(path, effective_uid())
}

fn check(path: &Path, uid: u32) -> Result<()> {
    let refuse = |reason: String| Error::Io {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, reason),
    };
    let mut link_owners = Vec::new();
    let mut current = path.to_path_buf();
    loop {
        let Ok(meta) = std::fs::symlink_metadata(&current) else {
            return Ok(());
        };
        if !meta.file_type().is_symlink() {
            break;
        }
        if link_owners.len() == MAX_LINKS {
            return Err(refuse("too many levels of symbolic links".into()));
        }
        link_owners.push(meta.uid());
        let Ok(target) = std::fs::read_link(&current) else {
            return Ok(());
        };
        current = resolve(&current, target);
    }
    if link_owners.is_empty() {
        return Ok(());
    }
    let Ok(file) = std::fs::metadata(path) else {
        return Ok(());
    };
    if uid != 0 && file.uid() != uid {
        return Err(refuse(format!(
            "refusing a store that is a symlink to a file of another user (uid {})",
            file.uid()
        )));
    }
    if let Some(owner) = link_owners
        .iter()
        .find(|&&owner| owner != 0 && owner != uid && owner != file.uid())
    {
        return Err(refuse(format!(
            "refusing a store reached through a symlink of another user (uid {owner})"
        )));
    }
    Ok(())
}

/// Where a link's target is: relative targets are relative to the link's
/// folder.
fn resolve(link: &Path, target: PathBuf) -> PathBuf {
    if target.is_absolute() {
        target
    } else {
        link.parent().unwrap_or(Path::new("")).join(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_files_and_missing_paths_pass() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.sqlite");
        std::fs::write(&file, b"").unwrap();
        assert!(check(&file, 12345).is_ok());
        assert!(check(&dir.path().join("missing"), 12345).is_ok());
    }

    #[test]
    fn a_link_to_another_users_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.sqlite");
        std::fs::write(&file, b"").unwrap();
        let link = dir.path().join("link.sqlite");
        std::os::unix::fs::symlink("s.sqlite", &link).unwrap();
        let me = std::fs::symlink_metadata(&link).unwrap().uid();
        // Run by the owner of both: fine. By another user: refused.
        assert!(check(&link, me).is_ok());
        let err = check(&link, me + 1).unwrap_err().to_string();
        assert!(err.contains("a file of another user"), "{err}");
        let chain = dir.path().join("chain.sqlite");
        std::os::unix::fs::symlink(&link, &chain).unwrap();
        assert!(check(&chain, me).is_ok());
        assert!(check(&chain, me + 1).is_err());
    }

    #[test]
    fn a_loop_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(check(&a, 0).is_err());
    }
}
