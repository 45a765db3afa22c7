//! Acting as the server's user. Run as root on the server's store,
//! invitectl becomes the store's owner before it touches it, as prosodyctl
//! does, so that it never leaves a root-owned file (a SQLite journal, a
//! new database, a `.dat` or its `~`) where the server must write.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{anyhow, Result};
use invitectl::access::{effective_gid, effective_uid};
use invitectl::Location;

/// When running as root and the store (or, for a SQLite file not made
/// yet, its folder) belongs to another user, switches this process to
/// that user and the store's group for good. Anything else is left as it
/// is. Fails, before anything is written, when the switch does not take.
pub fn become_store_owner(location: &Location) -> Result<()> {
    if effective_uid() != 0 {
        return Ok(());
    }
    let Some(meta) = owner_of(location) else {
        return Ok(());
    };
    let (uid, gid) = (meta.uid(), meta.gid());
    if uid == 0 {
        return Ok(());
    }
    // Groups first: once the user is switched, they can no longer change.
    // SAFETY: plain system calls on integers and a one-element array that
    // outlives the call.
    let switched = unsafe {
        libc::setgroups(1, &gid) == 0 && libc::setgid(gid) == 0 && libc::setuid(uid) == 0
    };
    if !switched || effective_uid() != uid || effective_gid() != gid {
        return Err(anyhow!(
            "cannot act as the store's owner (uid {uid}, gid {gid}): {}",
            io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// The store's metadata, or its folder's when a SQLite file is still to
/// be made; `None` when neither exists, or the store is a database
/// server's.
fn owner_of(location: &Location) -> Option<std::fs::Metadata> {
    let path = location.path()?;
    std::fs::metadata(path)
        .ok()
        .or_else(|| parent(path).and_then(|p| std::fs::metadata(p).ok()))
}

fn parent(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}
