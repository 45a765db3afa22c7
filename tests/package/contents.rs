//! The package as built: its exact contents, that they are the committed
//! files, its control fields, and what lintian and systemd-analyze say.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::deb::{entries, field, package, run, tools_present};
use crate::tools::need;

/// Every file the package installs, and where it comes from in the
/// checkout (`None`: the binary; `.gz`: compressed).
pub const FILES: &[(&str, Option<&str>)] = &[
    ("/usr/bin/invitectl", None),
    (
        "/usr/share/man/man1/invitectl.1.gz",
        Some("man/invitectl.1"),
    ),
    (
        "/usr/share/bash-completion/completions/invitectl",
        Some("completions/invitectl.bash"),
    ),
    (
        "/usr/share/zsh/vendor-completions/_invitectl",
        Some("completions/_invitectl"),
    ),
    (
        "/usr/share/fish/vendor_completions.d/invitectl.fish",
        Some("completions/invitectl.fish"),
    ),
    (
        "/lib/systemd/system/invitectl-expire@.service",
        Some("packaging/invitectl-expire@.service"),
    ),
    (
        "/lib/systemd/system/invitectl-expire@.timer",
        Some("packaging/invitectl-expire@.timer"),
    ),
    (
        "/usr/share/lintian/overrides/invitectl",
        Some("packaging/lintian-overrides"),
    ),
    (
        "/usr/share/doc/invitectl/copyright",
        Some("packaging/copyright"),
    ),
    (
        "/usr/share/doc/invitectl/changelog.Debian.gz",
        Some("packaging/changelog"),
    ),
];

fn source(relative: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

#[test]
fn holds_exactly_the_binary_man_page_completions_units_and_docs() {
    if !tools_present("package_contents") {
        return;
    }
    let entries = entries();
    let files: BTreeSet<&str> = entries
        .iter()
        .filter(|e| !e.is_dir())
        .map(|e| e.path.as_str())
        .collect();
    let wanted: BTreeSet<&str> = FILES.iter().map(|(path, _)| *path).collect();
    assert_eq!(files, wanted);
    // The folders are exactly those leading to the files.
    let dirs: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.is_dir())
        .map(|e| e.path.as_str())
        .collect();
    let leading: BTreeSet<&str> = wanted
        .iter()
        .flat_map(|path| Path::new(path).ancestors().skip(1))
        .map(|p| p.to_str().unwrap())
        .collect();
    assert_eq!(dirs, leading);
    for entry in &entries {
        assert_eq!(entry.owner, "root/root", "{entry:?}");
        let mode = match entry.path.as_str() {
            _ if entry.is_dir() => "drwxr-xr-x",
            "/usr/bin/invitectl" => "-rwxr-xr-x",
            _ => "-rw-r--r--",
        };
        assert_eq!(entry.mode, mode, "{}", entry.path);
    }
}

#[test]
fn installs_the_committed_files_and_a_stripped_copy_of_this_build() {
    if !tools_present("package_files") || !need("readelf", "binutils", "package_files") {
        return;
    }
    let root = unpacked();
    for (path, from) in FILES {
        let installed = root.path().join(path.trim_start_matches('/'));
        let Some(from) = from else { continue };
        let content = if path.ends_with(".gz") {
            let out = Command::new("gzip")
                .arg("-dc")
                .arg(&installed)
                .output()
                .unwrap();
            assert!(out.status.success());
            // -n: no name or time in the header, so the same bytes each build.
            let header = std::fs::read(&installed).unwrap();
            assert_eq!(&header[4..8], [0; 4], "{path}: gzip without -n");
            out.stdout
        } else {
            std::fs::read(&installed).unwrap()
        };
        assert!(content == source(from), "{path} is not {from}");
    }
    let binary = root.path().join("usr/bin/invitectl");
    let sections = run("readelf", &["-S", "-W", binary.to_str().unwrap()]);
    assert!(!sections.contains(".symtab"), "the binary is not stripped");
    assert!(
        !sections.contains(".debug_info"),
        "the binary has debug info"
    );
    let version = |bin: &Path| run(bin.to_str().unwrap(), &["--version"]);
    assert_eq!(
        version(&binary),
        version(Path::new(env!("CARGO_BIN_EXE_invitectl")))
    );
}

/// The packages holding the shared libraries the test build links
/// against, as ldd resolves them here.
fn packages_of_linked_libraries() -> BTreeSet<String> {
    let ldd = run("ldd", &[env!("CARGO_BIN_EXE_invitectl")]);
    let libraries: Vec<&str> = ldd
        .lines()
        .filter_map(|l| {
            let path = l
                .split("=>")
                .nth(1)
                .unwrap_or(l)
                .split_whitespace()
                .next()?;
            path.starts_with('/').then_some(path)
        })
        .collect();
    assert!(libraries.len() >= 2, "{ldd}");
    libraries
        .iter()
        .map(|lib| {
            let owner = run("dpkg-query", &["-S", lib]);
            owner.split([':', ',']).next().unwrap().trim().to_owned()
        })
        .collect()
}

#[test]
fn control_has_the_crate_version_dpkg_architecture_and_computed_depends() {
    if !tools_present("package_control") {
        return;
    }
    assert_eq!(field("Package"), "invitectl");
    let version = field("Version");
    let revision = version
        .strip_prefix(concat!(env!("CARGO_PKG_VERSION"), "-"))
        .unwrap_or_else(|| panic!("Version {version} is not the crate's, with a revision"));
    assert!(
        !revision.is_empty()
            && revision
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.')
    );
    assert_eq!(
        field("Architecture"),
        run("dpkg", &["--print-architecture"]).trim()
    );
    // Depends: exactly the packages of the libraries the binary links,
    // each with the minimum version dpkg-shlibdeps computed.
    let depends = field("Depends");
    let named: BTreeSet<String> = depends
        .split(", ")
        .map(|d| {
            let (name, minimum) = d.split_once(" (>= ").unwrap_or_else(|| panic!("{d}"));
            assert!(minimum.ends_with(')'), "{d}");
            name.to_owned()
        })
        .collect();
    assert_eq!(named, packages_of_linked_libraries(), "Depends: {depends}");
    // Installed-Size as dpkg-gencontrol counts it: each file in whole
    // KiB, each folder as one.
    let size: u64 = field("Installed-Size").parse().unwrap();
    let counted: u64 = entries()
        .iter()
        .map(|e| if e.is_dir() { 1 } else { e.size.div_ceil(1024) })
        .sum();
    assert_eq!(size, counted);
}

#[test]
fn lintian_reports_no_error() {
    if !tools_present("package_lintian") || !need("lintian", "lintian", "package_lintian") {
        return;
    }
    let out = Command::new("lintian")
        .args(["--allow-root", "--no-tag-display-limit"])
        .arg(package())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let errors: Vec<&str> = report.lines().filter(|l| l.starts_with("E:")).collect();
    assert!(errors.is_empty(), "lintian:\n{report}");
    // lintian exits 2 when it could not check at all.
    assert!(
        out.status.code() != Some(2),
        "lintian failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_service_is_hardened() {
    if !tools_present("package_hardening")
        || !need("systemd-analyze", "systemd", "package_hardening")
    {
        return;
    }
    let root = unpacked();
    let unit = root
        .path()
        .join("lib/systemd/system/invitectl-expire@.service");
    // Exposure on systemd's scale of 0 to 10, times ten: 2.3 today ("OK");
    // a unit losing its sandboxing rises above 2.5 and fails.
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--threshold=25"])
        .arg(&unit)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The package's files, unpacked into a new temporary folder.
fn unpacked() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    run(
        "dpkg-deb",
        &[
            "-x",
            package().to_str().unwrap(),
            root.path().to_str().unwrap(),
        ],
    );
    root
}
