//! Running the binary on a store: from threads, on a path, and as
//! `nobody`.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::accounts::nobody;
use crate::support::binary::{self, command, BIN};
use crate::support::store::{Store, HOST};

/// What `--store` names for a store, with the environment it needs:
/// cheap to clone into threads.
#[derive(Clone)]
pub struct StoreArg {
    value: std::ffi::OsString,
    env: Vec<(&'static str, String)>,
}

impl StoreArg {
    pub fn of(store: &Store) -> StoreArg {
        let (value, env) = store.store_arg();
        StoreArg { value, env }
    }

    /// `invitectl --store STORE HOST args...`, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = command();
        cmd.arg("--store")
            .arg(&self.value)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .arg(HOST)
            .args(args);
        cmd
    }

    /// `invitectl --store STORE HOST args...`, run to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

/// `invitectl --store PATH HOST args...`, run to completion.
pub fn run(path: &Path, args: &[&str]) -> Output {
    command()
        .arg("--store")
        .arg(path)
        .arg(HOST)
        .args(args)
        .output()
        .unwrap()
}

/// A copy of the binary that `nobody` may run, wherever the build lives
/// (a checkout under /root is closed to other users).
fn binary_for_nobody() -> &'static Path {
    static COPY: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    &COPY
        .get_or_init(|| {
            use std::os::unix::fs::PermissionsExt;
            let dir = tempfile::tempdir().unwrap();
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let bin = dir.path().join("invitectl");
            std::fs::copy(BIN, &bin).unwrap();
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
            (dir, bin)
        })
        .1
}

/// The binary, run as `nobody` (the tests run as root, who ignores file
/// permissions); std drops supplementary groups as it switches.
pub fn as_nobody(path: &Path, args: &[&str]) -> Output {
    let (uid, gid) = nobody();
    let mut cmd = Command::new(binary_for_nobody());
    binary::clean(&mut cmd);
    cmd.uid(uid)
        .gid(gid)
        .arg("--store")
        .arg(path)
        .arg(HOST)
        .args(args)
        .output()
        .unwrap()
}

pub fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
}
