//! Helpers shared by the reliability tests.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

use invitectl::token::TokenSource;
use invitectl::{Host, InviteRequest, Location, OpenMode};
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::common::{Store, HOST};

pub const BIN: &str = env!("CARGO_BIN_EXE_invitectl");

/// A seeded random generator; the seed comes from `INVITECTL_TEST_SEED`
/// when set (to replay a failure), else from the clock, and is printed.
pub fn rng(test: &str) -> StdRng {
    let seed = std::env::var("INVITECTL_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("{test}: seed {seed} (replay with INVITECTL_TEST_SEED={seed})");
    StdRng::seed_from_u64(seed)
}

/// Adds `count` invites to `store` through the library, created at
/// `created` with lifetime `ttl_secs`: in the past, they are expired.
pub fn seed_invites(store: &Path, count: u64, created: i64, ttl_secs: u64) {
    let host = Host::parse(HOST).unwrap();
    let mut db =
        invitectl::Store::open(&Location::Sqlite(store.into()), OpenMode::Existing).unwrap();
    let request = InviteRequest {
        ttl: Some(std::time::Duration::from_secs(ttl_secs)),
        ..InviteRequest::default()
    };
    let mut tokens = TokenSource::new();
    db.create(
        &host,
        count,
        || request.build_with_token(&host, created, tokens.next_token()?),
        |_| Ok(()),
    )
    .unwrap();
}

/// `PRAGMA integrity_check` of a store (opening it rolls a hot journal back).
pub fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    let rows: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.join("; ")
}

/// How many invite rows of HOST a store holds.
pub fn invite_count(store: &Store) -> i64 {
    store
        .conn()
        .query_row(
            "SELECT count(*) FROM prosody WHERE host = ?1 AND store = 'invite_token'",
            [HOST],
            |r| r.get(0),
        )
        .unwrap()
}

/// The tokens of HOST's invite rows.
pub fn tokens_in(store: &Store) -> std::collections::HashSet<String> {
    store
        .conn()
        .prepare("SELECT key FROM prosody WHERE host = ?1 AND store = 'invite_token'")
        .unwrap()
        .query_map([HOST], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The binary with a clean environment of invitectl's own variables.
pub fn command() -> Command {
    let mut cmd = Command::new(BIN);
    // An empty INVITECTL_CONFIG reads no configuration: the machine's own
    // /etc/prosody/prosody.cfg.lua stays out of the tests.
    cmd.env("INVITECTL_CONFIG", "")
        .env_remove("INVITECTL_STORE")
        .env_remove("INVITECTL_LANDING_PAGE")
        .env_remove("NO_COLOR");
    cmd
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

pub fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// The uid and gid of `nobody`, from /etc/passwd.
pub fn nobody() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    passwd
        .lines()
        .find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.first() == Some(&"nobody")).then(|| (f[2].parse().unwrap(), f[3].parse().unwrap()))
        })
        .unwrap_or((65534, 65534))
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
    // An empty INVITECTL_CONFIG reads no configuration: the machine's own
    // /etc/prosody/prosody.cfg.lua stays out of the tests.
    cmd.env("INVITECTL_CONFIG", "")
        .env_remove("INVITECTL_STORE")
        .env_remove("INVITECTL_LANDING_PAGE")
        .env_remove("NO_COLOR");
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

/// Checks a refusal: the exit code, nothing on stdout, one escaped line
/// on stderr starting `invitectl: `, no panic.
pub fn assert_one_line_error(out: &Output, code: i32, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{what}: stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.starts_with("invitectl: "), "{what}: {stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{what}: {stderr:?}");
    assert!(stderr.ends_with('\n'), "{what}: {stderr:?}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert_no_terminal_controls(&stderr[..stderr.len() - 1], what);
}

/// No control character (the final newline aside) or bidirectional
/// override reaches the terminal.
pub fn assert_no_terminal_controls(text: &str, what: &str) {
    let bad = text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert!(
        bad.is_none(),
        "{what}: {bad:?} reached the terminal in {text:?}"
    );
}

/// Says loudly that a test skipped its check, and why: straight to the
/// process's stderr, past libtest's capture of passing tests' output.
pub fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
}
