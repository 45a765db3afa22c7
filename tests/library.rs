//! The library's store API on real SQLite files, on data folders of
//! Prosody's file storage and on PostgreSQL and MariaDB databases, with
//! an injected clock: the server's rules for checking and redeeming
//! tokens.

#[path = "support/mariadb.rs"]
mod mariadb_server;
#[path = "support/postgres.rs"]
mod postgres_cluster;

use invitectl::invite::Target;
use invitectl::store::{MyTarget, PgTarget};
use invitectl::{Entry, Error, Host, InviteRequest, Location, OpenMode, Store, Username};

const NOW: i64 = 1_800_000_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sqlite,
    Files,
    Postgres,
    Mysql,
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
struct Place {
    dir: tempfile::TempDir,
    database: Option<postgres_cluster::Database>,
    my_database: Option<mariadb_server::Database>,
}

fn setup(backend: Backend) -> (Place, Store, Host) {
    let dir = tempfile::tempdir().unwrap();
    let mut database = None;
    let mut my_database = None;
    let location = match backend {
        Backend::Files => Location::Files(dir.path().to_owned()),
        Backend::Sqlite => Location::Sqlite(dir.path().join("store.sqlite")),
        Backend::Postgres => {
            let db = postgres_cluster::cluster().unwrap().fresh_database();
            let url = db.url().replacen('@', &format!(":{}@", db.password), 1);
            database = Some(db);
            Location::Postgres(PgTarget::from_url(&url).unwrap())
        }
        Backend::Mysql => {
            let db = mariadb_server::server().unwrap().fresh_database();
            let url = db.url().replacen('@', &format!(":{}@", db.password), 1);
            my_database = Some(db);
            Location::Mysql(MyTarget::from_url(&url).unwrap())
        }
    };
    let store = Store::open(&location, OpenMode::CreateIfMissing).unwrap();
    assert_eq!(store.was_created(), backend != Backend::Files);
    (
        Place {
            dir,
            database,
            my_database,
        },
        store,
        Host::parse("example.com").unwrap(),
    )
}

/// The records stored under `key`: rows, or entries of invite files.
fn rows_with_key(place: &Place, key: &str) -> i64 {
    if let Some(db) = &place.database {
        return db
            .client()
            .query_one("SELECT count(*) FROM prosody WHERE key = $1", &[&key])
            .unwrap()
            .get(0);
    }
    if let Some(db) = &place.my_database {
        use mysql::prelude::Queryable;
        return db
            .client()
            .exec_first("SELECT count(*) FROM prosody WHERE `key` = ?", (key,))
            .unwrap()
            .unwrap();
    }
    let dir = &place.dir;
    let folder = dir.path().join("example%2ecom");
    if !dir.path().join("store.sqlite").exists() {
        let mut files = vec![folder.join("invite_token.dat")];
        if let Ok(users) = std::fs::read_dir(folder.join("invite_token")) {
            files.extend(users.map(|e| e.unwrap().path()));
        }
        return files
            .iter()
            .filter_map(|f| std::fs::read(f).ok())
            .map(|bytes| invitectl::lua::parse(&bytes).unwrap())
            .filter(|t| t.as_table().unwrap().contains_key(key))
            .count() as i64;
    }
    rusqlite::Connection::open(dir.path().join("store.sqlite"))
        .unwrap()
        .query_row("SELECT count(*) FROM prosody WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn check_follows_the_servers_rules() {
    for backend in backends() {
        check_follows_the_servers_rules_on(backend);
    }
}

fn check_follows_the_servers_rules_on(backend: Backend) {
    let (_dir, mut store, host) = setup(backend);
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
    for backend in backends() {
        redeeming_a_single_use_contact_invite_removes_both_records_on(backend);
    }
}

fn redeeming_a_single_use_contact_invite_removes_both_records_on(backend: Backend) {
    let (dir, mut store, host) = setup(backend);
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
    assert_eq!(rows_with_key(&dir, invite.token.as_str()), 2);
    let used = store.redeem(&host, &invite.token, NOW + 1).unwrap();
    assert_eq!(used.inviter(), Some("alice"));
    assert_eq!(rows_with_key(&dir, invite.token.as_str()), 0);
    assert!(matches!(
        store.redeem(&host, &invite.token, NOW + 2),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn a_reusable_invite_stays_until_it_expires() {
    for backend in backends() {
        a_reusable_invite_stays_until_it_expires_on(backend);
    }
}

fn a_reusable_invite_stays_until_it_expires_on(backend: Backend) {
    let (dir, mut store, host) = setup(backend);
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
    assert_eq!(rows_with_key(&dir, invite.token.as_str()), 1);
    let late = invite.expires + 1;
    assert!(matches!(
        store.redeem(&host, &invite.token, late),
        Err(Error::Expired(_))
    ));
    assert_eq!(store.prune(&host, late).unwrap(), 1);
    assert_eq!(rows_with_key(&dir, invite.token.as_str()), 0);
}

#[test]
fn a_contact_only_invite_lives_in_the_per_user_record() {
    for backend in backends() {
        a_contact_only_invite_lives_in_the_per_user_record_on(backend);
    }
}

fn a_contact_only_invite_lives_in_the_per_user_record_on(backend: Backend) {
    let (dir, mut store, host) = setup(backend);
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
    assert_eq!(rows_with_key(&dir, invite.token.as_str()), 1);
    let Some(Entry::Invite(read)) = store.get(&host, &invite.token).unwrap() else {
        panic!("not found")
    };
    assert_eq!(read.inviter(), Some("bob"));
    assert_eq!(read.expires, invite.expires);
    assert!(!read.allow_registration);
    store.redeem(&host, &invite.token, NOW).unwrap();
    assert_eq!(rows_with_key(&dir, invite.token.as_str()), 0);
}

#[test]
fn listing_streams_and_prune_counts_each_invite_once() {
    for backend in backends() {
        listing_streams_and_prune_counts_each_invite_once_on(backend);
    }
}

fn listing_streams_and_prune_counts_each_invite_once_on(backend: Backend) {
    let (_dir, mut store, host) = setup(backend);
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
    for backend in backends() {
        a_failing_callback_writes_nothing_on(backend);
    }
}

fn a_failing_callback_writes_nothing_on(backend: Backend) {
    let (_dir, mut store, host) = setup(backend);
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
    let dir = &place.dir;
    let request = InviteRequest {
        target: Some(Target::Contact {
            inviter: Username::parse("alice").unwrap(),
            allow_registration: true,
        }),
        ..Default::default()
    };
    let folder = dir.path().join("example%2ecom");
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
    let table = |path: std::path::PathBuf| {
        invitectl::lua::parse(&std::fs::read(path).unwrap())
            .unwrap()
            .as_table()
            .unwrap()
            .len()
    };
    assert_eq!(table(folder.join("invite_token.dat")), 100);
    assert_eq!(table(folder.join("invite_token/alice.dat")), 100);
}

#[test]
fn a_single_use_invite_is_redeemed_once_by_racing_servers() {
    // Two connections, as two servers behind one database: the check and
    // the removal are one transaction, so exactly one of them wins.
    if postgres_cluster::cluster().is_none() {
        return;
    }
    let (place, mut store, host) = setup(Backend::Postgres);
    let db = place.database.as_ref().unwrap();
    let url = db.url().replacen('@', &format!(":{}@", db.password), 1);
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
