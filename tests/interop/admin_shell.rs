//! invitectl's admin-socket client (`invitectl::admin_shell`) against the
//! real servers: Prosody 0.12 and 13, each on SQLite and on file storage.
//!
//! Proves the framing (a plain expression, output, errors), that values
//! full of Lua and XML syntax are stored byte for byte and never run, that
//! a record written through the socket is read back identically by
//! invitectl's own reader and honoured by the server (a client registers
//! with it), the conditional delete, paged key listing, the "not running"
//! error for the socket a killed server leaves, the permission error, and
//! the request size limit. `admin_shell_figures` prints the costs that
//! the write path's chunking is based on (durations printed, not asserted).

use std::io::Write as _;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use invitectl::admin_shell::{
    set_records_program, AdminShellError, Connection, Deletion, InviteStore, RecordKey, Records,
    MAX_REQUEST,
};
use invitectl::lua::{LuaString, Table, Value};
use invitectl::{Entry, Host, InviteRequest, Location, OpenMode, Store};

use crate::harness::{self, Options, Server, Storage, Version, HOST};

/// Defines, for each test function `NAME(&Server)`, one test per server
/// generation and storage: `prosody_0_12::NAME`, `prosody_13::NAME`,
/// `prosody_0_12_files::NAME`, `prosody_13_files::NAME`.
macro_rules! on_every_server {
    ($($name:ident),* $(,)?) => {
        mod prosody_0_12 {
            $( #[test] fn $name() { super::run(super::Version::V012, super::Storage::Sql, super::$name) } )*
        }
        mod prosody_13 {
            $( #[test] fn $name() { super::run(super::Version::V13, super::Storage::Sql, super::$name) } )*
        }
        mod prosody_0_12_files {
            $( #[test] fn $name() { super::run(super::Version::V012, super::Storage::Internal, super::$name) } )*
        }
        mod prosody_13_files {
            $( #[test] fn $name() { super::run(super::Version::V13, super::Storage::Internal, super::$name) } )*
        }
    };
}

on_every_server!(
    an_expression_round_trips,
    hostile_values_are_stored_byte_for_byte_and_never_run,
    a_socket_write_is_read_directly_and_honoured,
    delete_removes_only_unchanged_records,
    keys_are_listed_in_pages,
    a_killed_server_is_not_running,
    no_permission_is_told_apart,
    requests_stay_under_the_stanza_limit,
    admin_shell_figures,
);

fn run(version: Version, storage: Storage, test: fn(&Server)) {
    let options = Options {
        storage,
        // Debug logging would be most of the server's time per request.
        log_level: "info",
        ..Options::default()
    };
    if let Some(server) = harness::start_with(version, options) {
        test(&server);
        let log = server.log();
        assert!(
            !log.contains("Traceback") && !log.contains("\terror\t"),
            "{}: the server logged an error\n{}",
            server.version.label(),
            server.diagnostics()
        );
    }
}

fn socket(server: &Server) -> PathBuf {
    server.dir().join("prosody.sock")
}

fn connect(server: &Server) -> Connection {
    Connection::open(&socket(server)).unwrap_or_else(|e| {
        panic!(
            "{}: connecting to the admin socket: {e}\n{}",
            server.version.label(),
            server.diagnostics()
        )
    })
}

fn host() -> Host {
    Host::parse(HOST).unwrap()
}

/// Strings that would end a Lua string or comment, start code, or break
/// XML, if they were ever spliced into the program.
fn hostile_strings() -> Vec<LuaString> {
    let mut strings: Vec<LuaString> = [
        "\"); os.exit(1) --",
        "\"); _G.pwned = true --",
        "'); _G.pwned = true --",
        "]]; os.exit(1) --[[",
        "]==] os.exit(1) --",
        "-- comment",
        "\\",
        "\\\"; os.exit(1) --",
        "line\nbreak\r\nand\rreturns",
        "nul\0byte",
        "<repl-input>&amp;</repl-input> ]]> &",
        "\u{e9}t\u{e9} \u{1F600}",
        "tab\tvt\x0bbell\x07esc\x1b",
        "%s %q %d",
        "",
    ]
    .into_iter()
    .map(LuaString::from)
    .collect();
    // Not UTF-8: bytes the writer escapes in decimal.
    strings.push(LuaString::new(vec![0xff, 0xfe, b'"', 0x80, b'\\', 0xc3]));
    strings
}

/// A record table with every hostile string as a value, and nested.
fn hostile_record(marker: i64) -> Value {
    let mut record = Table::new();
    record.insert("marker", marker);
    record.insert("float", 1.5);
    record.insert("flag", true);
    let strings = hostile_strings();
    for (i, s) in strings.iter().enumerate() {
        record.insert(format!("field{i}").as_str(), s.clone());
    }
    record.insert("nested", Table::from_sequence(strings));
    record.into()
}

/// Whether two records are the same value: a table's entries compared by
/// key, whatever their order (Lua tables have none; the server's reads
/// come back in its iteration order).
fn same_record(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Table(a)), Some(Value::Table(b))) => {
            a.len() == b.len() && a.iter().all(|(k, v)| same_record(Some(v), b.get_key(k)))
        }
        (a, b) => a == b,
    }
}

/// The Lua value of a JSON value, as Prosody's JSON decoder makes it.
fn json_to_lua(json: &serde_json::Value) -> Option<Value> {
    Some(match json {
        serde_json::Value::Null => return None,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64()?),
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => {
            Table::from_sequence(items.iter().filter_map(json_to_lua)).into()
        }
        serde_json::Value::Object(map) => {
            let mut table = Table::new();
            for (k, v) in map {
                if let Some(v) = json_to_lua(v) {
                    table.insert(k.as_str(), v);
                }
            }
            table.into()
        }
    })
}

fn an_expression_round_trips(server: &Server) {
    let mut c = connect(server);
    let reply = c.request(">1 + 1").unwrap();
    assert_eq!((reply.result.as_str(), reply.failed), ("Result: 2", false));
    // Printed lines come first, as <repl-output>.
    let reply = c
        .request(">print(\"a <b> & 'c'\") print(\"second\")")
        .unwrap();
    assert_eq!(reply.output, vec!["a <b> & 'c'", "second"]);
    assert!(!reply.failed);
    let reply = c.request(">error(\"boom\")").unwrap();
    assert!(reply.failed && reply.result.contains("boom"), "{reply:?}");
    // The connection carries on after an error answer.
    let info = InviteStore::new(&mut c, &host()).ping().unwrap();
    let prefix = match server.version {
        Version::V012 => "0.12.",
        Version::V13 => "13.",
    };
    assert!(info.version.starts_with(prefix), "{info:?}");
    assert_eq!(info.map_shim, server.storage == Storage::Internal);
    let other = Host::parse("not-served.test").unwrap();
    assert!(matches!(
        InviteStore::new(&mut c, &other).ping(),
        Err(AdminShellError::UnknownHost(h)) if h == "not-served.test"
    ));
}

fn hostile_values_are_stored_byte_for_byte_and_never_run(server: &Server) {
    let host = host();
    let mut c = connect(server);
    let mut store = InviteStore::new(&mut c, &host);
    let mut records = Records::new();
    let mut keys = Vec::new();
    let mut expected = Vec::new();
    for (i, s) in hostile_strings().into_iter().enumerate() {
        if s.is_empty() {
            continue; // Prosody's map stores refuse the empty key.
        }
        // A hostile string as a host-level key, holding a hostile record.
        let record = hostile_record(i as i64);
        records.host_record(s.clone(), record.clone());
        keys.push(RecordKey::host(s.clone()));
        expected.push(record);
        // And as a value of a user's record.
        records.user_record("o'brien\"]]--\\", format!("token{i}"), s.clone());
        keys.push(RecordKey::user("o'brien\"]]--\\", format!("token{i}")));
        expected.push(Value::Str(s));
    }
    let outcome = store.set_records(&records).unwrap();
    assert!(outcome.ok, "{outcome:?}\n{}", server.diagnostics());
    let read = store.get_records(&keys).unwrap();
    let mut wrong = Vec::new();
    for ((key, want), got) in keys.iter().zip(&expected).zip(&read) {
        // A bare string value is bound as a C string by LuaDBI on SQLite,
        // so the server's SQL storage cuts it at the first NUL (inside a
        // table it is JSON, `\u0000`, and kept). invitectl's per-user
        // records are numbers; this pins down what the server does.
        let cut = match want {
            Value::Str(s) if server.storage == Storage::Sql && s.as_bytes().contains(&0) => {
                let bytes = s.as_bytes();
                Some(Value::Str(
                    bytes[..bytes.iter().position(|&b| b == 0).unwrap()].into(),
                ))
            }
            _ => None,
        };
        if !same_record(got.as_ref(), Some(cut.as_ref().unwrap_or(want))) {
            wrong.push(format!("{key:?}: {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Nothing ran: the server answers, and no code left a trace.
    let mut c2 = connect(server);
    let reply = c2.request(">return _G.pwned == nil").unwrap();
    assert_eq!(reply.result, "Result: true");
    assert!(InviteStore::new(&mut c2, &host).ping().is_ok());
}

fn a_socket_write_is_read_directly_and_honoured(server: &Server) {
    let host = host();
    let now = harness::now_unix();
    let invite = InviteRequest {
        note: Some("\"); os.exit(1) -- ]] \\ <&> \u{e9}".into()),
        groups: vec!["]==] --[[ 'g'".into()],
        ..InviteRequest::default()
    }
    .build(&host, now)
    .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&invitectl::record::encode(&invite)).unwrap();
    let record = json_to_lua(&json).unwrap();
    let mut c = connect(server);
    let mut records = Records::new();
    records.host_record(invite.token.as_str(), record);
    let outcome = InviteStore::new(&mut c, &host)
        .set_records(&records)
        .unwrap();
    assert!(outcome.ok, "{outcome:?}");

    // invitectl's own reader, on the server's own store.
    let location = match server.storage {
        Storage::Internal => Location::Files(server.store_path()),
        _ => Location::Sqlite(server.store_path()),
    };
    let mut direct = Store::open(&location, OpenMode::Existing).unwrap();
    match direct.get(&host, &invite.token).unwrap() {
        Some(Entry::Invite(read)) => assert_eq!(read, invite),
        other => panic!("read directly: {other:?}"),
    }
    drop(direct);

    // The server honours it: a client registers with the token.
    let mut client = server.client();
    client
        .preauth(invite.token.as_str())
        .unwrap()
        .unwrap_or_else(|e| panic!("preauth refused: {e}\n{}", server.diagnostics()));
    client
        .register("viasocket", "secret-pw")
        .unwrap()
        .unwrap_or_else(|e| panic!("registration refused: {e}\n{}", server.diagnostics()));
    client.sync_unauthed().unwrap();
    client.close();
    // And used it up, as it does with its own invites.
    let read = InviteStore::new(&mut c, &host)
        .get_records(&[RecordKey::host(invite.token.as_str())])
        .unwrap();
    assert_eq!(read, vec![None]);
}

fn delete_removes_only_unchanged_records(server: &Server) {
    let host = host();
    let mut c = connect(server);
    let mut store = InviteStore::new(&mut c, &host);
    let mut records = Records::new();
    for (i, key) in ["t1", "t2", "t3", "t5"].iter().enumerate() {
        records.host_record(*key, hostile_record(i as i64));
    }
    records.user_record("alice", "t1", 1_900_000_000);
    records.user_record("alice", "t5", 1_900_000_000);
    assert!(store.set_records(&records).unwrap().ok);
    let keys = [
        RecordKey::host("t1"),
        RecordKey::host("t2"),
        RecordKey::host("t3"),
        RecordKey::user("alice", "t1"),
        RecordKey::user("alice", "t5"),
    ];
    let read: Vec<Value> = store
        .get_records(&keys)
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();

    // Meanwhile the server changes t2 and alice's t5.
    let mut changed = Records::new();
    let mut t2 = read[1].as_table().unwrap().clone();
    t2.insert("reusable", true);
    changed.host_record("t2", t2.clone());
    changed.user_record("alice", "t5", 1_900_000_001);
    assert!(store.set_records(&changed).unwrap().ok);
    // What invitectl read of t3 differs from what is stored in one byte.
    let mut t3_read = read[2].as_table().unwrap().clone();
    t3_read.insert("field0", "\"); os.exit(1) -+");

    let items = vec![
        (RecordKey::host("t1"), hostile_record(0)), // as written, not as read back
        (keys[1].clone(), read[1].clone()),
        (keys[2].clone(), t3_read.into()),
        (keys[3].clone(), read[3].clone()),
        (keys[4].clone(), read[4].clone()),
        (RecordKey::host("never-stored"), Value::Int(1)),
    ];
    let outcome = store.delete_if_unchanged(&items).unwrap();
    assert_eq!(
        outcome.outcomes,
        vec![
            Deletion::Removed,
            Deletion::Changed,
            Deletion::Changed,
            Deletion::Removed,
            Deletion::Changed,
            Deletion::Missing,
        ]
    );
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let after = store.get_records(&keys).unwrap();
    assert_eq!(after[0], None);
    assert!(same_record(after[1].as_ref(), Some(&t2.into())));
    assert!(same_record(after[2].as_ref(), Some(&read[2])));
    assert_eq!(after[3], None);
    assert_eq!(after[4], Some(Value::Int(1_900_000_001)));
    // Untouched.
    let t5 = store.get_records(&[RecordKey::host("t5")]).unwrap();
    assert!(same_record(t5[0].as_ref(), Some(&hostile_record(3))));
}

fn keys_are_listed_in_pages(server: &Server) {
    let host = host();
    let mut c = connect(server);
    let mut store = InviteStore::new(&mut c, &host);
    let mut records = Records::new();
    let mut want: Vec<LuaString> = (0..25)
        .map(|i| LuaString::from(format!("k{i:02}")))
        .collect();
    want.push(LuaString::new(vec![b'k', 0xff, b'"']));
    want.push(LuaString::from("K\"]] upper"));
    for key in &want {
        records.host_record(key.clone(), Table::new());
    }
    records.user_record("bob", "b1", 1);
    records.user_record("bob", "b2", 2);
    assert!(store.set_records(&records).unwrap().ok);
    want.sort();
    let mut got = Vec::new();
    let mut after: Option<LuaString> = None;
    loop {
        let page = store.keys_page(None, after.as_ref(), 10).unwrap();
        assert!(page.len() <= 10);
        let Some(last) = page.last().cloned() else {
            break;
        };
        got.extend(page);
        after = Some(last);
    }
    assert_eq!(got, want);
    assert_eq!(store.count_keys(None).unwrap(), want.len() as u64);
    let bob = LuaString::from("bob");
    assert_eq!(store.count_keys(Some(&bob)).unwrap(), 2);
    assert_eq!(
        store.keys_page(Some(&bob), None, 10).unwrap(),
        vec![LuaString::from("b1"), LuaString::from("b2")]
    );
    assert_eq!(
        store.count_keys(Some(&LuaString::from("nobody"))).unwrap(),
        0
    );
}

fn a_killed_server_is_not_running(server: &Server) {
    let path = socket(server);
    drop(connect(server));
    let pid: libc::pid_t = std::fs::read_to_string(server.dir().join("prosody.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: the harness's own child, not reaped until the Server drops,
    // so the pid cannot have been reused.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !is_dead(pid) {
        assert!(Instant::now() < deadline, "the server survived SIGKILL");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(path.exists(), "a killed server leaves its socket behind");
    let started = Instant::now();
    let err = Connection::open(&path).unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, AdminShellError::NotRunning { .. }) && err.server_not_running(),
        "{err:?}"
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let _ = writeln!(
        std::io::stderr(),
        "{}: stale socket refused in {took:?}",
        server.version.label()
    );
}

/// Whether `pid` has exited (a zombie counts: it serves nothing).
fn is_dead(pid: libc::pid_t) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Set by [`no_permission_is_told_apart`] for the copy of this test binary
/// it runs as another user.
const PROBE_ENV: &str = "INVITECTL_ADMIN_SOCKET_PROBE";

/// The probe's name as libtest lists it: its module path without the crate.
fn probe_test_name() -> String {
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    format!("{module}::permission_probe")
}

fn no_permission_is_told_apart(server: &Server) {
    let path = socket(server);
    if crate::support::accounts::is_root() {
        // Root may connect anywhere: ask from an unprivileged user.
        let output = Command::new(std::env::current_exe().unwrap())
            .args([&probe_test_name(), "--exact", "--ignored"])
            .args(["--nocapture", "--test-threads=1"])
            .env(PROBE_ENV, &path)
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "probe as nobody: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    } else {
        // The server runs as this user: take the permission away instead.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        let err = Connection::open(&path).unwrap_err();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o750)).unwrap();
        assert!(
            matches!(err, AdminShellError::PermissionDenied { .. }),
            "{err:?}"
        );
    }
    // And the server still answers those who may.
    assert!(connect(server).request(">1").is_ok());
}

/// Run only by [`no_permission_is_told_apart`], as an unprivileged user.
#[test]
#[ignore = "run by no_permission_is_told_apart as an unprivileged user"]
fn permission_probe() {
    let path = std::env::var_os(PROBE_ENV).expect("run by no_permission_is_told_apart");
    let err = Connection::open(PathBuf::from(path).as_path()).unwrap_err();
    assert!(
        matches!(err, AdminShellError::PermissionDenied { .. }),
        "{err:?}"
    );
    assert!(!err.server_not_running());
}

fn requests_stay_under_the_stanza_limit(server: &Server) {
    let mut c = connect(server);
    // `>return #"xxx...x"`, with `>` escaped on the wire.
    let overhead = "<repl-input repl='0'>&gt;return #\"\"</repl-input>".len();
    let n = MAX_REQUEST - overhead;
    let largest = format!(">return #\"{}\"", "x".repeat(n));
    let reply = c.request(&largest).unwrap();
    assert_eq!(
        reply.result,
        format!("Result: {n}"),
        "{}",
        server.diagnostics()
    );
    let too_large = format!(">return #\"{}\"", "x".repeat(n + 1));
    match c.request(&too_large) {
        Err(AdminShellError::RequestTooLarge { size, limit }) => {
            assert_eq!((size, limit), (MAX_REQUEST + 1, MAX_REQUEST));
        }
        other => panic!("{other:?}"),
    }
    // Nothing was sent: the same connection still works.
    assert_eq!(c.request(">1").unwrap().result, "Result: 1");
}

/// A typical account invite record, as invitectl writes it.
fn typical_record(host: &Host, now: i64) -> (String, Value) {
    let invite = InviteRequest::default().build(host, now).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&invitectl::record::encode(&invite)).unwrap();
    (
        invite.token.as_str().to_owned(),
        json_to_lua(&json).unwrap(),
    )
}

fn admin_shell_figures(server: &Server) {
    let host = host();
    let now = harness::now_unix();
    let label = format!(
        "{} on {}",
        server.version.label(),
        match server.storage {
            Storage::Internal => "file storage",
            _ => "SQLite",
        }
    );
    let mut report = Vec::new();

    // A bare round trip, and one that opens the invite store.
    let mut c = connect(server);
    let mut times = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        assert_eq!(c.request(">1").unwrap().result, "Result: 1");
        times.push(started.elapsed());
    }
    report.push(format!("round trip of `>1`: {}", summary(&mut times)));
    let mut times = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        InviteStore::new(&mut c, &host).ping().unwrap();
        times.push(started.elapsed());
    }
    report.push(format!(
        "round trip opening the store: {}",
        summary(&mut times)
    ));

    // One write over an open connection.
    let mut times = Vec::new();
    for _ in 0..200 {
        let (token, record) = typical_record(&host, now);
        let mut records = Records::new();
        records.host_record(token, record);
        let started = Instant::now();
        assert!(
            InviteStore::new(&mut c, &host)
                .set_records(&records)
                .unwrap()
                .ok
        );
        times.push(started.elapsed());
    }
    report.push(format!(
        "one write, open connection: {}",
        summary(&mut times)
    ));

    // Connect, write, close.
    let mut times = Vec::new();
    for _ in 0..100 {
        let (token, record) = typical_record(&host, now);
        let mut records = Records::new();
        records.host_record(token, record);
        let started = Instant::now();
        let mut c = connect(server);
        assert!(
            InviteStore::new(&mut c, &host)
                .set_records(&records)
                .unwrap()
                .ok
        );
        drop(c);
        times.push(started.elapsed());
    }
    report.push(format!("connect + write + close: {}", summary(&mut times)));

    // The most typical records one request carries under the stanza limit.
    let pool: Vec<(String, Value)> = (0..8000).map(|_| typical_record(&host, now)).collect();
    let chunk = |n: usize| {
        let mut records = Records::new();
        for (token, record) in &pool[..n] {
            records.host_record(token.as_str(), record.clone());
        }
        records
    };
    let (mut lo, mut hi) = (1, pool.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if set_records_program(&host, &chunk(mid)).unwrap().fits() {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let max_fit = lo;
    let bytes = set_records_program(&host, &chunk(max_fit))
        .unwrap()
        .wire_len();
    report.push(format!(
        "records per request under 1 MiB: {max_fit} ({} bytes each on the wire)",
        bytes / max_fit
    ));

    // Server stall per chunk size, the median of three writes (fresh
    // tokens each time; a file store grows, so later chunks rewrite a
    // larger file). Building the text is the client's part of the round
    // trip; the rest (reading the stanza, compiling, running) stalls the
    // server.
    let mut largest_under_50ms = 0;
    for n in [50, 100, 250, 500, 1000, 2000, max_fit] {
        let mut runs = Vec::new();
        for _ in 0..3 {
            let mut records = Records::new();
            for _ in 0..n {
                let (token, record) = typical_record(&host, now);
                records.host_record(token, record);
            }
            let started = Instant::now();
            let program = set_records_program(&host, &records).unwrap();
            let build = started.elapsed();
            assert!(program.fits());
            let started = Instant::now();
            let outcome = InviteStore::new(&mut c, &host)
                .set_records(&records)
                .unwrap();
            let took = started.elapsed();
            assert!(outcome.ok, "{outcome:?}");
            runs.push((took.saturating_sub(build), build, outcome.seconds));
        }
        runs.sort_by_key(|r| r.0);
        let (stall, build, running) = runs[1];
        if stall < Duration::from_millis(50) {
            largest_under_50ms = n;
        }
        report.push(format!(
            "chunk of {n} (median of 3): server stall {:.1} ms, of which {:.1} ms running \
             the code ({:.0} records/s); building the text {:.1} ms",
            ms(stall),
            running * 1000.0,
            n as f64 / stall.as_secs_f64(),
            ms(build)
        ));
    }
    report.push(format!(
        "largest chunk tried whose median stall stayed under 50 ms: {largest_under_50ms}"
    ));

    // Reading back, paging and the conditional delete, on what is there.
    let mut store = InviteStore::new(&mut c, &host);
    let total = store.count_keys(None).unwrap();
    let started = Instant::now();
    let page = store.keys_page(None, None, 1000).unwrap();
    report.push(format!(
        "page of {} keys out of {total}: {:.1} ms",
        page.len(),
        ms(started.elapsed())
    ));
    let keys: Vec<RecordKey> = page.iter().map(|k| RecordKey::host(k.clone())).collect();
    let started = Instant::now();
    let values = store.get_records(&keys).unwrap();
    report.push(format!(
        "get of {} records: {:.1} ms",
        keys.len(),
        ms(started.elapsed())
    ));
    let items: Vec<(RecordKey, Value)> = keys
        .into_iter()
        .zip(values)
        .map(|(k, v)| (k, v.unwrap()))
        .collect();
    let started = Instant::now();
    let outcome = store.delete_if_unchanged(&items).unwrap();
    report.push(format!(
        "conditional delete of {}: {:.1} ms round trip, {:.1} ms in the server",
        items.len(),
        ms(started.elapsed()),
        outcome.seconds * 1000.0
    ));
    assert!(outcome.outcomes.iter().all(|o| *o == Deletion::Removed));
    assert_eq!(store.count_keys(None).unwrap(), total - items.len() as u64);

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "\n--- admin socket figures, {label} (load average {}) ---\n{}\n---",
        load.split(' ').next().unwrap_or("?"),
        report.join("\n")
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| ms(times[((times.len() - 1) as f64 * q) as usize]);
    format!(
        "median {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.9),
        at(1.0)
    )
}
