//! ejabberd 26.07 on a machine whose local time is not UTC. It writes its
//! times in UTC (`created_at`, `expires`), but its SQL checks compare them
//! with the local time (`sql_now() -> calendar:local_time()` in
//! mod_invites_sql.erl), and so do its checks of invitectl's invites,
//! which are written in UTC too: a server ahead of UTC takes invites for
//! expired that many hours early, one behind UTC honours them that many
//! hours after they expired.

use std::time::Duration;

use invitectl::{Host, InviteRequest, Location, OpenMode, Store};

use super::harness::{time_text, Ejabberd, HOST};
use super::invitectl::{generate, invitectl_ok, refused_condition};
use super::scenarios::register_and_login;

/// Writes an account invite made `ago` seconds ago with `ttl` to live.
fn insert_made(server: &Ejabberd, ago: i64, ttl: u64) -> String {
    let host = Host::parse(HOST).unwrap();
    let invite = InviteRequest {
        ttl: Some(Duration::from_secs(ttl)),
        ..InviteRequest::default()
    }
    .build(&host, invitectl::now() - ago)
    .unwrap();
    let mut store = Store::open(
        &Location::parse(server.store_arg().as_ref()).unwrap(),
        OpenMode::Existing,
    )
    .unwrap();
    store.insert(&host, &invite).unwrap();
    invite.token.as_str().to_owned()
}

/// ejabberd's own invite has its times in UTC whatever the zone.
fn server_writes_utc(server: &Ejabberd) {
    let before = invitectl::now();
    let out = server.ctl_ok(&["generate_invite", HOST]);
    let after = invitectl::now();
    let row = server
        .rows()
        .into_iter()
        .find(|r| out.contains(&r.token))
        .expect("the server's invite");
    assert!(
        (time_text(before)..=time_text(after)).contains(&row.created_at),
        "created_at {} is not UTC ({} .. {})",
        row.created_at,
        time_text(before),
        time_text(after)
    );
}

/// Asia/Tokyo, UTC+9 all year. An invitectl invite with an hour to live
/// is refused at once (the server takes it for expired eight hours ago),
/// one with ten hours is honoured, and the server's own
/// `cleanup_expired_invite_tokens` deletes the unused one-hour invite.
pub fn server_ahead_of_utc_refuses_early(server: &Ejabberd) {
    assert_eq!(server.options.tz, Some("Asia/Tokyo"));
    server_writes_utc(server);
    let hour = generate(server, &["--ttl", "1h"]);
    let hour = hour["token"].as_str().unwrap().to_owned();
    let ten = generate(server, &["--ttl", "10h"]);
    let ten = ten["token"].as_str().unwrap().to_owned();
    assert_eq!(
        refused_condition(server, &hour).as_deref(),
        Some("item-not-found"),
        "a one-hour invite on a server at UTC+9\n{}",
        server.diagnostics()
    );
    register_and_login(server, &ten, "alice", "alice-password");
    // invitectl, in UTC, still lists the one-hour invite as valid.
    let listed = invitectl_ok(server, &["list", "--json"]);
    assert!(listed.contains(&hour), "{listed}");
    server.ctl_ok(&["cleanup_expired_invite_tokens"]);
    let left: Vec<String> = server.rows().into_iter().map(|r| r.token).collect();
    assert!(
        !left.contains(&hour) && left.contains(&ten),
        "after the server's cleanup: {left:?}"
    );
}

/// America/New_York, UTC-5 (UTC-4 in summer). An invite that expired an
/// hour ago is still honoured (the server sees four or five hours left);
/// one that expired six hours ago is refused.
pub fn server_behind_utc_honours_late(server: &Ejabberd) {
    assert_eq!(server.options.tz, Some("America/New_York"));
    server_writes_utc(server);
    let hour_ago = insert_made(server, 2 * 3600, 3600);
    let six_ago = insert_made(server, 7 * 3600, 3600);
    assert_eq!(
        refused_condition(server, &six_ago).as_deref(),
        Some("item-not-found"),
        "an invite expired six hours ago\n{}",
        server.diagnostics()
    );
    register_and_login(server, &hour_ago, "bob", "bob-password");
    // invitectl, in UTC, prunes it as expired (the used row stays).
    let expired = insert_made(server, 2 * 3600, 3600);
    invitectl_ok(server, &["expire"]);
    let left: Vec<String> = server.rows().into_iter().map(|r| r.token).collect();
    assert!(
        left.contains(&hour_ago) && !left.contains(&expired) && !left.contains(&six_ago),
        "after invitectl expire: {left:?}"
    );
}
