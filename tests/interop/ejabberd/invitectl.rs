//! invitectl against a real ejabberd 26.07: invites it writes into the
//! server's `invite_token` table are honoured by the running server, and
//! the server's own invites are listed, shown, revoked and pruned by it.

use std::process::Output;
use std::time::Duration;

use invitectl::{Host, InviteRequest, Location, OpenMode, Store};
use serde_json::Value;

use super::harness::{Ejabberd, Storage, HOST};
use super::scenarios::register_and_login;
use crate::interop::harness::{Running, COMMAND_TIMEOUT};
use crate::support::binary;

/// `invitectl --store DB HOST ARGS`, with the server's database; on
/// Mnesia `invitectl --config ejabberd.yml HOST ARGS`, where nothing but
/// the server's configuration says where its invites are.
pub(super) fn invitectl(server: &Ejabberd, args: &[&str]) -> Output {
    let mut command = binary::command();
    if server.options.storage == Storage::Mnesia {
        command.arg("--config").arg(server.config_path());
    } else {
        command.arg("--store").arg(server.store_arg());
    }
    command.arg(HOST).args(args);
    Running::spawn(format!("invitectl {args:?}"), command).wait(COMMAND_TIMEOUT)
}

pub(super) fn invitectl_ok(server: &Ejabberd, args: &[&str]) -> String {
    let out = invitectl(server, args);
    assert!(
        out.status.success(),
        "invitectl {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.diagnostics()
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The one invite `generate --json ARGS` printed.
pub(super) fn generate(server: &Ejabberd, args: &[&str]) -> Value {
    let mut all = vec!["generate", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(invitectl_ok(server, &all).trim()).expect("one JSON invite")
}

pub(super) fn listed(server: &Ejabberd) -> Vec<Value> {
    invitectl_ok(server, &["list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

pub(super) fn refused_condition(server: &Ejabberd, token: &str) -> Option<String> {
    let mut client = server.client();
    let answer = client.preauth(token).expect("preauth round trip");
    client.close();
    answer.err().map(|e| e.condition)
}

/// An account invite registers once; the row stays with its invitee, and
/// invitectl lists it as used by that account.
pub fn invitectl_invite_registers_once(server: &Ejabberd) {
    let invite = generate(server, &[]);
    let token = invite["token"].as_str().unwrap();
    assert_eq!(
        invite["uri"],
        format!("xmpp:{HOST}?register;preauth={token}")
    );
    register_and_login(server, token, "carol", "carol-password");
    assert_eq!(
        refused_condition(server, token).as_deref(),
        Some("item-not-found"),
        "a used invite\n{}",
        server.diagnostics()
    );
    let all = listed(server);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["used_by"], format!("carol@{HOST}"), "{all:?}");
    // expire keeps a used invite (ejabberd keeps it too); revoke removes it.
    invitectl_ok(server, &["expire"]);
    assert_eq!(server.rows().len(), 1);
    invitectl_ok(server, &["revoke", token]);
    assert!(server.rows().is_empty());
}

/// An invite for a username preselects that account; a revoked one and an
/// expired one are refused, and `expire` prunes the expired one only.
pub fn username_revoked_and_expired(server: &Ejabberd) {
    let invite = generate(server, &["--username", "dave"]);
    let token = invite["token"].as_str().unwrap();
    assert_eq!(
        invite["uri"],
        format!("xmpp:dave@{HOST}?register;preauth={token}")
    );
    let row = server
        .rows()
        .into_iter()
        .find(|r| r.token == token)
        .unwrap();
    assert_eq!(
        (row.kind.as_str(), row.account_name.as_str()),
        ("A", "dave")
    );
    register_and_login(server, token, "dave", "dave-password");

    let revoked = generate(server, &[]);
    let revoked = revoked["token"].as_str().unwrap();
    invitectl_ok(server, &["revoke", revoked]);
    assert_eq!(
        refused_condition(server, revoked).as_deref(),
        Some("item-not-found")
    );

    // Made through the library for a creation time a week ago, with a day
    // to live.
    let host = Host::parse(HOST).unwrap();
    let week_ago = invitectl::now() - 7 * 86_400;
    let old = InviteRequest {
        ttl: Some(Duration::from_secs(86_400)),
        ..InviteRequest::default()
    }
    .build(&host, week_ago)
    .unwrap();
    let mut store = Store::open(
        &Location::parse(server.store_arg().as_ref()).unwrap(),
        OpenMode::Existing,
    )
    .unwrap();
    store.insert(&host, &old).unwrap();
    drop(store);
    let fresh = generate(server, &[]);
    let fresh = fresh["token"].as_str().unwrap();
    assert_eq!(
        refused_condition(server, old.token.as_str()).as_deref(),
        Some("item-not-found"),
        "an expired invite\n{}",
        server.diagnostics()
    );
    invitectl_ok(server, &["expire"]);
    let left: Vec<String> = server.rows().into_iter().map(|r| r.token).collect();
    assert!(!left.contains(&old.token.as_str().to_owned()), "{left:?}");
    assert!(
        left.contains(&fresh.to_owned()) && left.contains(&token.to_owned()),
        "{left:?}"
    );
    register_and_login(server, fresh, "erin", "erin-password");
}

/// The server's own invites (`ejabberdctl generate_invite`) are listed,
/// shown and revoked by invitectl; `ejabberdctl list_invites` lists
/// invitectl's beside its own.
pub fn server_and_invitectl_invites_side_by_side(server: &Ejabberd) {
    let own = server.ctl_ok(&["generate_invite", HOST]);
    let own_token = own
        .split("preauth=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a token in generate_invite's output")
        .to_owned();
    let ours = generate(server, &["--username", "frank"]);
    let ours = ours["token"].as_str().unwrap().to_owned();

    let all = listed(server);
    let tokens: Vec<&str> = all.iter().map(|i| i["token"].as_str().unwrap()).collect();
    assert_eq!(tokens.len(), 2, "{all:?}");
    assert!(tokens.contains(&own_token.as_str()) && tokens.contains(&ours.as_str()));
    let shown = invitectl_ok(server, &["show", &own_token, "--json"]);
    let shown: Value = serde_json::from_str(shown.trim()).unwrap();
    assert_eq!(shown["kind"], "account");
    assert_eq!(
        shown["uri"],
        format!("xmpp:{HOST}?register;preauth={own_token}")
    );

    let theirs = server.ctl_ok(&["list_invites", HOST]);
    assert!(
        theirs.contains(&own_token) && theirs.contains(&ours),
        "list_invites shows both: {theirs}"
    );

    invitectl_ok(server, &["revoke", &own_token]);
    let theirs = server.ctl_ok(&["list_invites", HOST]);
    assert!(
        !theirs.contains(&own_token) && theirs.contains(&ours),
        "{theirs}"
    );
    assert_eq!(
        refused_condition(server, &own_token).as_deref(),
        Some("item-not-found")
    );
    register_and_login(server, &ours, "frank", "frank-password");
}
