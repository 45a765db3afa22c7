//! invitectl on a real ejabberd 26.07 that keeps its invites in Mnesia,
//! its default database: found from the configuration alone, every
//! command goes through the server's API (`mod_http_api` on loopback),
//! and the server's own tools see the result.

use serde_json::Value;

use super::harness::{Ejabberd, HOST};
use super::invitectl::{generate, invitectl, invitectl_ok};
use super::scenarios::register_and_login;

/// The one-line error of a command that must fail with `code`.
fn refused(server: &Ejabberd, args: &[&str], code: i32) -> String {
    let out = invitectl(server, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "invitectl {args:?}: {stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout: {out:?}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

fn listed(server: &Ejabberd) -> Vec<Value> {
    invitectl_ok(server, &["list", "--json", "--all"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// The tokens `ejabberdctl list_invites` shows.
fn servers_tokens(server: &Ejabberd) -> Vec<String> {
    server
        .ctl_ok(&["list_invites", HOST])
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn preauth_refusal(server: &Ejabberd, token: &str) -> Option<String> {
    let mut client = server.client();
    let answer = client.preauth(token).expect("preauth round trip");
    client.close();
    answer.err().map(|e| e.condition)
}

/// Every command, through the API: account, username-bound and reset
/// invites made by the server for invitectl, used in-band, listed with
/// who used them, revoked and pruned; what the API cannot make is a usage
/// error that makes nothing.
pub fn every_command_goes_through_the_api(server: &Ejabberd) {
    let scheme = if server.options.api_tls {
        "https"
    } else {
        "http"
    };
    let api = format!("{scheme}://127.0.0.1:{}/api", server.http_port);
    let report = invitectl_ok(server, &["check-config"]);
    assert!(
        report.contains(&format!(
            "writes go through the running ejabberd's API at {api}"
        )),
        "{report}"
    );
    assert!(report.contains("writable by this user"), "{report}");

    let account = generate(server, &[]);
    let token = account["token"].as_str().unwrap().to_owned();
    // The server made the token (24 characters of a-y and 0-6) and its
    // landing page (`landing_page: auto`).
    assert_eq!(token.len(), 24, "{account}");
    assert_eq!(
        account["uri"],
        format!("xmpp:{HOST}?register;preauth={token}")
    );
    assert_eq!(
        account["landing_page"],
        format!("{scheme}://{HOST}:{}/invites/{token}", server.http_port)
    );
    assert!(servers_tokens(server).contains(&token));
    register_and_login(server, &token, "bob", "bob-password");
    let bob = listed(server)
        .into_iter()
        .find(|i| i["token"] == token.as_str())
        .expect("the used invite is listed");
    assert_eq!(bob["used_by"], format!("bob@{HOST}"), "{bob}");

    let named = generate(server, &["--username", "juliet"]);
    assert!(
        named["uri"]
            .as_str()
            .unwrap()
            .starts_with(&format!("xmpp:juliet@{HOST}?register;preauth=")),
        "{named}"
    );
    server.ctl_ok(&["register", "alice", HOST, "alice-password"]);
    let reset = generate(server, &["--reset", "alice"]);
    assert_eq!(reset["reset_user"], "alice", "{reset}");

    let before = servers_tokens(server);
    for (args, says) in [
        (
            &["generate", "--contact", "alice"][..],
            "access_create_account: none",
        ),
        (
            &["generate", "--contact", "alice", "--no-register"][..],
            "cannot store contact invites",
        ),
        (&["generate", "--ttl", "1h"][..], "token_expire_seconds"),
        (&["generate", "--reusable"][..], "reusable"),
    ] {
        let line = refused(server, args, 2);
        assert!(line.contains(says), "{args:?}: {line}");
    }
    assert_eq!(servers_tokens(server), before, "nothing was made");

    let named_token = named["token"].as_str().unwrap();
    invitectl_ok(server, &["revoke", named_token]);
    assert!(!servers_tokens(server).contains(&named_token.to_owned()));
    assert_eq!(
        preauth_refusal(server, named_token).as_deref(),
        Some("item-not-found")
    );

    // ejabberd's own expire keeps the row; invitectl's expire removes it,
    // and keeps bob's used invite and alice's valid reset.
    let reset_token = reset["token"].as_str().unwrap();
    server.ctl_ok(&["expire_invite_by_token", HOST, reset_token]);
    let expired = invitectl_ok(server, &["list", "--expired", "--json"]);
    assert_eq!(expired.lines().count(), 1, "{expired}");
    assert!(expired.contains(reset_token), "{expired}");
    invitectl_ok(server, &["expire"]);
    let left = servers_tokens(server);
    assert!(!left.contains(&reset_token.to_owned()), "{left:?}");
    assert!(left.contains(&token), "the used invite stays: {left:?}");
}

/// `generate --count` is one command per invite: it stops at ejabberd's
/// own cap of 1000 server-made invites (processone/ejabberd#4616) and then
/// deletes what it made, so that nothing of the batch is left.
pub fn bulk_stops_at_the_servers_cap_and_leaves_nothing(server: &Ejabberd) {
    let links = invitectl_ok(server, &["generate", "--count", "300"]);
    assert_eq!(links.lines().count(), 300);
    assert_eq!(servers_tokens(server).len(), 300);
    let line = refused(server, &["generate", "--count", "701"], 1);
    assert!(line.contains("num_invites_exceeded"), "{line}");
    assert!(line.contains("#4616"), "{line}");
    assert_eq!(servers_tokens(server).len(), 300, "the batch was undone");
    let tokens: Vec<String> = listed(server)
        .iter()
        .map(|i| i["token"].as_str().unwrap().to_owned())
        .collect();
    let mut revoke = vec!["revoke"];
    revoke.extend(tokens.iter().map(String::as_str));
    invitectl_ok(server, &revoke);
    assert!(servers_tokens(server).is_empty());
    // 700 more now fit under the cap.
    let links = invitectl_ok(server, &["generate", "--count", "700"]);
    assert_eq!(links.lines().count(), 700);
}

/// Over TLS, invitectl trusts the certificate the server's `certfiles`
/// name and no other: with the file replaced by another certificate for
/// the same name (the server still serves the first), every command is
/// refused in one line and nothing is made.
pub fn only_the_servers_own_certificate_is_trusted(server: &Ejabberd) {
    assert!(invitectl_ok(server, &["list"]).is_empty());
    let config = std::fs::read_to_string(server.config_path()).unwrap();
    let pem = config
        .lines()
        .find_map(|l| l.strip_prefix("certfiles: [\"")?.strip_suffix("\"]"))
        .expect("the configuration's certfiles");
    let folder = std::path::Path::new(pem).parent().unwrap();
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", &format!("/CN={HOST}")])
        .args(["-keyout", "other.key", "-out", "other.pem"])
        .current_dir(folder)
        .output()
        .unwrap();
    assert!(made.status.success());
    std::fs::copy(folder.join("other.pem"), pem).unwrap();
    for args in [&["list"][..], &["generate"]] {
        let line = refused(server, args, 1);
        assert!(
            line.contains(&format!("https://127.0.0.1:{}/api", server.http_port)),
            "{line}"
        );
        assert!(
            line.contains("certificate is none of those its configuration's certfiles hold"),
            "{line}"
        );
    }
    assert!(servers_tokens(server).is_empty(), "nothing was made");
}

/// Scenario 11 through the API: while a client registers a stream of
/// people with invitectl's invites, `generate --count 300`, a `revoke` of
/// 200 and, until the stream ends, `expire` and `list --json` in loops all
/// go through the server's API. Every registration and every command
/// succeeds, the server logs no error, and the server holds exactly what
/// they leave: the stream's invites used by its accounts, the revoked
/// ones gone, the new ones unused.
pub fn concurrent_use_through_the_api(server: &Ejabberd) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    const STREAM: usize = 200;
    const REVOKED: usize = 200;
    const MORE: usize = 300;
    let count = (STREAM + REVOKED).to_string();
    let made: Vec<String> = invitectl_ok(server, &["generate", "--json", "--count", &count])
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["token"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let (stream_tokens, revoked) = made.split_at(STREAM);
    let log_start = server.log().len();
    let (stop, done, stream_over) = (
        AtomicBool::new(false),
        AtomicUsize::new(0),
        AtomicBool::new(false),
    );
    let mut revoke_args = vec!["revoke"];
    revoke_args.extend(revoked.iter().map(String::as_str));
    let more = MORE.to_string();
    let looped = |args: &'static [&'static str]| {
        let mut runs = Vec::new();
        while !stream_over.load(Ordering::SeqCst) {
            runs.push(invitectl(server, args));
        }
        runs
    };
    let (results, generated, revoke, expires, lists) = std::thread::scope(|s| {
        let stream = s.spawn(|| {
            let results = super::load::registration_stream(
                server.c2s_port,
                "stream",
                stream_tokens,
                &stop,
                &done,
                Duration::from_secs(60),
            );
            stream_over.store(true, Ordering::SeqCst);
            results
        });
        let warm = Instant::now();
        while done.load(Ordering::SeqCst) < 5 && warm.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let expires = s.spawn(|| looped(&["expire"]));
        let lists = s.spawn(|| looped(&["list", "--json"]));
        let revoke = s.spawn(|| invitectl(server, &revoke_args));
        let generated = invitectl(server, &["generate", "--json", "--count", &more]);
        let revoke = revoke.join().unwrap();
        let results = stream.join().unwrap();
        (
            results,
            generated,
            revoke,
            expires.join().unwrap(),
            lists.join().unwrap(),
        )
    });
    let failed: Vec<_> = results.iter().filter(|r| r.2.is_err()).collect();
    assert!(
        failed.is_empty() && results.len() == STREAM,
        "{} of {} registrations failed, the first: {:?}\n{}",
        failed.len(),
        results.len(),
        failed.first(),
        server.diagnostics()
    );
    for (name, out) in [("generate", &generated), ("revoke", &revoke)]
        .into_iter()
        .chain(expires.iter().map(|o| ("expire", o)))
        .chain(lists.iter().map(|o| ("list", o)))
    {
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!(
        "ejabberd on Mnesia: {STREAM} registrations beside generate --count {MORE}, a revoke of {REVOKED}, {} expire and {} list --json runs",
        expires.len(),
        lists.len()
    );
    let log = server.log();
    let errors: Vec<&str> = log[log_start.min(log.len())..]
        .lines()
        .filter(|l| l.contains("[error]") || l.contains("[critical]"))
        .collect();
    assert!(
        errors.is_empty(),
        "the server logged errors:\n{}",
        errors.join("\n")
    );
    let listed = listed(server);
    assert_eq!(listed.len(), STREAM + MORE, "what the server holds");
    for (i, token) in stream_tokens.iter().enumerate() {
        let invite = listed
            .iter()
            .find(|v| v["token"] == token.as_str())
            .unwrap();
        assert_eq!(invite["used_by"], format!("stream{i}@{HOST}"), "{invite}");
    }
    assert!(listed
        .iter()
        .all(|v| !revoked.contains(&v["token"].as_str().unwrap().to_owned())));
}
