//! The first scenarios on a real ejabberd 26.07: they prove the harness and
//! pin down what the server really does with its own invites and with rows
//! another program writes into its `invite_token` table.

use super::harness::{time_text, Ejabberd, Storage, TokenRow, HOST};

/// XEP-0445's stream feature.
const NS_IBR_TOKEN: &str = "urn:xmpp:ibr-token:0";

/// The only invite the server made for itself (`username = ''`) that
/// `before` did not have.
fn new_server_invite(server: &Ejabberd, before: &[String]) -> String {
    let rows = server.rows();
    let new: Vec<_> = rows
        .iter()
        .filter(|r| r.username.is_empty() && !before.contains(&r.token))
        .collect();
    assert_eq!(
        new.len(),
        1,
        "one new row: {rows:#?}\n{}",
        server.diagnostics()
    );
    new[0].token.clone()
}

/// Registers `user` with `token` (preauth, then jabber:iq:register on the
/// same unauthenticated stream) and logs in as them.
pub fn register_and_login(server: &Ejabberd, token: &str, user: &str, password: &str) {
    let mut client = server.client();
    // Unlike Prosody, ejabberd 26.07 never advertises urn:xmpp:invite;
    // it advertises XEP-0445's urn:xmpp:ibr-token:0 only when
    // `access_create_account` lets someone make account invites. Else the
    // client presents its token without being told it may.
    assert!(
        !client.advertises_invites(),
        "ejabberd now advertises urn:xmpp:invite in {}",
        client.features
    );
    assert_eq!(
        client.features.child("register", NS_IBR_TOKEN).is_some(),
        server.options.access_create_account,
        "XEP-0445 advertised in {}",
        client.features
    );
    client
        .preauth(token)
        .expect("preauth round trip")
        .unwrap_or_else(|e| {
            panic!(
                "preauth with {token} refused: {e}\n{}",
                server.diagnostics()
            )
        });
    client
        .register(user, password)
        .expect("register round trip")
        .unwrap_or_else(|e| panic!("registering {user} refused: {e}\n{}", server.diagnostics()));
    client.close();
    let mut client = server.client();
    client
        .login(user, password)
        .expect("login round trip")
        .unwrap_or_else(|e| panic!("{user} cannot log in: {e}\n{}", server.diagnostics()));
    client.close();
}

/// (a) An invite made by `ejabberdctl generate_invite` registers an
/// account, the new user logs in, and a second use is refused.
pub fn server_invite_registers_once(server: &Ejabberd) {
    if server.options.storage == Storage::Sqlite {
        let inside = server.db_path_inside();
        assert!(
            server
                .db_path()
                .ends_with(inside.strip_prefix("/").unwrap())
                && server.db_path().starts_with(server.chroot()),
            "{:?} is {inside:?} in the chroot",
            server.db_path()
        );
    }
    // ejabberd made the table itself, with or without server_host as the
    // schema option says.
    let columns = server.columns();
    assert!(columns.contains(&"invitee".to_owned()), "{columns:?}");
    assert_eq!(
        columns.iter().any(|c| c == "server_host"),
        server.options.multihost,
        "invite_token's columns: {columns:?}"
    );
    let out = server.ctl_ok(&["generate_invite", HOST]);
    let token = new_server_invite(server, &[]);
    // 26.07 prints the URI and the landing page (`landing_page: auto`: the
    // ejabberd_http listener's port, the virtual host as the name), and
    // makes 24-character tokens of a-y and 0-6.
    assert_eq!(
        out.trim_end(),
        format!(
            "xmpp:{HOST}?register;preauth={token}\thttp://{HOST}:{}/invites/{token}",
            server.http_port
        )
    );
    assert!(
        token.len() == 24
            && token
                .bytes()
                .all(|b| (b'a'..=b'y').contains(&b) || (b'0'..=b'6').contains(&b)),
        "{token}"
    );
    let row = server
        .rows()
        .into_iter()
        .find(|r| r.token == token)
        .unwrap();
    assert_eq!(row.kind, "A", "{row:?}");
    assert_eq!(row.invitee, "", "unused: {row:?}");
    if server.options.multihost {
        assert_eq!(row.server_host.as_deref(), Some(HOST), "{row:?}");
    }

    register_and_login(server, &token, "alice", "alice-password");

    // The row stays; invitee records who used it. Seen live: nothing else
    // changes (account_name stays '' for an account invite, created_at and
    // expires, created_at plus the default 5 days, are kept).
    let used = server
        .rows()
        .into_iter()
        .find(|r| r.token == token)
        .unwrap();
    assert_eq!(
        used,
        super::harness::TokenRow {
            invitee: format!("alice@{HOST}"),
            ..row.clone()
        },
        "the row after use"
    );
    assert_eq!(row.account_name, "", "{row:?}");

    let mut client = server.client();
    let refused = client.preauth(&token).expect("preauth round trip");
    assert_eq!(
        refused.map_err(|e| e.condition),
        Err("item-not-found".to_string()),
        "a used invite\n{}",
        server.diagnostics()
    );
    client.close();
}

/// (b) A row written straight into `invite_token` while the server runs
/// (as invitectl will write it: a 43-character base64url token, times as
/// `YYYY-MM-DD HH:MM:SS` in UTC) is honoured at once and listed by
/// `ejabberdctl list_invites`.
pub fn inserted_row_is_honoured(server: &Ejabberd) {
    // Make sure the server created its table before we write to it.
    assert!(server.rows().is_empty());
    let token = "Zm9vYmFyLWJhei1xdXV4LWludml0ZWN0bC10ZXN0LTE";
    assert_eq!(token.len(), 43);
    let now = invitectl::now();
    server.insert(&TokenRow {
        token: token.into(),
        username: String::new(),
        server_host: Some(HOST.into()),
        invitee: String::new(),
        created_at: time_text(now),
        expires: time_text(now + 86_400),
        kind: "A".into(),
        account_name: String::new(),
    });

    let listed = server.ctl_ok(&["list_invites", HOST]);
    assert!(
        listed.contains(token),
        "list_invites shows the row: {listed}"
    );

    register_and_login(server, token, "bob", "bob-password");
    let row = server
        .rows()
        .into_iter()
        .find(|r| r.token == token)
        .unwrap();
    assert_eq!(row.invitee, format!("bob@{HOST}"), "{row:?}");
}
