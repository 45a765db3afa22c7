//! Building the package once per test run, and reading it back with
//! dpkg-deb.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::tools::need;

/// One line of `dpkg-deb -c`: permissions, owner, size in bytes and the
/// absolute path (without a trailing slash for folders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub mode: String,
    pub owner: String,
    pub size: u64,
    pub path: String,
}

impl Entry {
    pub fn is_dir(&self) -> bool {
        self.mode.starts_with('d')
    }
}

/// Whether the tools that build and read a package are here (dpkg-dev,
/// binutils); says SKIPPED, or fails under CI, when not.
pub fn tools_present(test: &str) -> bool {
    need("dpkg-deb", "dpkg", test)
        && need("dpkg-shlibdeps", "dpkg-dev", test)
        && need("strip", "binutils", test)
}

/// The package made from the test build's binary by scripts/build-deb,
/// built on first use into the target folder.
pub fn package() -> &'static Path {
    static DEB: OnceLock<PathBuf> = OnceLock::new();
    DEB.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("package");
        let _ = std::fs::remove_dir_all(&out);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-deb");
        let built = Command::new(script)
            .args(["--binary", env!("CARGO_BIN_EXE_invitectl"), "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "build-deb failed: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        let path = PathBuf::from(String::from_utf8(built.stdout).unwrap().trim());
        assert!(path.is_file(), "build-deb printed {path:?}");
        assert_eq!(path.parent(), Some(out.as_path()));
        path
    })
}

/// `program args...`, which must succeed; its stdout.
pub fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What the package holds, as `dpkg-deb -c` lists it.
pub fn entries() -> Vec<Entry> {
    let deb = package().to_str().unwrap();
    run("dpkg-deb", &["-c", deb])
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert!(fields.len() == 6, "unexpected dpkg-deb -c line: {line}");
            let path = fields[5].trim_start_matches('.').trim_end_matches('/');
            Entry {
                mode: fields[0].to_owned(),
                owner: fields[1].to_owned(),
                size: fields[2].parse().unwrap(),
                path: if path.is_empty() {
                    "/".into()
                } else {
                    path.into()
                },
            }
        })
        .collect()
}

/// One field of the package's control file.
pub fn field(name: &str) -> String {
    run("dpkg-deb", &["-f", package().to_str().unwrap(), name])
        .trim()
        .to_owned()
}
