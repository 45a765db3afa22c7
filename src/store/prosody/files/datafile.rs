//! Reading and rewriting one of Prosody's data files as Prosody does:
//! `return <table>;`, written to a scratch file beside it, synced, renamed
//! over the file.
//!
//! Prosody's scratch file is `<file>~`; invitectl's is `<file>.invitectl~`,
//! so that the two never write into one file: Prosody opens its scratch
//! file truncating whatever is there, and two writers in one scratch file
//! can rename a mix of both into place, which no one can load. Neither name
//! ends in `.dat`, so neither is ever read as a user's file.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::lua::{self, Table, Value};

/// How often a rewrite starts over because the file changed under it
/// before giving up.
const ATTEMPTS: usize = 20;

/// What tells one version of a file from another: a rewrite by Prosody
/// makes a new inode, a write in place changes the size or times.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// Who owns the files and folders invitectl creates, and with which mode.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    /// The owner of the data folder.
    pub uid: u32,
    /// Its group.
    pub gid: u32,
    /// Whether this process may give files away (it runs as root).
    pub root: bool,
}

/// One version of a data file as read.
pub struct Snapshot {
    /// Its table; an empty one when there is no file.
    pub table: Table,
    /// `None` when there is no file.
    meta: Option<std::fs::Metadata>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// The table in the file at `path`; an empty one when there is no file.
#[cfg(test)]
pub fn load(path: &Path) -> Result<Table> {
    read(path).map(|s| s.table)
}

/// The file at `path` as it is now.
pub fn read(path: &Path) -> Result<Snapshot> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Snapshot {
                table: Table::new(),
                meta: None,
            })
        }
        Err(e) => return Err(io(path)(e)),
    };
    let meta = file.metadata().map_err(io(path))?;
    if !meta.is_file() {
        return Err(Error::DataFile {
            path: path.to_owned(),
            reason: "not a regular file".into(),
        });
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io(path))?;
    let table = match lua::parse(&bytes) {
        Ok(Value::Table(table)) => table,
        Ok(other) => {
            return Err(Error::DataFile {
                path: path.to_owned(),
                reason: format!("it returns a {}, not a table", other.type_name()),
            })
        }
        Err(e) => {
            return Err(Error::DataFile {
                path: path.to_owned(),
                reason: e.to_string(),
            })
        }
    };
    Ok(Snapshot {
        table,
        meta: Some(meta),
    })
}

fn stamp_now(path: &Path) -> Result<Option<Stamp>> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => Ok(Some(Stamp::of(&meta))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// Reads the file at `path` (or starts from `first`, a version read
/// earlier), lets `change` change its table (it returns whether it did),
/// and writes the result back as Prosody would, or removes the file when
/// the table became empty.
///
/// Just before the rename the file is looked at again: when it is no
/// longer the version changed, the new one is read and `change` applied
/// to it anew, so `change` must be repeatable. That same look covers
/// `first`, however old it is.
pub fn update(
    path: &Path,
    owner: Owner,
    mut first: Option<Snapshot>,
    mut change: impl FnMut(&mut Table) -> bool,
) -> Result<()> {
    for _ in 0..ATTEMPTS {
        let Snapshot { mut table, meta } = match first.take() {
            Some(snapshot) => snapshot,
            None => read(path)?,
        };
        let stamp = meta.as_ref().map(Stamp::of);
        if !change(&mut table) {
            return Ok(());
        }
        if table.is_empty() {
            if stamp.is_none() {
                return Ok(());
            }
            if stamp_now(path)? != stamp {
                continue;
            }
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(path)(e)),
            }
            return sync_folder(path);
        }
        let text = lua::to_prosody_bytes(&Value::Table(table)).map_err(|e| Error::DataFile {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let scratch = scratch_path(path);
        write_scratch(&scratch, &text, meta.as_ref(), owner)?;
        if stamp_now(path)? != stamp {
            let _ = std::fs::remove_file(&scratch);
            continue;
        }
        if let Err(e) = std::fs::rename(&scratch, path) {
            let _ = std::fs::remove_file(&scratch);
            return Err(io(path)(e));
        }
        return sync_folder(path);
    }
    Err(Error::Io {
        path: path.to_owned(),
        source: std::io::Error::other(format!(
            "the file changed while it was being rewritten, {ATTEMPTS} times in a row"
        )),
    })
}

/// `<file>.invitectl~`: invitectl's own scratch name (see the module doc);
/// invitectl's lock keeps its processes from sharing it.
fn scratch_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".invitectl~");
    PathBuf::from(name)
}

/// Writes and syncs the scratch file, with the owner and mode of the file
/// it replaces, or for a new file 0640 and the data folder's owner.
fn write_scratch(
    scratch: &Path,
    bytes: &[u8],
    old: Option<&std::fs::Metadata>,
    owner: Owner,
) -> Result<()> {
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(scratch)
            .map_err(io(scratch))?;
        let (mode, uid, gid) = match old {
            Some(meta) => (meta.mode() & 0o7777, meta.uid(), meta.gid()),
            None => (0o640, owner.uid, owner.gid),
        };
        let made = file.metadata().map_err(io(scratch))?;
        if (made.uid(), made.gid()) != (uid, gid) {
            let given = std::os::unix::fs::fchown(&file, Some(uid), Some(gid));
            // A file invitectl creates goes to the folder's owner only when
            // it runs as root; a file it replaces must keep its owner.
            if given.is_err() && (old.is_some() || owner.root) {
                given.map_err(io(scratch))?;
            }
        }
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io(scratch))?;
        file.write_all(bytes).map_err(io(scratch))?;
        file.sync_all().map_err(io(scratch))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(scratch);
    }
    result
}

/// Makes the rename (or removal) of `path` durable.
fn sync_folder(path: &Path) -> Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    File::open(folder)
        .and_then(|f| f.sync_all())
        .map_err(io(folder))
}

/// Creates the folder `path` (its parent must exist) as Prosody would:
/// 0750, owned by the data folder's owner when running as root.
pub fn make_folder(path: &Path, owner: Owner) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o750).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(io(path)(e)),
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o750)).map_err(io(path))?;
    if owner.root {
        std::os::unix::fs::chown(path, Some(owner.uid), Some(owner.gid)).map_err(io(path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Owner {
        let meta = std::fs::metadata(".").unwrap();
        Owner {
            uid: meta.uid(),
            gid: meta.gid(),
            root: false,
        }
    }

    #[test]
    fn writes_as_prosody_and_removes_empty_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dat");
        update(&path, me(), None, |t| {
            t.insert("k", 5);
            true
        })
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "return {\n\t[\"k\"] = 5;\n};\n"
        );
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o640);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        update(&path, me(), None, |t| {
            t.insert("j", 6);
            true
        })
        .unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        update(&path, me(), None, |t| {
            t.remove("k");
            t.remove("j");
            true
        })
        .unwrap();
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_file_that_does_not_parse_is_named_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dat");
        std::fs::write(&path, "return {\n\t[\"k\"] = ;\n};\n").unwrap();
        let err = update(&path, me(), None, |_| true).unwrap_err().to_string();
        assert!(err.contains("s.dat") && err.contains("line 2"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "return {\n\t[\"k\"] = ;\n};\n"
        );
        assert!(!scratch_path(&path).exists());
    }

    /// `<file>~`, the server's scratch file.
    fn server_scratch(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push("~");
        PathBuf::from(name)
    }

    #[test]
    fn the_servers_scratch_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dat");
        std::fs::write(&path, "return {a = 1};\n").unwrap();
        // The server is half-way through writing its next version.
        std::fs::write(server_scratch(&path), "return {a = 1; b").unwrap();
        update(&path, me(), None, |t| {
            t.insert("c", 3);
            true
        })
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(server_scratch(&path)).unwrap(),
            "return {a = 1; b"
        );
        let table = load(&path).unwrap();
        assert!(table.contains_key("a") && table.contains_key("c"));
        assert!(!scratch_path(&path).exists());
    }

    #[test]
    fn a_version_read_earlier_is_checked_before_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dat");
        std::fs::write(&path, "return {a = 1};\n").unwrap();
        let early = read(&path).unwrap();
        // The server rewrites the file after that read.
        server_rewrites(&path);
        let mut runs = 0;
        update(&path, me(), Some(early), |t| {
            runs += 1;
            t.insert("c", 3);
            true
        })
        .unwrap();
        assert_eq!(runs, 2);
        assert_has_the_servers_version_and_the_change(&path);
    }

    /// The server replaces the file's `a` with `b`.
    fn server_rewrites(path: &Path) {
        std::fs::write(server_scratch(path), "return {b = 2};\n").unwrap();
        std::fs::rename(server_scratch(path), path).unwrap();
    }

    fn assert_has_the_servers_version_and_the_change(path: &Path) {
        let table = load(path).unwrap();
        assert!(table.contains_key("b") && table.contains_key("c") && !table.contains_key("a"));
    }

    #[test]
    fn a_change_under_the_rewrite_is_applied_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dat");
        std::fs::write(&path, "return {a = 1};\n").unwrap();
        let mut runs = 0;
        update(&path, me(), None, |t| {
            runs += 1;
            if runs == 1 {
                // The server rewrites the file meanwhile.
                server_rewrites(&path);
            }
            t.insert("c", 3);
            true
        })
        .unwrap();
        assert_eq!(runs, 2);
        assert_has_the_servers_version_and_the_change(&path);
    }
}
