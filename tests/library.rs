//! The library's store API on real SQLite files, on data folders of
//! Prosody's file storage and on PostgreSQL and MariaDB databases, with
//! an injected clock: the server's rules for checking and redeeming
//! tokens.

// Public: the binaries' shared interface (see tests/support/mod.rs).
pub mod support;

use std::fmt;
use std::path::{Path, PathBuf};

use invitectl::invite::Target;
use invitectl::store::{MyTarget, PgTarget};
use invitectl::{Entry, Error, Host, InviteRequest, Location, OpenMode, Store, Username};
use tempfile::TempDir;

use support::backends::on_each;
use support::data_files::read_table;
use support::{mariadb_server, postgres_cluster};

const NOW: i64 = 1_800_000_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sqlite,
    Files,
    Postgres,
    Mysql,
}

/// How a failure message names the backend.
impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Files => "file storage",
            Backend::Postgres => "PostgreSQL",
            Backend::Mysql => "MariaDB",
        })
    }
}

/// Every backend: PostgreSQL and MariaDB when their test servers run
/// (they say why not, and on CI fail).
fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite, Backend::Files];
    if postgres_cluster::cluster().is_some() {
        all.push(Backend::Postgres);
    }
    if mariadb_server::server().is_some() {
        all.push(Backend::Mysql);
    }
    all
}

/// Where a test's store lives, kept for as long as the test runs.
enum Place {
    /// `store.sqlite` in the folder.
    Sqlite(TempDir),
    /// The folder is the data folder.
    Files(TempDir),
    Postgres(postgres_cluster::Database),
    Mysql(mariadb_server::Database),
}

impl Place {
    fn new(backend: Backend) -> Place {
        match backend {
            Backend::Sqlite => Place::Sqlite(tempfile::tempdir().unwrap()),
            Backend::Files => Place::Files(tempfile::tempdir().unwrap()),
            Backend::Postgres => {
                Place::Postgres(postgres_cluster::cluster().unwrap().fresh_database())
            }
            Backend::Mysql => Place::Mysql(mariadb_server::server().unwrap().fresh_database()),
        }
    }

    fn location(&self) -> Location {
        match self {
            Place::Sqlite(dir) => Location::Sqlite(sqlite_file(dir)),
            Place::Files(dir) => Location::Files(dir.path().to_owned()),
            Place::Postgres(db) => {
                Location::Postgres(PgTarget::from_url(&db.url_with_password()).unwrap())
            }
            Place::Mysql(db) => {
                Location::Mysql(MyTarget::from_url(&db.url_with_password()).unwrap())
            }
        }
    }
}

fn sqlite_file(dir: &TempDir) -> PathBuf {
    dir.path().join("store.sqlite")
}

fn setup(backend: Backend) -> (Place, Store, Host) {
    let place = Place::new(backend);
    let store = Store::open(&place.location(), OpenMode::CreateIfMissing).unwrap();
    assert_eq!(store.was_created(), backend != Backend::Files);
    (place, store, Host::parse("example.com").unwrap())
}

/// The records stored under `key`: rows, or entries of invite files.
fn rows_with_key(place: &Place, key: &str) -> i64 {
    match place {
        Place::Postgres(db) => db
            .client()
            .query_one("SELECT count(*) FROM prosody WHERE key = $1", &[&key])
            .unwrap()
            .get(0),
        Place::Mysql(db) => {
            use mysql::prelude::Queryable;
            db.client()
                .exec_first("SELECT count(*) FROM prosody WHERE `key` = ?", (key,))
                .unwrap()
                .unwrap()
        }
        Place::Files(dir) => {
            let folder = host_folder(dir);
            let mut files = vec![folder.join("invite_token.dat")];
            if let Ok(users) = std::fs::read_dir(folder.join("invite_token")) {
                files.extend(users.map(|e| e.unwrap().path()));
            }
            files
                .iter()
                .filter(|f| read_table(f).contains_key(key))
                .count() as i64
        }
        Place::Sqlite(dir) => rusqlite::Connection::open(sqlite_file(dir))
            .unwrap()
            .query_row("SELECT count(*) FROM prosody WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .unwrap(),
    }
}

/// The folder of example.com in a data folder.
fn host_folder(dir: &TempDir) -> PathBuf {
    support::data_files::host_folder(dir.path(), "example.com")
}

#[test]
fn check_follows_the_servers_rules() {
    on_each(backends(), check_follows_the_servers_rules_on);
}

fn check_follows_the_servers_rules_on(backend: Backend) {
    let (_place, mut store, host) = setup(backend);
    let invite = InviteRequest {
        ttl: Some(std::time::Duration::from_secs(60)),
        ..Default::default()
    }
    .build(&host, NOW)
    .unwrap();
    store.insert(&host, &invite).unwrap();
    assert_eq!(store.check(&host, &invite.token, NOW).unwrap(), invite);
    // Valid while now <= expires.
    assert!(store.check(&host, &invite.token, NOW + 60).is_ok());
    assert!(matches!(
        store.check(&host, &invite.token, NOW + 61),
        Err(Error::Expired(_))
    ));
    let other = invitectl::Token::generate().unwrap();
    assert!(matches!(
        store.check(&host, &other, NOW),
        Err(Error::NotFound(_))
    ));
    let elsewhere = Host::parse("other.example").unwrap();
    assert!(matches!(
        store.check(&elsewhere, &invite.token, NOW),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn redeeming_a_single_use_contact_invite_removes_both_records() {
    on_each(
        backends(),
        redeeming_a_single_use_contact_invite_removes_both_records_on,
    );
}

fn redeeming_a_single_use_contact_invite_removes_both_records_on(backend: Backend) {
    let (place, mut store, host) = setup(backend);
    let invite = InviteRequest {
        target: Some(Target::Contact {
            inviter: Username::parse("alice").unwrap(),
            allow_registration: true,
        }),
        ..Default::default()
    }
    .build(&host, NOW)
    .unwrap();
    store.insert(&host, &invite).unwrap();
    assert_eq!(rows_with_key(&place, invite.token.as_str()), 2);
    let used = store.redeem(&host, &invite.token, NOW + 1).unwrap();
    assert_eq!(used.inviter(), Some("alice"));
    assert_eq!(rows_with_key(&place, invite.token.as_str()), 0);
    assert!(matches!(
        store.redeem(&host, &invite.token, NOW + 2),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn a_reusable_invite_stays_until_it_expires() {
    on_each(backends(), a_reusable_invite_stays_until_it_expires_on);
}

fn a_reusable_invite_stays_until_it_expires_on(backend: Backend) {
    let (place, mut store, host) = setup(backend);
    let invite = InviteRequest {
        groups: vec!["staff".into()],
        reusable: true,
        ..Default::default()
    }
    .build(&host, NOW)
    .unwrap();
    store.insert(&host, &invite).unwrap();
    for _ in 0..3 {
        store.redeem(&host, &invite.token, NOW + 10).unwrap();
    }
    assert_eq!(rows_with_key(&place, invite.token.as_str()), 1);
    let late = invite.expires + 1;
    assert!(matches!(
        store.redeem(&host, &invite.token, late),
        Err(Error::Expired(_))
    ));
    assert_eq!(store.prune(&host, late).unwrap(), 1);
    assert_eq!(rows_with_key(&place, invite.token.as_str()), 0);
}

#[test]
fn a_contact_only_invite_lives_in_the_per_user_record() {
    on_each(
        backends(),
        a_contact_only_invite_lives_in_the_per_user_record_on,
    );
}

fn a_contact_only_invite_lives_in_the_per_user_record_on(backend: Backend) {
    let (place, mut store, host) = setup(backend);
    let invite = InviteRequest {
        target: Some(Target::Contact {
            inviter: Username::parse("bob").unwrap(),
            allow_registration: false,
        }),
        ..Default::default()
    }
    .build(&host, NOW)
    .unwrap();
    store.insert(&host, &invite).unwrap();
    assert_eq!(rows_with_key(&place, invite.token.as_str()), 1);
    let Some(Entry::Invite(read)) = store.get(&host, &invite.token).unwrap() else {
        panic!("not found")
    };
    assert_eq!(read.inviter(), Some("bob"));
    assert_eq!(read.expires, invite.expires);
    assert!(!read.allow_registration);
    store.redeem(&host, &invite.token, NOW).unwrap();
    assert_eq!(rows_with_key(&place, invite.token.as_str()), 0);
}

#[test]
fn listing_streams_and_prune_counts_each_invite_once() {
    on_each(
        backends(),
        listing_streams_and_prune_counts_each_invite_once_on,
    );
}

fn listing_streams_and_prune_counts_each_invite_once_on(backend: Backend) {
    let (_place, mut store, host) = setup(backend);
    let short = InviteRequest {
        target: Some(Target::Contact {
            inviter: Username::parse("alice").unwrap(),
            allow_registration: true,
        }),
        ttl: Some(std::time::Duration::from_secs(10)),
        ..Default::default()
    };
    let mut made = 0;
    store
        .create(
            &host,
            50,
            || short.build(&host, NOW),
            |_| {
                made += 1;
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(made, 50);
    let mut listing = store.list(&host).unwrap();
    assert_eq!(listing.iter().unwrap().count(), 50);
    drop(listing);
    let mut expired = store.list_expired(&host, NOW + 11).unwrap();
    // One entry per invite, though each has two records.
    assert_eq!(expired.iter().unwrap().count(), 50);
    drop(expired);
    assert_eq!(store.prune(&host, NOW + 10).unwrap(), 0);
    assert_eq!(store.prune(&host, NOW + 11).unwrap(), 50);
    assert_eq!(store.list(&host).unwrap().iter().unwrap().count(), 0);
}

#[test]
fn a_failing_callback_writes_nothing() {
    on_each(backends(), a_failing_callback_writes_nothing_on);
}

fn a_failing_callback_writes_nothing_on(backend: Backend) {
    let (_place, mut store, host) = setup(backend);
    let request = InviteRequest::default();
    let mut n = 0;
    let result = store.create(
        &host,
        10,
        || request.build(&host, NOW),
        |_| {
            n += 1;
            if n == 5 {
                Err(std::io::Error::other("disk full"))
            } else {
                Ok(())
            }
        },
    );
    assert!(matches!(result, Err(Error::Output(_))));
    assert_eq!(store.list(&host).unwrap().iter().unwrap().count(), 0);
}

#[test]
fn generate_writes_each_file_once_when_all_are_made() {
    let (place, mut store, host) = setup(Backend::Files);
    let Place::Files(dir) = &place else {
        unreachable!("a file storage place")
    };
    let request = InviteRequest {
        target: Some(Target::Contact {
            inviter: Username::parse("alice").unwrap(),
            allow_registration: true,
        }),
        ..Default::default()
    };
    let folder = host_folder(dir);
    let mut seen = 0;
    store
        .create(
            &host,
            100,
            || {
                // Nothing is written while invites are being made.
                assert!(!folder.exists());
                request.build(&host, NOW)
            },
            |_| {
                seen += 1;
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(seen, 100);
    let entries = |path: &Path| {
        assert!(path.is_file(), "{} is missing", path.display());
        read_table(path).len()
    };
    assert_eq!(entries(&folder.join("invite_token.dat")), 100);
    assert_eq!(entries(&folder.join("invite_token/alice.dat")), 100);
}

#[test]
fn a_single_use_invite_is_redeemed_once_by_racing_servers() {
    // Two connections, as two servers behind one database: the check and
    // the removal are one transaction, so exactly one of them wins.
    if postgres_cluster::cluster().is_none() {
        return;
    }
    let (place, mut store, host) = setup(Backend::Postgres);
    let Place::Postgres(db) = &place else {
        unreachable!("a PostgreSQL place")
    };
    let url = db.url_with_password();
    for _ in 0..20 {
        let invite = InviteRequest::default().build(&host, NOW).unwrap();
        store.insert(&host, &invite).unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let (url, host, token, barrier) = (
                    url.clone(),
                    host.clone(),
                    invite.token.clone(),
                    barrier.clone(),
                );
                std::thread::spawn(move || {
                    let location = Location::Postgres(PgTarget::from_url(&url).unwrap());
                    let mut store = Store::open(&location, OpenMode::Existing).unwrap();
                    barrier.wait();
                    store.redeem(&host, &token, NOW + 1)
                })
            })
            .collect();
        let results: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Err(Error::NotFound(_)))));
        assert_eq!(rows_with_key(&place, invite.token.as_str()), 0);
    }
}

/// A store cannot be used while a listing holds it: the compiler refuses
/// that (a `compile_fail` example on `Store`); once the listing is gone,
/// the store works as before.
#[test]
fn a_store_works_again_once_its_listing_is_dropped() {
    if postgres_cluster::cluster().is_none() {
        return;
    }
    let (_place, mut store, host) = setup(Backend::Postgres);
    let invite = InviteRequest::default().build(&host, NOW).unwrap();
    store.insert(&host, &invite).unwrap();
    let mut listing = store.list(&host).unwrap();
    let mut entries = listing.iter().unwrap();
    assert!(entries.next().is_some());
    drop(entries);
    drop(listing);
    assert!(store.get(&host, &invite.token).unwrap().is_some());
}
