//! Secrets: where tokens come from, how random they are, who can read the
//! store, where tokens are printed, and symlinks into other users' files.

use std::collections::HashSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use invitectl::token::{TokenSource, TOKEN_LEN};

use super::refusals::*;
use super::running::*;
use super::store_state::*;
use crate::support::accounts::{is_root, nobody};
use crate::support::binary::command;
use crate::support::skip::skipped;
use crate::support::{
    output::token_of,
    store::{Schema, Store, HOST},
};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A run of a million tokens from the source `generate --count 1000000`
/// uses: all distinct, and
/// every position spread evenly over the 64 characters (a chi-squared test
/// per position; 63 degrees of freedom, so 150 is far in the tail: about
/// one chance in 10^11 for a good generator, and any bias or stuck bit
/// shows as thousands).
#[test]
fn a_million_tokens_are_distinct_and_uniform() {
    const N: usize = 1_000_000;
    let mut index = [255u8; 256];
    for (i, &c) in ALPHABET.iter().enumerate() {
        index[c as usize] = i as u8;
    }
    let mut counts = vec![[0u32; 64]; TOKEN_LEN];
    let mut seen = HashSet::with_capacity(N);
    let mut source = TokenSource::for_count(N as u64);
    for _ in 0..N {
        let token = source.next_token().unwrap();
        let bytes: [u8; TOKEN_LEN] = token.as_str().as_bytes().try_into().unwrap();
        for (pos, &b) in bytes.iter().enumerate() {
            let i = index[b as usize];
            assert!(i < 64, "{b} is outside the alphabet");
            counts[pos][i as usize] += 1;
        }
        assert!(seen.insert(bytes), "a token repeated");
    }
    assert_even(&counts, N, "position");
}

/// The token of a single invite (what `generate` makes by default) is
/// evenly spread too, in its first and last characters, over 4,000 runs.
/// The bulk source hands out sorted blocks (for the index's sake); one
/// that sorted a block of 256 and handed out the smallest would fail
/// here.
#[test]
fn the_token_of_a_single_invite_is_as_random_as_any() {
    const N: usize = 4_000;
    let mut counts = [[0u32; 64]; 2];
    for _ in 0..N {
        let token = TokenSource::for_count(1).next_token().unwrap();
        let bytes = token.as_str().as_bytes();
        for (pos, &b) in [bytes[0], bytes[TOKEN_LEN - 2]].iter().enumerate() {
            let i = ALPHABET.iter().position(|&c| c == b).unwrap();
            counts[pos][i] += 1;
        }
    }
    assert_even(&counts, N, "character");
}

/// Each row of counts, from `n` draws over the 64 characters, passes a
/// chi-squared test (63 degrees of freedom, so 150 is far in the tail).
fn assert_even(counts: &[[u32; 64]], n: usize, what: &str) {
    let expected = n as f64 / 64.0;
    for (pos, row) in counts.iter().enumerate() {
        let chi2: f64 = row
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 150.0, "{what} {pos}: chi-squared {chi2:.1}");
    }
}

/// Tokens come only from the operating system's CSPRNG: the library's
/// source names no other generator, and only `token.rs` draws randomness.
#[test]
fn tokens_come_only_from_the_os_csprng() {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 10);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for other in [
            "thread_rng",
            "rand::rng(",
            "StdRng",
            "SmallRng",
            "ThreadRng",
            "from_entropy",
            "from_os_rng",
            "seed_from_u64",
            "rand::random",
            "fastrand",
            "getrandom",
        ] {
            assert!(!text.contains(other), "{}: uses {other}", file.display());
        }
        if text.contains("OsRng") {
            assert!(file.ends_with("src/token.rs"), "{}", file.display());
        }
    }
}

/// A new store is created 0600 even with a umask of 0, in a folder of
/// mode 0700 when it makes one, and the journal
/// SQLite writes beside it while a transaction is open has the same mode.
#[test]
fn a_new_store_and_its_journal_are_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("new.sqlite");
    let journal = path.with_extension("sqlite-journal");
    let mut child = command();
    child
        .arg("--store")
        .arg(&path)
        .args([HOST, "generate", "--count", "200000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: umask is async-signal-safe and touches no memory.
    unsafe {
        child.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    let mut child = child.spawn().unwrap();
    let started = Instant::now();
    let mut journal_mode = None;
    while started.elapsed() < Duration::from_secs(30) && child.try_wait().unwrap().is_none() {
        if let Ok(meta) = std::fs::metadata(&journal) {
            journal_mode = Some(meta.permissions().mode() & 0o777);
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let store_mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(store_mode, 0o600, "store");
    let folder_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(folder_mode, 0o700, "the folder it made");
    assert_eq!(journal_mode, Some(0o600), "journal (None: never seen)");
    assert_eq!(integrity(&path), "ok");
}

/// Tokens appear where printing them is the point: a failure prints no
/// link and names no stored token; revoke names only the unknown ones.
#[test]
fn tokens_appear_only_where_printing_them_is_the_point() {
    let store = Store::new(Schema::Prosody13);
    let known: Vec<String> = (0..3).map(|_| token_of(&store.ok(&["generate"]))).collect();
    let out = run(
        store.path(),
        &["revoke", &known[0], "ZZZZZZZZZZZZZZZZZZZZZZZZ", &known[1]],
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "invitectl: no invite with token ZZZZZZZZZZZZZZZZZZZZZZZZ\n"
    );
    // Failures about other things: a bad option, a bad request, a store
    // that is not a store.
    let not_a_store = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_a_store.path(), "x".repeat(4096)).unwrap();
    let failures = [
        run(store.path(), &["generate", "--ttl", "0s"]),
        run(
            store.path(),
            &["generate", "--landing-page", "https://{host}/{x}"],
        ),
        run(store.path(), &["show", "%%%%%%%%%%%%%%%%%%%%%%%%"]),
        run(not_a_store.path(), &["generate"]),
        run(not_a_store.path(), &["revoke", &known[2]]),
    ];
    for out in &failures {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(out.stdout.is_empty(), "{stderr}");
        assert!(!stderr.contains("preauth"), "{stderr}");
        for token in &known {
            assert!(!stderr.contains(token.as_str()), "{stderr}");
        }
    }
}

/// The symlink rule (see src/store/owner.rs): a store path that is a
/// symlink must lead to a file of the user running invitectl (root may
/// follow it to anyone's file), through links owned by root, that user or
/// the file's owner. Needs root to make files of two users.
#[test]
fn symlinks_into_other_users_files_are_refused() {
    if !is_root() {
        skipped("symlinks_into_other_users_files_are_refused needs root to own files as two users (src/store/owner.rs unit tests cover the rule)");
        return;
    }
    let (nobody_uid, nobody_gid) = nobody();
    let root_store = Store::new(Schema::Prosody13);
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(root_store.path(), std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::set_permissions(
        root_store.path().parent().unwrap(),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let before = root_store.file_bytes();

    // nobody's link to root's file: refused for nobody and for root.
    let planted = dir.path().join("planted.sqlite");
    std::os::unix::fs::symlink(root_store.path(), &planted).unwrap();
    chown(&planted, nobody_uid, nobody_gid);
    for (who, out) in [
        ("nobody", as_nobody(&planted, &["generate"])),
        ("root", run(&planted, &["generate"])),
    ] {
        assert_one_line_error(&out, 1, who);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("symlink"),
            "{who}"
        );
    }
    assert!(
        root_store.file_bytes() == before,
        "the linked store changed"
    );

    // root's link to nobody's file: root may follow it, nobody not to
    // root's file through root's own link either.
    let theirs = dir.path().join("theirs.sqlite");
    std::fs::copy(root_store.path(), &theirs).unwrap();
    chown(&theirs, nobody_uid, nobody_gid);
    let root_link = dir.path().join("root-link.sqlite");
    std::os::unix::fs::symlink(&theirs, &root_link).unwrap();
    let out = run(&root_link, &["generate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let to_root = dir.path().join("to-root.sqlite");
    std::os::unix::fs::symlink(root_store.path(), &to_root).unwrap();
    assert_one_line_error(&as_nobody(&to_root, &["list"]), 1, "nobody via root's link");

    // nobody's own link to nobody's own file: fine.
    let own = dir.path().join("own.sqlite");
    std::os::unix::fs::symlink(&theirs, &own).unwrap();
    chown(&own, nobody_uid, nobody_gid);
    let out = as_nobody(&own, &["generate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::metadata(&theirs).unwrap().uid(), nobody_uid);
}
