//! Landing pages against a real ejabberd 26.07: for the same
//! `landing_page` (`auto`, and a template naming every variable), invitectl
//! prints the page ejabberd's own commands print for their invites, and
//! the server's `ejabberd_http` listener serves invitectl's invites at
//! those pages, and no page for a revoked one.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Output;
use std::time::Duration;

use super::harness::{Ejabberd, HOST};
use crate::interop::harness::{Running, COMMAND_TIMEOUT};
use crate::support::binary;

/// A template of the listener's pages. ejabberd 26.07 renders it for its
/// pages' base path with the token and host alone, and fails to serve any
/// invite page when it names another value (an unset value is no binary
/// to its `binary_join`, a filter of one fails): so only these two.
pub const TEMPLATE: &str = "http://@HOST@:HTTP_PORT/invites/{{ invite.token }}?h={{ host }}";

/// Every variable and filter, for a landing page elsewhere, checked
/// against what ejabberd's commands print.
pub const ELSEWHERE: &str = "https://join.test/#{{ invite.uri|strip_protocol|safe }}/{{ invite.inviter|jid }}/{{ invite.inviter|user }}/{{ invite.uri }}/{{ invite.account_name }}/{{ invite.type }}/{{ invite.invitee }}/{{ host }}";

/// A template ejabberd 26.07 loads but cannot render: `urlencode` of a
/// value it changes, before more text.
pub const URLENCODED: &str =
    "http://@HOST@:HTTP_PORT/invites/{{ invite.token }}?u={{ invite.uri|urlencode }}&t={{ invite.token }}";

/// `invitectl --config ejabberd.yml --store DB HOST ARGS`: the server's
/// own configuration (read from its folder) with its database.
fn invitectl(server: &Ejabberd, args: &[&str]) -> Output {
    let mut command = binary::command();
    command
        .arg("--config")
        .arg(server.dir().join("ejabberd.yml"))
        .arg("--store")
        .arg(server.store_arg())
        .arg(HOST)
        .args(args);
    Running::spawn(format!("invitectl {args:?}"), command).wait(COMMAND_TIMEOUT)
}

/// The one link `invitectl generate ARGS` printed, and its token.
fn generate(server: &Ejabberd, args: &[&str]) -> (String, String) {
    let before: Vec<String> = server.rows().into_iter().map(|r| r.token).collect();
    let mut all = vec!["generate"];
    all.extend_from_slice(args);
    let out = invitectl(server, &all);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "invitectl {all:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.diagnostics()
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let new: Vec<String> = server
        .rows()
        .into_iter()
        .map(|r| r.token)
        .filter(|t| !before.contains(t))
        .collect();
    assert_eq!(new.len(), 1, "one new row: {new:?}");
    (lines[0].to_owned(), new[0].clone())
}

/// What one of ejabberd's commands prints: the URI and the landing page,
/// and the token.
fn server_made(server: &Ejabberd, args: &[&str]) -> (String, String, String) {
    let out = server.ctl_ok(args);
    let (uri, page) = out
        .trim_end()
        .split_once('\t')
        .unwrap_or_else(|| panic!("{args:?} printed no landing page: {out:?}"));
    let token = uri
        .split("preauth=")
        .nth(1)
        .and_then(|t| t.split(';').next())
        .expect("a token in the URI");
    (uri.to_owned(), page.to_owned(), token.to_owned())
}

/// A response of the listener.
struct Response {
    status: u16,
    headers: String,
    body: String,
}

/// `GET url` on the server's listener, with the virtual host in `Host`.
fn get(server: &Ejabberd, url: &str) -> Response {
    let url = url::Url::parse(url).expect("a URL");
    assert_eq!(url.port(), Some(server.http_port), "{url}");
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut stream = TcpStream::connect(("127.0.0.1", server.http_port)).expect("connecting");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a timeout");
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\n\r\n",
        url.host_str().unwrap(),
        server.http_port
    )
    .expect("sending the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reading the response");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    // A handler that crashes closes the connection without an answer.
    let Some((head, body)) = raw.split_once("\r\n\r\n") else {
        assert!(raw.is_empty(), "half a response: {raw:?}");
        return Response {
            status: 0,
            headers: String::new(),
            body: String::new(),
        };
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head}"));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        unchunk(body)
    } else {
        body.to_owned()
    };
    Response {
        status,
        headers: head.to_owned(),
        body,
    }
}

fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

/// What the listener serves at a landing page: the invite's page, with
/// the invite's URI (as ejabberd gives it) in a `Link` header, or for a
/// password reset (`None`) the form that sets the password, which has none.
fn pages_are_served(server: &Ejabberd, link: &str, token: &str, uri: Option<&str>) {
    let page = get(server, link);
    assert_eq!(
        page.status,
        200,
        "{link}: {}\n{}",
        page.body,
        server.diagnostics()
    );
    assert!(page.body.contains(token), "{link}: {}", page.body);
    match uri {
        Some(uri) => assert!(
            page.headers.contains(&format!("\r\nLink: <{uri}>")),
            "{link}: {}",
            page.headers
        ),
        None => assert!(
            !page.headers.contains("\r\nLink:")
                && page.headers.contains("\r\nSet-Cookie: reset-id="),
            "{link}: {}",
            page.headers
        ),
    }
}

/// Every type's landing page, checked against the server's own where it
/// has a command for the type, and served by it; a revoked one is not.
fn same_pages_as_ejabberd(server: &Ejabberd) {
    server.ctl_ok(&["register", "dave", HOST, "dave-password"]);
    server.ctl_ok(&["register", "alice", HOST, "alice-password"]);
    for (ours, theirs) in [
        (&[][..], &["generate_invite", HOST][..]),
        (
            &["--username", "bob"],
            &["generate_invite_with_username", "bob", HOST],
        ),
        (
            &["--reset", "dave"],
            &["generate_reset_token", "dave", HOST],
        ),
    ] {
        let (their_uri, their_page, their_token) = server_made(server, theirs);
        let (link, token) = generate(server, ours);
        assert_eq!(
            link,
            their_page.replace(&their_token, &token),
            "{ours:?} against {theirs:?}"
        );
        // Both the server's and invitectl's are served.
        let reset = theirs[0] == "generate_reset_token";
        let our_uri = their_uri.replace(&their_token, &token);
        pages_are_served(
            server,
            &their_page,
            &their_token,
            (!reset).then_some(&*their_uri),
        );
        pages_are_served(server, &link, &token, (!reset).then_some(&*our_uri));
    }
    // Contact invites (no ejabberdctl command makes them): their pages.
    // (One that would register, `S`, needs access_create_account, which
    // this server leaves at `none`: see contacts.rs.)
    let (link, token) = generate(server, &["--contact", "alice", "--no-register"]);
    let uri = format!("xmpp:alice@{HOST}?roster;preauth={token}");
    pages_are_served(server, &link, &token, Some(&uri));
    // A revoked invite has no page: ejabberd answers 404 with its
    // invalid-invite page, which names no token.
    let (link, token) = generate(server, &[]);
    pages_are_served(
        server,
        &link,
        &token,
        Some(&format!("xmpp:{HOST}?register;preauth={token}")),
    );
    let out = invitectl(server, &["revoke", &token]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gone = get(server, &link);
    assert_eq!(gone.status, 404, "{link}: {}", gone.body);
    assert!(!gone.body.contains(&token), "{}", gone.body);
}

/// `landing_page: auto`, the suite's server: the listener's page.
pub fn landing_pages_auto(server: &Ejabberd) {
    let (link, token) = generate(server, &[]);
    assert_eq!(
        link,
        format!("http://{HOST}:{}/invites/{token}", server.http_port)
    );
    same_pages_as_ejabberd(server);
}

/// [`TEMPLATE`]: the listener's pages, at the template's links.
pub fn landing_pages_template(templated: &Ejabberd) {
    let (link, token) = generate(templated, &["--contact", "alice", "--no-register"]);
    let port = templated.http_port;
    assert_eq!(
        link,
        format!("http://{HOST}:{port}/invites/{token}?h={HOST}")
    );
    same_pages_as_ejabberd(templated);
    let report = invitectl(templated, &["check-config"]);
    let report = String::from_utf8_lossy(&report.stdout);
    assert!(
        report.contains(&format!("ok: landing page http://{HOST}:{port}/invites/"))
            && !report.contains("serves no invite page"),
        "{report}"
    );
}

/// [`ELSEWHERE`]: every variable and filter, against ejabberd's commands.
pub fn landing_pages_elsewhere(elsewhere: &Ejabberd) {
    elsewhere.ctl_ok(&["register", "dave", HOST, "dave-password"]);
    for (ours, theirs) in [
        (&[][..], &["generate_invite", HOST][..]),
        (
            &["--username", "bob"],
            &["generate_invite_with_username", "bob", HOST],
        ),
        (
            &["--reset", "dave"],
            &["generate_reset_token", "dave", HOST],
        ),
    ] {
        let (_, page, their_token) = server_made(elsewhere, theirs);
        let (link, token) = generate(elsewhere, ours);
        assert_eq!(link, page.replace(&their_token, &token), "{ours:?}");
    }
    // ejabberd's own page of an invite fails with this template, as
    // check-config warns.
    let (_, token) = generate(elsewhere, &[]);
    let own = format!("http://{HOST}:{}/invites/{token}", elsewhere.http_port);
    assert_eq!(get(elsewhere, &own).status, 0, "{own}");
    let report = invitectl(elsewhere, &["check-config"]);
    let report = String::from_utf8_lossy(&report.stdout);
    assert!(
        report.contains(
            "warning: ejabberd 26.07 serves no invite page of its own with this landing_page"
        ),
        "{report}"
    );
    let (link, token) = generate(elsewhere, &["--username", "bob"]);
    assert_eq!(
        link,
        format!("https://join.test/#bob@{HOST}?register;preauth={token}/{HOST}//xmpp:bob@{HOST}?register;preauth={token}/bob/account_only//{HOST}")
    );
    let (link, token) = generate(elsewhere, &["--contact", "alice", "--no-register"]);
    assert_eq!(
        link,
        format!("https://join.test/#alice@{HOST}?roster;preauth={token}/alice@{HOST}/alice/xmpp:alice@{HOST}?roster;preauth={token}//roster_only//{HOST}")
    );
}

/// What ejabberd itself fails to render, invitectl refuses, writing
/// nothing, rather than print a page ejabberd's own commands never give.
pub fn landing_page_ejabberd_cannot_render(urlencoded: &Ejabberd) {
    let theirs = urlencoded.ctl(&["generate_invite", HOST]);
    assert!(
        !theirs.status.success()
            && String::from_utf8_lossy(&theirs.stdout).contains("construction of binary failed"),
        "ejabberd 26.07 renders urlencode now: {theirs:?}"
    );
    let before = urlencoded.rows();
    let ours = invitectl(urlencoded, &["generate"]);
    let stderr = String::from_utf8_lossy(&ours.stderr);
    assert_eq!(ours.status.code(), Some(1), "{stderr}");
    assert!(ours.stdout.is_empty());
    assert!(
        stderr.starts_with("invitectl: ")
            && stderr.contains("urlencode")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    // ejabberd's failed command may leave its row: compare with what was
    // there after it.
    assert_eq!(urlencoded.rows(), before, "invitectl wrote nothing");
}

/// Through ejabberd's API (Mnesia), the server makes each invite and its
/// landing page, which invitectl prints and the listener serves; only
/// `--landing-page` overrides it.
pub fn landing_pages_through_the_api(server: &Ejabberd) {
    let generate = |args: &[&str]| -> serde_json::Value {
        let mut command = binary::command();
        command
            .arg("--config")
            .arg(server.config_path())
            .args([HOST, "generate", "--json"])
            .args(args);
        let out =
            Running::spawn(format!("invitectl generate {args:?}"), command).wait(COMMAND_TIMEOUT);
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            server.diagnostics()
        );
        serde_json::from_slice(&out.stdout).expect("one JSON invite")
    };
    let made = generate(&[]);
    let token = made["token"].as_str().unwrap();
    let page = format!("http://{HOST}:{}/invites/{token}", server.http_port);
    assert_eq!(
        (&made["landing_page"], &made["link"]),
        (&page.clone().into(), &page.clone().into())
    );
    pages_are_served(
        server,
        &page,
        token,
        Some(&format!("xmpp:{HOST}?register;preauth={token}")),
    );
    let made = generate(&[
        "--landing-page",
        "https://join.test/#{{ invite.uri|strip_protocol }}",
    ]);
    let token = made["token"].as_str().unwrap();
    assert_eq!(
        made["landing_page"],
        format!("https://join.test/#{HOST}?register;preauth={token}")
    );
}
