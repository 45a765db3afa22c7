//! The users the tests run things as: whether they run as root, and the
//! ids of a system user (the servers refuse to run as root).

/// Whether the tests run as root (effective uid 0).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The (uid, gid) of the user `name`, from /etc/passwd.
pub fn ids_of(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() > 3 && f[0] == name)
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
            .flatten()
    })
}

/// The uid and gid of `nobody` (Debian's 65534 when /etc/passwd has none).
pub fn nobody() -> (u32, u32) {
    ids_of("nobody").unwrap_or((65534, 65534))
}
