//! Invites put into a store through the library, as many as a test
//! needs and at any creation time, and the seeded randomness of the
//! trials.

use std::path::Path;

use invitectl::token::TokenSource;
use invitectl::{Host, InviteRequest, Location, OpenMode, Target, Username};
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::support::store::{Store, HOST};

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

/// Adds `count` invites to `store` (a SQLite file or a data folder)
/// through the library, created at `created` with lifetime `ttl_secs`: in
/// the past, they are expired.
pub fn seed_invites(store: &Store, count: u64, created: i64, ttl_secs: u64) {
    seed(&store.location(), count, created, ttl_secs, None);
}

/// [`seed_invites`] into the SQLite file or data folder at `path`.
pub fn seed_invites_at(path: &Path, count: u64, created: i64, ttl_secs: u64) {
    seed(
        &Location::from_path(path.into()),
        count,
        created,
        ttl_secs,
        None,
    );
}

/// Like [`seed_invites`], contact invites from `inviter` that also allow
/// registration: a host-level record and a per-user one each (on file
/// storage, two files).
pub fn seed_contact_invites(store: &Store, inviter: &str, count: u64, created: i64, ttl_secs: u64) {
    seed(&store.location(), count, created, ttl_secs, Some(inviter));
}

fn seed(location: &Location, count: u64, created: i64, ttl_secs: u64, inviter: Option<&str>) {
    let host = Host::parse(HOST).unwrap();
    let mut db = invitectl::Store::open(location, OpenMode::Existing).unwrap();
    let request = InviteRequest {
        ttl: Some(std::time::Duration::from_secs(ttl_secs)),
        target: inviter.map(|user| Target::Contact {
            inviter: Username::parse(user).unwrap(),
            allow_registration: true,
        }),
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
