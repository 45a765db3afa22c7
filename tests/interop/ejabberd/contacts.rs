//! invitectl's contact and reset invites on a real ejabberd 26.07, used in
//! band as a client uses them: what the server does with each type of row
//! (`S`, `R`, `T`), read from both rosters (`ejabberdctl get_roster`), the
//! accounts' passwords and the row it leaves.

use std::time::{Duration, Instant};

use super::harness::{Ejabberd, TokenRow, HOST};
use super::invitectl::{generate, listed, refused_condition};
use super::scenarios::register_and_login;
use crate::interop::xmpp::{Client, NS_CLIENT};

/// How long the server may take to settle both rosters after the stanza
/// that starts it: mod_invites routes its presences asynchronously.
const SETTLE: Duration = Duration::from_secs(15);

fn jid(user: &str) -> String {
    format!("{user}@{HOST}")
}

/// The row of `token`, which must exist.
fn row_of(server: &Ejabberd, token: &str) -> TokenRow {
    let rows = server.rows();
    rows.iter()
        .find(|r| r.token == token)
        .cloned()
        .unwrap_or_else(|| panic!("no row for {token}: {rows:#?}\n{}", server.diagnostics()))
}

/// One item of `ejabberdctl get_roster`: (jid, subscription, pending).
type Item = (String, String, String);

/// `user`'s roster as the server stores it. 26.07 prints one contact a
/// line: jid, nick, subscription, pending, groups, tab-separated.
fn roster(server: &Ejabberd, user: &str) -> Vec<Item> {
    let out = server.ctl_ok(&["get_roster", user, HOST]);
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 4, "a get_roster line: {l:?} in\n{out}");
            (f[0].to_owned(), f[2].to_owned(), f[3].to_owned())
        })
        .collect()
}

/// The subscription of `user`'s item for `contact`, if there is one.
fn subscription(server: &Ejabberd, user: &str, contact: &str) -> Option<String> {
    roster(server, user)
        .into_iter()
        .find(|(j, _, _)| *j == jid(contact))
        .map(|(_, s, _)| s)
}

/// Polls until `user` and `contact` each have the other with subscription
/// `both` (and nothing pending: 26.07 prints `undefined`, or `none`), and
/// nobody else.
fn wait_mutual(server: &Ejabberd, user: &str, contact: &str) {
    let deadline = Instant::now() + SETTLE;
    loop {
        let a = roster(server, user);
        let b = roster(server, contact);
        let only = |r: &[Item], who: &str| {
            r.len() == 1
                && r[0].0 == jid(who)
                && r[0].1 == "both"
                && matches!(r[0].2.as_str(), "undefined" | "none")
        };
        if only(&a, contact) && only(&b, user) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{user} and {contact} are not mutual contacts after {SETTLE:?}: \
             {user}'s roster {a:?}, {contact}'s {b:?}\n{}",
            server.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls the server's log until it has `line`.
fn wait_log(server: &Ejabberd, line: &str) {
    let deadline = Instant::now() + SETTLE;
    while !server.log().contains(line) {
        assert!(
            Instant::now() < deadline,
            "no {line:?} in the log after {SETTLE:?}\n{}",
            server.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn logged_in(server: &Ejabberd, user: &str, password: &str) -> Client {
    let mut client = server.client();
    client
        .login(user, password)
        .expect("login round trip")
        .unwrap_or_else(|e| panic!("{user} cannot log in: {e}\n{}", server.diagnostics()));
    client.roster().expect("roster");
    client.send_presence(None, None, "").expect("presence");
    client
}

/// The preauth, then the registration, on one stream: the registration's
/// answer (the preauth must succeed).
fn preauth_and_register(
    server: &Ejabberd,
    token: &str,
    user: &str,
    password: &str,
) -> Result<(), String> {
    let mut client = server.client();
    client
        .preauth(token)
        .expect("preauth round trip")
        .unwrap_or_else(|e| {
            panic!(
                "preauth with {token} refused: {e}\n{}",
                server.diagnostics()
            )
        });
    let answer = client
        .register(user, password)
        .expect("register round trip")
        .map_err(|e| e.condition);
    client.close();
    answer
}

/// Run with `access_create_account` allowing alice. A contact invite that
/// may register (`--contact alice`, type `S`): the new account and alice
/// are mutual contacts as soon as it registers (26.07's try_register adds
/// both roster items and routes both subscriptions itself: the client
/// sends no subscription). The row keeps everything but `invitee`, and a
/// second use is refused.
pub fn contact_invite_registers_mutual_contacts(server: &Ejabberd) {
    assert!(server.options.access_create_account);
    server.ctl_ok(&["register", "alice", HOST, "alice-password"]);
    let invite = generate(server, &["--contact", "alice"]);
    let token = invite["token"].as_str().unwrap().to_owned();
    assert_eq!(invite["kind"], "contact", "{invite}");
    // ejabberd's token_uri: a register URI for the host, as for `A`.
    assert_eq!(
        invite["uri"],
        format!("xmpp:{HOST}?register;preauth={token}")
    );
    let row = row_of(server, &token);
    assert_eq!(
        (
            row.kind.as_str(),
            row.username.as_str(),
            row.invitee.as_str(),
            row.account_name.as_str()
        ),
        ("S", "alice", "", ""),
        "{row:?}"
    );
    assert!(roster(server, "alice").is_empty());

    register_and_login(server, &token, "bob", "bob-password");
    wait_mutual(server, "alice", "bob");
    assert_eq!(
        row_of(server, &token),
        TokenRow {
            invitee: jid("bob"),
            ..row
        },
        "the row after use\n{}",
        server.diagnostics()
    );
    assert_eq!(
        refused_condition(server, &token).as_deref(),
        Some("item-not-found"),
        "a used invite\n{}",
        server.diagnostics()
    );
    let all = listed(server);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["used_by"], jid("bob"), "{all:?}");
}

/// On ejabberd's default `access_create_account: none`: a contact invite
/// that may register (`S`) is refused at the preauth (mod_invites_register
/// lets a user's invite create an account only when that rule allows the
/// inviter), while a contact-only one (`--no-register`, `R`) still
/// registers an account: 26.07 checks only `max_invites` (default
/// unlimited) for those. Registering with `R` records the account in
/// `account_name` and keeps the row usable for the subscription only;
/// the subscription with the token then makes them mutual contacts, sets
/// `invitee` and empties `account_name` again.
pub fn contact_invites_without_access_create_account(server: &Ejabberd) {
    assert!(!server.options.access_create_account);
    server.ctl_ok(&["register", "alice", HOST, "alice-password"]);
    let with_account = generate(server, &["--contact", "alice"]);
    let with_account = with_account["token"].as_str().unwrap().to_owned();
    let before = row_of(server, &with_account);
    assert_eq!(before.kind, "S", "{before:?}");
    assert_eq!(
        refused_condition(server, &with_account).as_deref(),
        Some("item-not-found"),
        "an S invite without access_create_account\n{}",
        server.diagnostics()
    );
    assert_eq!(row_of(server, &with_account), before);

    let only = generate(server, &["--contact", "alice", "--no-register"]);
    let only = only["token"].as_str().unwrap().to_owned();
    let row = row_of(server, &only);
    assert_eq!(
        (
            row.kind.as_str(),
            row.username.as_str(),
            row.account_name.as_str()
        ),
        ("R", "alice", ""),
        "{row:?}"
    );
    preauth_and_register(server, &only, "dave", "dave-password").unwrap_or_else(|e| {
        panic!(
            "registering with an R invite: {e}\n{}",
            server.diagnostics()
        )
    });
    assert_eq!(
        row_of(server, &only),
        TokenRow {
            account_name: "dave".into(),
            ..row.clone()
        },
        "the R row after the registration\n{}",
        server.diagnostics()
    );
    // Registered, not yet contacts; the token no longer registers anyone.
    assert!(roster(server, "alice").is_empty());
    assert_eq!(
        refused_condition(server, &only).as_deref(),
        Some("item-not-found")
    );

    let mut dave = logged_in(server, "dave", "dave-password");
    dave.subscribe_with_preauth(&jid("alice"), &only)
        .expect("send subscribe");
    approve_inviter(server, &mut dave, "alice");
    wait_mutual(server, "alice", "dave");
    dave.close();
    assert_eq!(
        row_of(server, &only),
        TokenRow {
            invitee: jid("dave"),
            ..row
        },
        "the R row after the subscription\n{}",
        server.diagnostics()
    );
}

/// What a XEP-0379 client does once it sent its subscription with the
/// token: the inviter's server approves it (`subscribed`) and asks back
/// (`subscribe`) on the inviter's behalf; the client approves that.
fn approve_inviter(server: &Ejabberd, client: &mut Client, inviter: &str) {
    let from = jid(inviter);
    for kind in ["subscribed", "subscribe"] {
        client
            .wait_for(&format!("{kind} from {from}"), SETTLE, |el| {
                el.is("presence", NS_CLIENT)
                    && el.attr("type") == Some(kind)
                    && el.attr("from") == Some(from.as_str())
            })
            .unwrap_or_else(|e| panic!("{e:#}\n{}", server.diagnostics()));
    }
    client
        .send_presence(Some("subscribed"), Some(&from), "")
        .expect("approving the inviter");
}

/// A contact-only invite (`--contact alice --no-register`, `R`) for an
/// existing account: bob's subscription with the token is approved on
/// alice's behalf, with no client of hers online, and asked back; once
/// bob approves that, both have each other with `both`. The row records
/// bob as `invitee`; the token then does nothing for carol, whose
/// subscription with it is an ordinary request left to alice.
pub fn contact_only_invite_is_auto_approved(server: &Ejabberd) {
    for user in ["alice", "bob", "carol"] {
        server.ctl_ok(&["register", user, HOST, &format!("{user}-password")]);
    }
    let invite = generate(server, &["--contact", "alice", "--no-register"]);
    let token = invite["token"].as_str().unwrap().to_owned();
    assert_eq!(
        invite["uri"],
        format!("xmpp:{}?roster;preauth={token}", jid("alice"))
    );
    let row = row_of(server, &token);
    assert_eq!(
        (
            row.kind.as_str(),
            row.username.as_str(),
            row.invitee.as_str()
        ),
        ("R", "alice", ""),
        "{row:?}"
    );

    let mut bob = logged_in(server, "bob", "bob-password");
    bob.subscribe_with_preauth(&jid("alice"), &token)
        .expect("send subscribe");
    approve_inviter(server, &mut bob, "alice");
    wait_mutual(server, "alice", "bob");
    bob.close();
    assert_eq!(
        row_of(server, &token),
        TokenRow {
            invitee: jid("bob"),
            ..row.clone()
        },
        "the row after use\n{}",
        server.diagnostics()
    );

    let mut carol = logged_in(server, "carol", "carol-password");
    carol
        .subscribe_with_preauth(&jid("alice"), &token)
        .expect("send subscribe");
    wait_log(
        server,
        &format!("Got invalid preauth token from {}", jid("carol")),
    );
    carol.sync_roster();
    carol.close();
    // An ordinary request: carol waits for alice, who has not answered.
    assert_eq!(
        subscription(server, "carol", "alice").as_deref(),
        Some("none"),
        "carol's roster: {:?}\n{}",
        roster(server, "carol"),
        server.diagnostics()
    );
    let alices = subscription(server, "alice", "carol");
    assert!(
        !matches!(alices.as_deref(), Some("from" | "both")),
        "alice's item for carol: {alices:?}"
    );
    assert_eq!(
        subscription(server, "alice", "bob").as_deref(),
        Some("both")
    );
    assert_eq!(row_of(server, &token).invitee, jid("bob"));
}

/// A reset invite (`--reset alice`, `T`): the preauth, then a
/// registration of alice with a new password on the same stream, changes
/// the password (26.07's try_register for a reset token); another name is
/// refused and leaves the token usable. Afterwards the new password logs
/// in and the old one does not, the row has alice as `invitee`, and the
/// token is refused.
pub fn reset_changes_the_password(server: &Ejabberd) {
    server.ctl_ok(&["register", "alice", HOST, "old-password"]);
    server.ctl_ok(&["register", "bob", HOST, "bob-password"]);
    let invite = generate(server, &["--reset", "alice"]);
    let token = invite["token"].as_str().unwrap().to_owned();
    assert_eq!(invite["kind"], "reset", "{invite}");
    let row = row_of(server, &token);
    assert_eq!(
        (
            row.kind.as_str(),
            row.username.as_str(),
            row.invitee.as_str(),
            row.account_name.as_str()
        ),
        ("T", "", "", "alice"),
        "{row:?}"
    );

    assert_eq!(
        preauth_and_register(server, &token, "bob", "stolen-password"),
        Err("not-allowed".into()),
        "a reset of alice used for bob\n{}",
        server.diagnostics()
    );
    assert_eq!(row_of(server, &token), row);
    assert!(check_password(server, "bob", "bob-password"));

    preauth_and_register(server, &token, "alice", "new-password")
        .unwrap_or_else(|e| panic!("the reset refused: {e}\n{}", server.diagnostics()));
    assert!(check_password(server, "alice", "new-password"));
    assert!(!check_password(server, "alice", "old-password"));
    let mut client = server.client();
    assert_eq!(
        client
            .login("alice", "old-password")
            .expect("login round trip"),
        Err("not-authorized".into())
    );
    client.close();
    logged_in(server, "alice", "new-password").close();

    assert_eq!(
        row_of(server, &token),
        TokenRow {
            invitee: jid("alice"),
            ..row
        },
        "the row after use\n{}",
        server.diagnostics()
    );
    assert_eq!(
        refused_condition(server, &token).as_deref(),
        Some("item-not-found"),
        "a used reset\n{}",
        server.diagnostics()
    );
}

/// `ejabberdctl check_password`: whether the server takes `password`.
fn check_password(server: &Ejabberd, user: &str, password: &str) -> bool {
    let out = server.ctl(&["check_password", user, HOST, password]);
    match out.status.code() {
        Some(0) => true,
        Some(1) => false,
        _ => panic!(
            "check_password {user}: {} {}{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            server.diagnostics()
        ),
    }
}
