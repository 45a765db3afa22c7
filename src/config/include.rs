//! Where an `Include` points: paths relative to the including file's
//! folder, and a wildcard in the last part of the path, as Prosody's
//! configmanager resolves them.

use std::path::{Path, PathBuf};

/// The files `Include "target"` in `including_file` reads, in order.
///
/// Without `*` or `?` that is the one path (whether it exists or not).
/// Otherwise the last path component is a pattern (`*` any bytes, `?` one
/// byte) matched against the names in its folder, skipping names starting
/// with `.`; matches are sorted by name (Prosody takes them in directory
/// order, which the file system decides).
pub(crate) fn resolve(including_file: &Path, target: &str) -> Result<Vec<PathBuf>, String> {
    let base = including_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !target.contains(['*', '?']) {
        return Ok(vec![relative_to(base, target)]);
    }
    let (folder, pattern) = match target.rsplit_once('/') {
        Some((folder, pattern)) => (
            relative_to(base, if folder.is_empty() { "/" } else { folder }),
            pattern,
        ),
        None => (base.to_path_buf(), target),
    };
    let entries = std::fs::read_dir(&folder).map_err(|e| {
        format!(
            "cannot list {} for Include {target:?}: {e}",
            folder.display()
        )
    })?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", folder.display()))?;
        let name = entry.file_name();
        let bytes = name.as_encoded_bytes();
        if !bytes.starts_with(b".") && glob_match(pattern.as_bytes(), bytes) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names.into_iter().map(|n| folder.join(n)).collect())
}

/// `path` against `base` unless absolute, with a leading `./` dropped
/// (Prosody's `resolve_relative_path`).
fn relative_to(base: &Path, path: &str) -> PathBuf {
    let path = match path.strip_prefix('.') {
        Some(rest) if rest.starts_with('/') => rest.trim_start_matches('/'),
        _ => path,
    };
    if path.starts_with('/') {
        PathBuf::from(path)
    } else {
        base.join(path)
    }
}

/// Whether `name` matches `pattern`, where `*` is any run of bytes and `?`
/// any one byte (the Lua pattern Prosody builds from the glob).
fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    // Greedy matching with one backtrack point: the last `*` seen.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == b'?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"*.cfg.lua", b"localhost.cfg.lua"));
        assert!(glob_match(b"*", b"x"));
        assert!(glob_match(b"a?c*", b"abc"));
        assert!(glob_match(b"*a*b", b"xaxxab"));
        assert!(!glob_match(b"*.cfg.lua", b"localhost.cfg.lua.bak"));
        assert!(!glob_match(b"a?c", b"ac"));
        assert!(glob_match(b"", b""));
        assert!(!glob_match(b"", b"a"));
    }

    #[test]
    fn relative_paths() {
        let base = Path::new("/etc/prosody");
        assert_eq!(
            relative_to(base, "./conf.d/x.lua"),
            base.join("conf.d/x.lua")
        );
        assert_eq!(relative_to(base, "/srv/x.lua"), PathBuf::from("/srv/x.lua"));
        let file = Path::new("/etc/prosody/prosody.cfg.lua");
        assert_eq!(resolve(file, "a.lua"), Ok(vec![base.join("a.lua")]));
        assert_eq!(
            resolve(Path::new("prosody.cfg.lua"), "a.lua"),
            Ok(vec![PathBuf::from("./a.lua")])
        );
    }

    #[test]
    fn wildcards_list_the_folder_sorted_without_dot_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["b.cfg.lua", "a.cfg.lua", ".hidden.cfg.lua", "c.txt"] {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        std::fs::create_dir(dir.path().join("conf.d")).expect("mkdir");
        std::fs::write(dir.path().join("conf.d/x.cfg.lua"), "").expect("write");
        let main = dir.path().join("prosody.cfg.lua");
        assert_eq!(
            resolve(&main, "*.cfg.lua"),
            Ok(vec![
                dir.path().join("a.cfg.lua"),
                dir.path().join("b.cfg.lua")
            ])
        );
        assert_eq!(
            resolve(&main, "conf.d/*.cfg.lua"),
            Ok(vec![dir.path().join("conf.d/x.cfg.lua")])
        );
        assert!(resolve(&main, "missing/*.cfg.lua").is_err());
    }
}
