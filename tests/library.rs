//! The library's store API on real SQLite files, with an injected clock:
//! the server's rules for checking and redeeming tokens.

use invitectl::invite::Target;
use invitectl::{Entry, Error, Host, InviteRequest, Location, OpenMode, Store, Username};

const NOW: i64 = 1_800_000_000;

fn setup() -> (tempfile::TempDir, Store, Host) {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::Sqlite(dir.path().join("store.sqlite"));
    let store = Store::open(&location, OpenMode::CreateIfMissing).unwrap();
    assert!(store.was_created());
    (dir, store, Host::parse("example.com").unwrap())
}

fn rows_with_key(dir: &tempfile::TempDir, key: &str) -> i64 {
    rusqlite::Connection::open(dir.path().join("store.sqlite"))
        .unwrap()
        .query_row("SELECT count(*) FROM prosody WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn check_follows_the_servers_rules() {
    let (_dir, mut store, host) = setup();
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
    let (dir, mut store, host) = setup();
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
    let (dir, mut store, host) = setup();
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
    let (dir, mut store, host) = setup();
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
    let (_dir, mut store, host) = setup();
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
    let (_dir, mut store, host) = setup();
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
