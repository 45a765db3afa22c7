//! Scenario 11 on a real ejabberd 26.07: invitectl's bulk commands against
//! the store a live server writes to while people register with invites.

use std::collections::{BTreeMap, HashSet};
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use invitectl::{Host, InviteRequest, Location, OpenMode, Store};
use serde_json::Value;

use super::harness::{Ejabberd, HOST};
use super::invitectl::{invitectl, invitectl_ok};
use crate::interop::harness::COMMAND_TIMEOUT;
use crate::interop::scenarios::load_turn;
use crate::interop::xmpp::Client;

/// One registration of the stream: (username, token, outcome, when it
/// ended).
pub(super) type Registration = (String, String, Result<(), String>, Instant);

/// Registers `{prefix}{i}` with `tokens[i]` (preauth, then
/// jabber:iq:register on one new connection each), one after another,
/// until `stop` or `limit`.
pub(super) fn registration_stream(
    port: u16,
    prefix: &str,
    tokens: &[String],
    stop: &AtomicBool,
    done: &AtomicUsize,
    limit: Duration,
) -> Vec<Registration> {
    let started = Instant::now();
    let mut results = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if stop.load(Ordering::SeqCst) || started.elapsed() > limit {
            break;
        }
        let user = format!("{prefix}{i}");
        let outcome = (|| -> anyhow::Result<Result<(), String>> {
            let mut c = Client::connect(port, HOST)?;
            if let Err(e) = c.preauth(token)? {
                return Ok(Err(format!("preauth: {e}")));
            }
            if let Err(e) = c.register(&user, "pw")? {
                return Ok(Err(format!("register: {e}")));
            }
            c.close();
            Ok(Ok(()))
        })();
        let outcome = outcome.unwrap_or_else(|e| Err(format!("transport: {e:#}")));
        results.push((user, token.clone(), outcome, Instant::now()));
        done.fetch_add(1, Ordering::SeqCst);
    }
    results
}

/// Runs invitectl `args` again and again, `every` apart, until `stop`.
fn run_in_a_loop(
    server: &Ejabberd,
    args: &[&str],
    every: Duration,
    stop: &AtomicBool,
    deadline: Instant,
) -> Vec<Output> {
    let mut runs = Vec::new();
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        let started = Instant::now();
        runs.push(invitectl(server, args));
        std::thread::sleep(every.saturating_sub(started.elapsed()));
    }
    runs
}

/// The problem with one command run, if it failed.
fn failed_run(name: &str, out: &Output) -> Option<String> {
    (!out.status.success()).then(|| {
        format!(
            "invitectl {name}: {} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })
}

/// The tokens of `generate --json` output, one invite a line.
fn tokens(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON invite");
            v["token"].as_str().expect("a token").to_owned()
        })
        .collect()
}

/// While a client registers a stream of people with invitectl's invites,
/// `generate --count 20000` (three times in a row), `expire` every 100 ms,
/// `list --json` in a loop and a `revoke` of 500 invites run against the
/// server's database together, for at least 10 s. Every command run and every registration succeeds, the
/// server logs no error, and afterwards every generated invite is stored
/// unused, every registration left its account and its row (ejabberd
/// keeps used rows, and so does `expire`), the revoked and the expired
/// invites are gone.
///
/// Sizes: on a two-core machine one such generate takes about 1.3 s on
/// PostgreSQL; the whole test stays well under a minute, the stream
/// bounded at 40 s.
pub fn concurrent_use(server: &Ejabberd) {
    const STREAM_TOKENS: usize = 1_000;
    const REVOKED: usize = 500;
    const STALE: usize = 50;
    const BATCH: usize = 20_000;
    /// generate --count BATCH runs, one after another.
    const GENERATES: usize = 3;
    /// The loops and the stream go on at least this long.
    const OVERLAP: Duration = Duration::from_secs(10);
    const EXPIRE_EVERY: Duration = Duration::from_millis(100);
    const STREAM_LIMIT: Duration = Duration::from_secs(40);
    let _turn = load_turn();

    let count = (STREAM_TOKENS + REVOKED).to_string();
    let mut made = tokens(&invitectl_ok(
        server,
        &["generate", "--json", "--count", &count],
    ))
    .into_iter();
    let stream_tokens: Vec<String> = made.by_ref().take(STREAM_TOKENS).collect();
    let revoked: Vec<String> = made.collect();
    assert_eq!(revoked.len(), REVOKED);
    // Expired a day ago, for `expire` to prune.
    let host = Host::parse(HOST).unwrap();
    let now = invitectl::now();
    let mut store = Store::open(
        &Location::parse(server.store_arg().as_ref()).unwrap(),
        OpenMode::Existing,
    )
    .unwrap();
    let stale: Vec<String> = (0..STALE)
        .map(|_| {
            let invite = InviteRequest {
                ttl: Some(Duration::from_secs(60)),
                ..InviteRequest::default()
            }
            .build(&host, now - 86_400)
            .unwrap();
            store.insert(&host, &invite).unwrap();
            invite.token.as_str().to_owned()
        })
        .collect();
    drop(store);
    let log_start = server.log().len();

    let stop_stream = AtomicBool::new(false);
    let commands_done = AtomicBool::new(false);
    let done = AtomicUsize::new(0);
    let mut revoke_args = vec!["revoke"];
    revoke_args.extend(revoked.iter().map(String::as_str));
    let batch = BATCH.to_string();
    let generate_args = ["generate", "--json", "--count", batch.as_str()];

    let (results, gen, rev, expires, lists, t0, took, during) = std::thread::scope(|s| {
        let (commands_done, stream_tokens) = (&commands_done, &stream_tokens);
        let (stop_stream, done) = (&stop_stream, &done);
        let port = server.c2s_port;
        let stream = s.spawn(move || {
            registration_stream(
                port,
                "stream",
                stream_tokens,
                stop_stream,
                done,
                STREAM_LIMIT,
            )
        });
        // Let the stream get going, then start everything at once.
        let warm = Instant::now();
        while done.load(Ordering::SeqCst) < 5
            && !stream.is_finished()
            && warm.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        let during_from = done.load(Ordering::SeqCst);
        let t0 = Instant::now();
        let deadline = t0 + 2 * COMMAND_TIMEOUT;
        let expires = s.spawn(move || {
            run_in_a_loop(server, &["expire"], EXPIRE_EVERY, commands_done, deadline)
        });
        let lists = s.spawn(move || {
            run_in_a_loop(
                server,
                &["list", "--json"],
                Duration::ZERO,
                commands_done,
                deadline,
            )
        });
        let rev = s.spawn(|| invitectl(server, &revoke_args));
        let gen: Vec<Output> = (0..GENERATES)
            .map(|_| invitectl(server, &generate_args))
            .collect();
        let rev = rev.join().expect("revoke");
        let took = t0.elapsed();
        while t0.elapsed() < OVERLAP && !stream.is_finished() {
            std::thread::sleep(Duration::from_millis(10));
        }
        commands_done.store(true, Ordering::SeqCst);
        let during_to = done.load(Ordering::SeqCst);
        let expires = expires.join().expect("expire loop");
        let lists = lists.join().expect("list loop");
        // A few more registrations after the commands, then stop.
        while done.load(Ordering::SeqCst) < during_to + 5
            && !stream.is_finished()
            && t0.elapsed() < STREAM_LIMIT
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        stop_stream.store(true, Ordering::SeqCst);
        let results = stream.join().expect("registration stream");
        (
            results,
            gen,
            rev,
            expires,
            lists,
            t0,
            took,
            during_to - during_from,
        )
    });

    let log = server.log();
    let new_log = &log[log_start.min(log.len())..];
    let bad_lines: Vec<&str> = new_log
        .lines()
        .filter(|l| l.contains("[error]") || l.contains("[critical]"))
        .take(20)
        .collect();
    let failures: Vec<&Registration> = results.iter().filter(|r| r.2.is_err()).collect();
    let failed_after = failures.iter().filter(|r| r.3 > t0 + took).count();
    eprintln!(
        "ejabberd on {:?} (multihost: {}): {GENERATES} generate --count {BATCH} and a revoke \
         of {REVOKED} took {took:?}; with the loops, over at least {OVERLAP:?}, {} expire runs, \
         {} list --json runs, {during} registrations ({} in total, {} failed, {failed_after} of \
         them after generate and revoke ended)",
        server.options.storage,
        server.options.multihost,
        expires.len(),
        lists.len(),
        results.len(),
        failures.len(),
    );

    let mut problems = Vec::new();
    for run in &gen {
        problems.extend(failed_run(&format!("generate --count {BATCH}"), run));
    }
    problems.extend(failed_run(&format!("revoke ({REVOKED} tokens)"), &rev));
    for (name, runs) in [("expire", &expires), ("list --json", &lists)] {
        let failed: Vec<String> = runs.iter().filter_map(|r| failed_run(name, r)).collect();
        if let Some(first) = failed.first() {
            problems.push(format!(
                "{} of {} {name} runs failed, the first: {first}",
                failed.len(),
                runs.len()
            ));
        }
    }
    if !failures.is_empty() {
        problems.push(format!(
            "{} of {} registrations failed (first: {:?}; last: {:?})",
            failures.len(),
            results.len(),
            failures.first().map(|r| (&r.0, &r.2)),
            failures.last().map(|r| (&r.0, &r.2)),
        ));
    }
    // Once the commands are done, the server registers again.
    let probe = tokens(&invitectl_ok(server, &["generate", "--json"]));
    let after = registration_stream(
        server.c2s_port,
        "probe",
        &probe,
        &AtomicBool::new(false),
        &AtomicUsize::new(0),
        STREAM_LIMIT,
    );
    if let Some((_, _, Err(e), _)) = after.first() {
        problems.push(format!("after the commands, a registration failed: {e}"));
    }
    if !bad_lines.is_empty() {
        problems.push(format!(
            "the server logged errors:\n{}",
            bad_lines.join("\n")
        ));
    }
    assert!(
        problems.is_empty(),
        "ejabberd on {:?}: concurrent use failed:\n- {}\n{}",
        server.options.storage,
        problems.join("\n- "),
        server.diagnostics()
    );
    assert!(during > 0, "no registration overlapped the commands");
    assert!(
        !expires.is_empty() && !lists.is_empty(),
        "the loops did not run"
    );
    for run in &lists {
        for line in String::from_utf8_lossy(&run.stdout).lines() {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("list --json printed {line:?}: {e}"));
            assert!(v["token"].is_string(), "{line}");
        }
    }

    let mut batch_tokens = HashSet::new();
    for run in &gen {
        let printed = tokens(std::str::from_utf8(&run.stdout).expect("UTF-8"));
        assert_eq!(printed.len(), BATCH, "generate --count {BATCH} printed");
        batch_tokens.extend(printed);
    }
    assert_eq!(
        batch_tokens.len(),
        GENERATES * BATCH,
        "generate printed a token twice"
    );

    let rows: BTreeMap<String, String> = server
        .rows()
        .into_iter()
        .map(|r| (r.token, r.invitee))
        .collect();
    let accounts: HashSet<String> = server
        .ctl_ok(&["registered_users", HOST])
        .lines()
        .map(str::to_owned)
        .collect();
    let mut wrong: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut note = |kind, example: String| wrong.entry(kind).or_default().push(example);
    for token in &batch_tokens {
        if rows.get(token).map(String::as_str) != Some("") {
            note("generated, not stored unused", token.clone());
        }
    }
    for (user, token, _, _) in &results {
        if !accounts.contains(user) {
            note("registered, no account", format!("{user} ({token})"));
        }
        if rows.get(token) != Some(&format!("{user}@{HOST}")) {
            note(
                "used, its row not the account's",
                format!("{user} ({token})"),
            );
        }
    }
    let used: HashSet<&str> = results.iter().map(|r| r.1.as_str()).collect();
    for token in &stream_tokens {
        if !used.contains(token.as_str()) && rows.get(token).map(String::as_str) != Some("") {
            note("not used, not stored unused", token.clone());
        }
    }
    for token in &revoked {
        if rows.contains_key(token) {
            note("revoked, still stored", token.clone());
        }
    }
    for token in &stale {
        if rows.contains_key(token) {
            note("expired, not pruned", token.clone());
        }
    }
    for (user, token, _, _) in &after {
        if rows.get(token) != Some(&format!("{user}@{HOST}")) {
            note(
                "the probe's row not its account's",
                format!("{user} ({token})"),
            );
        }
    }
    let expected_rows = GENERATES * BATCH + STREAM_TOKENS + after.len();
    assert!(
        wrong.is_empty() && rows.len() == expected_rows,
        "after concurrent use ({} rows, {expected_rows} expected): {:?}\n{}",
        rows.len(),
        wrong
            .iter()
            .map(|(k, v)| format!("{k}: {} (e.g. {:?})", v.len(), &v[..v.len().min(3)]))
            .collect::<Vec<_>>(),
        server.diagnostics()
    );
}

/// What concurrent use meets on SQLite, pinned down: while another
/// process holds the database's write lock (here the test's own
/// connection, `BEGIN IMMEDIATE`, as each invitectl command does for its
/// one transaction), ejabberd's registration with a valid invite fails at
/// once, without waiting for the lock, and the server logs "database is
/// locked" and answers `forbidden`; the invite and the name stay unused. Once the lock is gone,
/// the same invite registers the same name.
pub fn sqlite_lock_fails_server_writes(server: &Ejabberd) {
    assert_eq!(server.options.storage, super::harness::Storage::Sqlite);
    let token = tokens(&invitectl_ok(server, &["generate", "--json"])).remove(0);
    let lock = server.sqlite();
    lock.execute_batch("BEGIN IMMEDIATE")
        .expect("the write lock");
    let started = Instant::now();
    let during = registration_stream(
        server.c2s_port,
        "locked",
        std::slice::from_ref(&token),
        &AtomicBool::new(false),
        &AtomicUsize::new(0),
        STREAM_LIMIT_ONE,
    );
    let took = started.elapsed();
    lock.execute_batch("ROLLBACK").expect("releasing the lock");
    drop(lock);
    let outcome = during.first().map(|r| r.2.clone());
    eprintln!("a registration under another process's SQLite lock: {outcome:?} in {took:?}");
    // 26.07 answers a failed write as if the policy forbade it.
    assert_eq!(
        outcome,
        Some(Err(
            "register: forbidden (Access denied by service policy)".into()
        )),
        "a registration while another process holds the lock: {during:?}\n{}",
        server.diagnostics()
    );
    assert!(
        took < Duration::from_secs(5),
        "the server waited {took:?} for the lock"
    );
    // The logger writes a moment later.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("failed: \"database is locked\"") {
        assert!(
            Instant::now() < deadline,
            "no \"database is locked\" in the log\n{}",
            server.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let rows = server.rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].invitee, "", "{rows:?}");
    assert!(!server
        .ctl_ok(&["registered_users", HOST])
        .lines()
        .any(|u| u == "locked0"));

    let after = registration_stream(
        server.c2s_port,
        "locked",
        std::slice::from_ref(&token),
        &AtomicBool::new(false),
        &AtomicUsize::new(0),
        STREAM_LIMIT_ONE,
    );
    assert!(
        matches!(after.first(), Some((_, _, Ok(()), _))),
        "after the lock: {after:?}\n{}",
        server.diagnostics()
    );
    assert_eq!(server.rows()[0].invitee, format!("locked0@{HOST}"));
}

/// Bounds one registration of [`sqlite_lock_fails_server_writes`].
const STREAM_LIMIT_ONE: Duration = Duration::from_secs(30);

/// A reader is enough, and the server can lose its database: while another
/// process holds a read transaction (the shared lock of a `list`), each
/// registration's commit fails ("database is locked"; SQLite in its
/// default rollback-journal mode, as ejabberd leaves it) and crashes the
/// host's SQL connection process, which its supervisor restarts. One such
/// crash heals once the lock is gone. A burst of them (registrations from
/// four clients at once) exhausts the supervisor's restart intensity
/// (`reached_max_restart_intensity`): from then on, with the lock long
/// gone, the host has no SQL connection at all and nothing in ejabberd
/// starts one again: no invite registers, `ejabberdctl register` fails
/// ("Database failure"), `registered_users` silently lists nobody, and
/// only accounts in its authentication cache still log in.
pub fn sqlite_reader_can_take_the_server_down(server: &Ejabberd) {
    assert_eq!(server.options.storage, super::harness::Storage::Sqlite);
    const CLIENTS: usize = 4;
    const LIMIT: Duration = Duration::from_secs(60);
    // Written by the test itself: invitectl refuses this database while
    // the server has it open (see the next scenario).
    let now = invitectl::now();
    let toks: Vec<String> = (0..402)
        .map(|i| {
            let token = format!("reader-test-token-{i:04}-xxxxxxxx");
            server.insert(&super::harness::TokenRow {
                token: token.clone(),
                username: String::new(),
                server_host: Some(HOST.into()),
                invitee: String::new(),
                created_at: super::harness::time_text(now),
                expires: super::harness::time_text(now + 86_400),
                kind: "A".into(),
                account_name: String::new(),
            });
            token
        })
        .collect();
    let journal: String = server
        .sqlite()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "delete");
    let read_lock = || {
        let conn = server.sqlite();
        conn.execute_batch("BEGIN").unwrap();
        let _: i64 = conn
            .query_row("SELECT count(*) FROM invite_token", [], |r| r.get(0))
            .unwrap();
        conn
    };
    let one = |prefix: &str, token: &String| {
        registration_stream(
            server.c2s_port,
            prefix,
            std::slice::from_ref(token),
            &AtomicBool::new(false),
            &AtomicUsize::new(0),
            LIMIT,
        )
        .remove(0)
        .2
    };

    let lock = read_lock();
    let under = one("single", &toks[0]);
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);
    assert_eq!(
        under,
        Err("register: forbidden (Access denied by service policy)".into()),
        "under a read lock\n{}",
        server.diagnostics()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server
        .log()
        .contains("SQL query 'commit;' failed: \"database is locked\"")
    {
        assert!(
            Instant::now() < deadline,
            "no failed commit logged\n{}",
            server.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        one("healed", &toks[1]),
        Ok(()),
        "after one crash\n{}",
        server.diagnostics()
    );

    let lock = read_lock();
    let gave_up = AtomicBool::new(false);
    let started = Instant::now();
    let burst: Vec<Registration> = std::thread::scope(|s| {
        let threads: Vec<_> = toks[2..402]
            .chunks(400 / CLIENTS)
            .enumerate()
            .map(|(i, chunk)| {
                let gave_up = &gave_up;
                s.spawn(move || {
                    registration_stream(
                        server.c2s_port,
                        &format!("burst{i}x"),
                        chunk,
                        gave_up,
                        &AtomicUsize::new(0),
                        LIMIT,
                    )
                })
            })
            .collect();
        while !server.log().contains("reached_max_restart_intensity")
            && started.elapsed() < LIMIT
            && !threads.iter().all(|t| t.is_finished())
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        gave_up.store(true, Ordering::SeqCst);
        threads
            .into_iter()
            .flat_map(|t| t.join().expect("a client"))
            .collect()
    });
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);
    let log = server.log();
    let ok = burst.iter().filter(|r| r.2.is_ok()).count();
    eprintln!(
        "ejabberd on SQLite under a read lock: {} registrations ({ok} succeeded), {} failed \
         commits, in {:?}",
        burst.len(),
        log.matches("SQL query 'commit;' failed").count(),
        started.elapsed()
    );
    assert!(
        log.contains("reached_max_restart_intensity"),
        "the SQL supervisor did not give up within {LIMIT:?} ({} registrations)\n{}",
        burst.len(),
        server.diagnostics()
    );
    assert_eq!(ok, 0, "a registration succeeded under the read lock");

    // The lock is gone; the server is not back.
    std::thread::sleep(Duration::from_secs(2));
    let probe = tokens(&invitectl_ok(server, &["generate", "--json"]));
    let after = one("after", &probe[0]);
    assert!(
        after.as_ref().is_err_and(|e| e.contains("not-authorized")),
        "a registration after the supervisor gave up: {after:?}\n{}",
        server.diagnostics()
    );
    let out = server.ctl(&["register", "zed", HOST, "pw"]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Database failure"),
        "ejabberdctl register after the supervisor gave up: {} {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // It reads nothing, silently: healed0 is in the database, not listed.
    let stored: i64 = server
        .sqlite()
        .query_row(
            "SELECT count(*) FROM users WHERE username = 'healed0'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 1);
    assert_eq!(server.ctl_ok(&["registered_users", HOST]).trim(), "");
    // An account in ejabberd's authentication cache still logs in.
    let mut client = server.client();
    assert_eq!(
        client.login("healed0", "pw").expect("login round trip"),
        Ok(())
    );
    client.close();
}

/// Beside the running server, invitectl refuses its database while it
/// keeps a rollback journal (any reader could take the host's database
/// down, see above): every command, in one line naming the fix, having
/// read nothing but the file's header; in WAL mode the same commands run.
pub fn invitectl_refuses_a_rollback_journal_beside_the_server(server: &Ejabberd) {
    let before = server.rows();
    for args in [
        &["list"][..],
        &["generate"],
        &["expire"],
        &["revoke", "no-such-token-here"],
    ] {
        let out = invitectl(server, args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("keeps a rollback journal")
                && stderr.contains("'PRAGMA journal_mode=WAL'"),
            "{stderr}"
        );
    }
    assert_eq!(server.rows(), before, "nothing was written");
    assert!(
        !server.log().contains("database is locked"),
        "{}",
        server.diagnostics()
    );
    let mode: String = server
        .sqlite()
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    invitectl_ok(server, &["generate"]);
    assert_eq!(server.rows().len(), before.len() + 1);
}
