//! Sets INVITECTL_LONG_VERSION for `invitectl --version`: the package
//! version, and the commit it was built from when that is known (a git
//! checkout of this crate, or the `.cargo_vcs_info.json` that `cargo
//! package` writes). Without either, just the version; never an error.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap();
    let commit = from_git(&manifest).or_else(|| from_vcs_info(&manifest));
    let long = match commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=INVITECTL_LONG_VERSION={long}");
}

/// `git` run in the crate's folder; its trimmed stdout when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// The short commit and its date, as `0123abcd 2026-01-31`, when the crate
/// is the top of a git checkout (not a crate unpacked inside another
/// project's repository). Reruns when HEAD or the branch it names moves.
fn from_git(manifest: &Path) -> Option<String> {
    let top = git(manifest, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != manifest.canonicalize().ok()? {
        return None;
    }
    let branch = git(manifest, &["symbolic-ref", "-q", "HEAD"]);
    let watched = ["HEAD", "logs/HEAD", "packed-refs"]
        .into_iter()
        .chain(branch.as_deref());
    for file in watched {
        let path = git(
            manifest,
            &["rev-parse", "--path-format=absolute", "--git-path", file],
        );
        // Cargo reruns on every build while a watched file is missing.
        if let Some(path) = path.filter(|p| Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    git(manifest, &["log", "-1", "--format=%h %cs"])
}

/// The commit `cargo package` recorded, for a build from crates.io.
fn from_vcs_info(manifest: &Path) -> Option<String> {
    let info = std::fs::read_to_string(manifest.join(".cargo_vcs_info.json")).ok()?;
    let sha = info.split("\"sha1\"").nth(1)?.split('"').nth(1)?;
    (sha.len() >= 12 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then(|| sha[..12].to_owned())
}
