//! A real ejabberd for one test: started with `chroot` in the Debian trixie
//! chroot `scripts/install-test-servers` builds (default
//! /opt/invitectl-test/ejabberd-trixie, or `$INVITECTL_EJABBERD_CHROOT`),
//! with its own configuration, node name, cookie, ports and database (a
//! SQLite file in a folder of its own inside the chroot, or a fresh
//! database of the test PostgreSQL cluster or MariaDB server, which the
//! chroot reaches on loopback), and always stopped
//! (`ejabberdctl stop`, then SIGKILL of its process group) when the test
//! ends, also when it fails.
//!
//! `chroot` needs root: run as another user, the tests skip (or fail with
//! `CI=true`). Run as root, `ejabberdctl` itself runs the node as the
//! chroot's `ejabberd` user; [`Ejabberd::start`] checks that it does.

use std::fs;
use std::net::TcpStream;
use std::os::unix::fs::chown;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use rusqlite::{Connection, OpenFlags};

use crate::interop::machine::{self, Machine, Share};
use crate::interop::xmpp::Client;
use crate::support::accounts::is_root;
use crate::support::ports::free_port;
use crate::support::{mariadb_server, postgres_cluster, skip};

/// The virtual host every test server serves.
pub const HOST: &str = "example.test";

/// How long the node may take to start (Erlang boots, ejabberd creates its
/// SQL tables).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long one `ejabberdctl` run may take.
const CTL_TIMEOUT: Duration = Duration::from_secs(30);

/// The chroot ejabberd runs in.
pub fn chroot_dir() -> PathBuf {
    std::env::var_os("INVITECTL_EJABBERD_CHROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/invitectl-test/ejabberd-trixie"))
}

/// How a test wants its server.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// `sql_schema_multihost: true`: the table has a `server_host` column.
    /// Off, as in Debian's default configuration: the single-host schema.
    pub multihost: bool,
    /// The database ejabberd keeps everything in.
    pub storage: Storage,
    /// mod_invites' `landing_page`, `HTTP_PORT` in it standing for the
    /// `ejabberd_http` listener's port; `auto` when `None`.
    pub landing_page: Option<&'static str>,
    /// The HTTP listener (mod_http_api, mod_invites) with `tls: true`, on
    /// a self-signed certificate for the host, as Debian's is.
    pub api_tls: bool,
    /// The server's `TZ` (a zone of the chroot's tzdata); None: UTC.
    pub tz: Option<&'static str>,
    /// mod_invites' `access_create_account` allows every local user: an
    /// invite from a user may then create an account (type `S`). Off, as
    /// by default (`none`): only the server's own invites may.
    pub access_create_account: bool,
    /// On SQLite: leave the database in the rollback-journal mode
    /// ejabberd creates it in (`delete`). Off: it is switched to WAL once
    /// the server runs, as the README asks of anyone running invitectl
    /// beside a live ejabberd on SQLite.
    pub rollback_journal: bool,
}

/// ejabberd's `sql_type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Storage {
    #[default]
    Sqlite,
    Postgres,
    Mysql,
    /// `default_db: mnesia`, ejabberd's default: inside the node, reached
    /// through `mod_http_api`.
    Mnesia,
}

/// The server's database.
enum Database {
    /// The SQLite file in the test's folder.
    Sqlite,
    Postgres(postgres_cluster::Database),
    Mysql(mariadb_server::Database),
    Mnesia,
}

/// One row of `invite_token`, every column as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub token: String,
    pub username: String,
    /// Only with the multihost schema.
    pub server_host: Option<String>,
    pub invitee: String,
    pub created_at: String,
    pub expires: String,
    pub kind: String,
    pub account_name: String,
}

/// A running ejabberd.
pub struct Ejabberd {
    chroot: PathBuf,
    /// The test's folder as the chroot sees it, e.g. /tmp/invitectl-ejabberd-XXXX.
    inside: PathBuf,
    /// The same folder from the host; removed on drop.
    dir: Option<tempfile::TempDir>,
    child: Option<Child>,
    pub c2s_port: u16,
    /// ejabberd_http: mod_invites' pages and mod_http_api under /api.
    pub http_port: u16,
    pub options: Options,
    /// The Erlang node's name, unique to this server.
    node: String,
    database: Database,
    /// With `api_tls`: the certificate (and key), at the same path on the
    /// host and in the chroot, which both go with the server.
    certificate: Option<PathBuf>,
    /// Its share of the machine, beside the other test servers (see
    /// machine.rs); released after the server stopped.
    _share: Share,
}

/// Why this machine cannot run the chroot's ejabberd, if it cannot.
fn check_available(chroot: &Path) -> Result<(), String> {
    if !chroot.join(".invitectl-complete").is_file()
        || !chroot.join("usr/sbin/ejabberdctl").is_file()
    {
        return Err(format!(
            "no ejabberd chroot in {} (run scripts/install-test-servers as root)",
            chroot.display()
        ));
    }
    if !is_root() {
        return Err("the ejabberd tests run ejabberd with chroot, which needs root".into());
    }
    Ok(())
}

/// The (uid, gid) of `name` in the chroot's /etc/passwd.
fn chroot_ids(chroot: &Path, name: &str) -> Option<(u32, u32)> {
    let passwd = fs::read_to_string(chroot.join("etc/passwd")).ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() > 3 && f[0] == name)
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
            .flatten()
    })
}

/// A random lowercase word for cookies and node names.
fn random_word(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    getrandom_bytes(&mut bytes);
    bytes.iter().map(|b| (b'a' + b % 26) as char).collect()
}

fn getrandom_bytes(buf: &mut [u8]) {
    use std::io::Read;
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .expect("reading /dev/urandom");
}

/// Starts ejabberd for a test, or returns None (after printing why) when
/// the chroot is missing and the suite is not running on CI.
pub fn start(options: Options) -> Option<Ejabberd> {
    let chroot = chroot_dir();
    if let Err(why) = check_available(&chroot) {
        if skip::required() {
            panic!("{why} (CI=true: the interop servers are required)");
        }
        skip::skipped(&why);
        return None;
    }
    // The database servers say why they do not run, and on CI fail.
    let database = match options.storage {
        Storage::Sqlite => Database::Sqlite,
        Storage::Postgres => Database::Postgres(postgres_cluster::cluster()?.fresh_database()),
        Storage::Mysql => Database::Mysql(mariadb_server::server()?.fresh_database()),
        Storage::Mnesia => Database::Mnesia,
    };
    let share = machine::take(Machine::Shared);
    Some(Ejabberd::start(chroot, options, database, share))
}

/// The `sql_*` options for `database`; `inside` is the test's folder in
/// the chroot.
fn sql_options(database: &Database, inside: &Path) -> String {
    let server = |kind: &str, port: u16, name: &str, user: &str, password: &str| {
        format!(
            "default_db: sql\nauth_method: sql\nsql_type: {kind}\nsql_server: \"127.0.0.1\"\nsql_port: {port}\n\
             sql_database: \"{name}\"\nsql_username: \"{user}\"\nsql_password: \"{password}\"\n"
        )
    };
    match database {
        Database::Sqlite => format!(
            "default_db: sql\nauth_method: sql\nsql_type: sqlite\nsql_database: {}/ejabberd.db\n",
            inside.display()
        ),
        Database::Postgres(db) => server("pgsql", db.port, &db.name, &db.user, &db.password),
        Database::Mysql(db) => server("mysql", db.port, &db.name, &db.user, &db.password),
        Database::Mnesia => "default_db: mnesia\nauth_method: mnesia\n".into(),
    }
}

impl Ejabberd {
    fn start(chroot: PathBuf, options: Options, database: Database, share: Share) -> Ejabberd {
        // glibc takes an unknown zone for UTC: a test in another zone must
        // really get it.
        if let Some(tz) = options.tz {
            let zone = chroot.join("usr/share/zoneinfo").join(tz);
            assert!(zone.is_file(), "the chroot has no {}", zone.display());
        }
        let (uid, gid) = chroot_ids(&chroot, "ejabberd")
            .expect("the chroot has an ejabberd user (is the ejabberd package installed?)");
        let dir = tempfile::Builder::new()
            .prefix("invitectl-ejabberd-")
            .tempdir_in(chroot.join("tmp"))
            .expect("a folder in the chroot's /tmp");
        let inside = Path::new("/").join(
            dir.path()
                .strip_prefix(&chroot)
                .expect("the folder is inside the chroot"),
        );
        let c2s_port = free_port();
        let http_port = free_port();
        let dist_port = free_port();
        let node = format!("invitectl{}", random_word(10));
        let cookie = random_word(24);
        let i = inside.display();
        // ejabberdctl points Erlang at CONFIG_DIR/inetrc; an empty one
        // keeps it from logging that the file is missing.
        fs::write(dir.path().join("inetrc"), "").expect("writing inetrc");
        for sub in ["logs", "spool"] {
            fs::create_dir(dir.path().join(sub)).expect("creating a folder");
        }
        fs::write(
            dir.path().join("ejabberdctl.cfg"),
            format!(
                "ERLANG_NODE={node}@localhost\n\
                 ERL_DIST_PORT={dist_port}\n\
                 ERL_OPTIONS=\"-setcookie {cookie} -kernel inet_dist_use_interface {{127,0,0,1}}\"\n\
                 LOGS_DIR={i}/logs\n\
                 SPOOL_DIR={i}/spool\n\
                 EJABBERD_PID_PATH={i}/ejabberd.pid\n"
            ),
        )
        .expect("writing ejabberdctl.cfg");
        let sql = sql_options(&database, &inside);
        let landing_page = match options.landing_page {
            None => "auto".to_owned(),
            Some(page) => format!("{:?}", page.replace("HTTP_PORT", &http_port.to_string())),
        };
        let certificate = options.api_tls.then(|| make_certificate(&chroot, uid, gid));
        let certfiles = match &certificate {
            Some(path) => format!("[\"{}\"]", path.display()),
            None => "[]".into(),
        };
        let http_tls = if options.api_tls {
            "\n    tls: true"
        } else {
            ""
        };
        let schema = if options.multihost {
            "sql_schema_multihost: true"
        } else {
            "sql_schema_multihost: false"
        };
        let access_create_account = if options.access_create_account {
            "    access_create_account: create_account_invite\n"
        } else {
            ""
        };
        fs::write(
            dir.path().join("ejabberd.yml"),
            format!(
                r#"hosts:
  - {HOST}
loglevel: info
certfiles: {certfiles}
log_rotate_count: 0
listen:
  -
    port: {c2s_port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls: false
  -
    port: {http_port}
    ip: "127.0.0.1"
    module: ejabberd_http{http_tls}
    request_handlers:
      /api: mod_http_api
      /invites: mod_invites
{sql}{schema}
registration_timeout: infinity
acl:
  loopback:
    ip:
      - 127.0.0.0/8
  local:
    user_regexp: ""
access_rules:
  create_account_invite:
    allow: local
api_permissions:
  "loopback":
    from: mod_http_api
    who:
      acl: loopback
    what: "*"
modules:
  mod_admin_extra: {{}}
  mod_disco: {{}}
  mod_invites:
    landing_page: {landing_page}
{access_create_account}  mod_ping: {{}}
  mod_register:
    allow_modules:
      - mod_invites
  mod_roster: {{}}
"#
            ),
        )
        .expect("writing ejabberd.yml");
        for entry in walk(dir.path()) {
            chown(&entry, Some(uid), Some(gid)).expect("chown to the chroot's ejabberd user");
        }
        let console = fs::File::create(dir.path().join("console.log")).expect("console.log");
        let mut command = Command::new("chroot");
        command
            .arg(&chroot)
            .args(env_args(&inside, options.tz))
            .args(["/usr/sbin/ejabberdctl", "--config-dir"])
            .arg(&inside)
            .arg("foreground")
            .stdin(Stdio::null())
            .stdout(console.try_clone().expect("console.log"))
            .stderr(console)
            // Its own process group, so that a last-resort SIGKILL reaches
            // the whole tree (su, the shell, beam).
            .process_group(0);
        let child = command
            .spawn()
            .expect("spawning chroot ejabberdctl foreground");
        let mut server = Ejabberd {
            chroot,
            inside,
            dir: Some(dir),
            child: Some(child),
            c2s_port,
            http_port,
            options,
            node,
            database,
            certificate,
            _share: share,
        };
        server.wait_ready();
        if server.options.storage == Storage::Sqlite && !server.options.rollback_journal {
            server.switch_to_wal();
        }
        server
    }

    /// Puts the server's SQLite database in WAL mode, which it keeps.
    fn switch_to_wal(&self) {
        let mode: String = self
            .sqlite()
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .expect("switching the database to WAL");
        assert_eq!(mode, "wal", "{}", self.diagnostics());
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "ejabberd exited during start-up ({status}).\n{}",
                    self.diagnostics()
                );
            }
            if TcpStream::connect(("127.0.0.1", self.c2s_port)).is_ok()
                && self.ctl(&["status"]).status.success()
            {
                break;
            }
            if Instant::now() > deadline {
                panic!(
                    "ejabberd did not answer on port {} and to `ejabberdctl status` within {START_TIMEOUT:?}.\n{}",
                    self.c2s_port,
                    self.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let uid = chroot_ids(&self.chroot, "ejabberd").map(|(u, _)| u);
        let beam_uids: Vec<u32> = self.node_processes().iter().map(|p| p.1).collect();
        assert!(
            !beam_uids.is_empty() && beam_uids.iter().all(|u| Some(*u) == uid),
            "the ejabberd node must run as the chroot's ejabberd user ({uid:?}); its processes run as {beam_uids:?}\n{}",
            self.diagnostics()
        );
    }

    /// The pids and uids of this node's Erlang VM processes, found by the
    /// node's unique name on their command line: `su` in `ejabberdctl`
    /// moves them out of our child's process group.
    fn node_processes(&self) -> Vec<(libc::pid_t, u32)> {
        let mut found = Vec::new();
        for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
            let path = entry.path();
            let Some(pid) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.parse::<libc::pid_t>().ok())
            else {
                continue;
            };
            let Ok(cmdline) = fs::read(path.join("cmdline")) else {
                continue;
            };
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let is_vm = args
                .first()
                .is_some_and(|a| a.ends_with(b"beam.smp") || a.ends_with(b"beam"));
            let name = format!("{}@localhost", self.node);
            if !is_vm || !args.contains(&name.as_bytes()) {
                continue;
            }
            let uid = fs::read_to_string(path.join("status"))
                .ok()
                .and_then(|status| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix("Uid:"))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|u| u.parse().ok())
                });
            if let Some(uid) = uid {
                found.push((pid, uid));
            }
        }
        found
    }

    /// The chroot the server runs in.
    pub fn chroot(&self) -> &Path {
        &self.chroot
    }

    /// The test's folder, from the host.
    pub fn dir(&self) -> &Path {
        self.dir.as_ref().expect("the server's folder").path()
    }

    /// The SQLite database, as the host sees it.
    pub fn db_path(&self) -> PathBuf {
        self.dir().join("ejabberd.db")
    }

    /// The SQLite database, as ejabberd (inside the chroot) sees it.
    pub fn db_path_inside(&self) -> PathBuf {
        self.inside.join("ejabberd.db")
    }

    /// The store as `invitectl --store` names it: the SQLite file, or the
    /// database's URL with its password.
    pub fn store_arg(&self) -> String {
        match &self.database {
            Database::Sqlite => self.db_path().display().to_string(),
            Database::Postgres(db) => db.url_with_password(),
            Database::Mysql(db) => db.url_with_password(),
            Database::Mnesia => panic!("Mnesia is no --store: use config_path()"),
        }
    }

    /// The server's configuration file, from the host.
    pub fn config_path(&self) -> PathBuf {
        self.dir().join("ejabberd.yml")
    }

    /// A connection of the test's own to the server's SQLite database.
    pub fn sqlite(&self) -> Connection {
        let conn = Connection::open_with_flags(
            self.db_path(),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .expect("opening ejabberd's SQLite database");
        conn.busy_timeout(Duration::from_secs(5))
            .expect("busy timeout");
        conn
    }

    /// The rows of a query whose columns are all text (or NULL).
    fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match &self.database {
            Database::Sqlite => {
                let conn = self.sqlite();
                let mut stmt = conn.prepare(sql).expect("a query");
                let n = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| (0..n).map(|i| r.get(i)).collect())
                    .expect("a query");
                rows.collect::<Result<_, _>>().expect("a query")
            }
            Database::Postgres(db) => db
                .client()
                .query(sql, &[])
                .expect("a query")
                .iter()
                .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
                .collect(),
            Database::Mysql(db) => db
                .client()
                .query::<mysql::Row, _>(sql)
                .expect("a query")
                .into_iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| mysql::from_value(r.as_ref(i).unwrap().clone()))
                        .collect()
                })
                .collect(),
            Database::Mnesia => panic!("Mnesia has no SQL: read it through ejabberdctl"),
        }
    }

    /// The columns of the table ejabberd made.
    pub fn columns(&self) -> Vec<String> {
        let sql = match self.database {
            Database::Sqlite => "SELECT name FROM pragma_table_info('invite_token')",
            Database::Postgres(_) => {
                "SELECT column_name::text FROM information_schema.columns \
                WHERE table_schema = current_schema() AND table_name = 'invite_token'"
            }
            Database::Mysql(_) => {
                "SELECT CAST(COLUMN_NAME AS CHAR) FROM information_schema.columns \
                WHERE table_schema = DATABASE() AND table_name = 'invite_token'"
            }
            Database::Mnesia => panic!("Mnesia has no SQL: read it through ejabberdctl"),
        };
        self.query(sql).into_iter().flatten().flatten().collect()
    }

    /// A time column as ejabberd's text.
    fn time(&self, column: &str) -> String {
        match self.database {
            Database::Sqlite => column.to_owned(),
            Database::Postgres(_) => format!("to_char({column}, 'YYYY-MM-DD HH24:MI:SS')"),
            Database::Mysql(_) => format!("DATE_FORMAT({column}, '%Y-%m-%d %H:%i:%s')"),
            Database::Mnesia => panic!("Mnesia has no SQL: read it through ejabberdctl"),
        }
    }

    /// Every row of `invite_token`, oldest first.
    pub fn rows(&self) -> Vec<TokenRow> {
        let host = if self.options.multihost {
            "server_host"
        } else {
            "NULL"
        };
        let (order, kind) = match self.database {
            Database::Sqlite => ("rowid", "type"),
            Database::Postgres(_) => ("ctid", "type::text"),
            Database::Mysql(_) => ("token", "CAST(type AS CHAR)"),
            Database::Mnesia => panic!("Mnesia has no SQL: read it through ejabberdctl"),
        };
        let sql = format!(
            "SELECT token, username, {host}, invitee, {}, {}, {kind}, account_name \
             FROM invite_token ORDER BY created_at, {order}",
            self.time("created_at"),
            self.time("expires"),
        );
        self.query(&sql)
            .into_iter()
            .map(|r| {
                let text = |i: usize| r[i].clone().unwrap_or_default();
                TokenRow {
                    token: text(0),
                    username: text(1),
                    server_host: r[2].clone(),
                    invitee: text(3),
                    created_at: text(4),
                    expires: text(5),
                    kind: text(6),
                    account_name: text(7),
                }
            })
            .collect()
    }

    /// Writes `row` straight into `invite_token`, times as ejabberd writes
    /// them (its `server_host` only in the multihost schema).
    pub fn insert(&self, row: &TokenRow) {
        let mut values = vec![row.token.as_str(), &row.username];
        if self.options.multihost {
            values.push(row.server_host.as_deref().unwrap_or(HOST));
        }
        values.extend([
            row.invitee.as_str(),
            &row.created_at,
            &row.expires,
            &row.kind,
            &row.account_name,
        ]);
        let n = values.len();
        let placeholders: Vec<String> = (1..=n)
            .map(|i| match self.database {
                Database::Sqlite => format!("?{i}"),
                Database::Postgres(_) if n - i == 2 || n - i == 3 => {
                    format!("to_timestamp(${i}, 'YYYY-MM-DD HH24:MI:SS')")
                }
                Database::Postgres(_) => format!("${i}"),
                Database::Mysql(_) => "?".into(),
                Database::Mnesia => panic!("Mnesia has no SQL: read it through ejabberdctl"),
            })
            .collect();
        let sql = format!(
            "INSERT INTO invite_token VALUES ({})",
            placeholders.join(", ")
        );
        match &self.database {
            Database::Sqlite => {
                self.sqlite()
                    .execute(&sql, rusqlite::params_from_iter(values))
                    .expect("inserting an invite");
            }
            Database::Postgres(db) => {
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> = values
                    .iter()
                    .map(|v| v as &(dyn postgres::types::ToSql + Sync))
                    .collect();
                db.client()
                    .execute(&sql, &params)
                    .expect("inserting an invite");
            }
            Database::Mysql(db) => db
                .client()
                .exec_drop(sql, values)
                .expect("inserting an invite"),
            Database::Mnesia => panic!("Mnesia has no SQL: read it through ejabberdctl"),
        }
    }

    /// Runs `ejabberdctl ARGS` in the chroot against this server.
    pub fn ctl(&self, args: &[&str]) -> Output {
        let mut command = Command::new("timeout");
        command
            .args(["-k", "5", &CTL_TIMEOUT.as_secs().to_string(), "chroot"])
            .arg(&self.chroot)
            .args(env_args(&self.inside, self.options.tz))
            .args(["/usr/sbin/ejabberdctl", "--config-dir"])
            .arg(&self.inside)
            .args(args)
            .stdin(Stdio::null());
        command.output().expect("running ejabberdctl in the chroot")
    }

    /// `ejabberdctl ARGS`, which must succeed: its standard output.
    pub fn ctl_ok(&self, args: &[&str]) -> String {
        let out = self.ctl(args);
        assert!(
            out.status.success(),
            "ejabberdctl {args:?} failed ({}):\n{}{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.diagnostics()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A new client connection to the server's virtual host.
    pub fn client(&self) -> Client {
        Client::connect(self.c2s_port, HOST)
            .unwrap_or_else(|e| panic!("connecting to ejabberd: {e:#}\n{}", self.diagnostics()))
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir().join("logs/ejabberd.log")).unwrap_or_default()
    }

    /// Console output and the tail of the log, for failure messages.
    pub fn diagnostics(&self) -> String {
        let console = fs::read_to_string(self.dir().join("console.log")).unwrap_or_default();
        let tail = |s: &str| {
            let lines: Vec<&str> = s.lines().collect();
            lines[lines.len().saturating_sub(60)..].join("\n")
        };
        let error = fs::read_to_string(self.dir().join("logs/error.log")).unwrap_or_default();
        format!(
            "--- ejabberd console output ---\n{}\n--- last lines of ejabberd.log ---\n{}\n--- error.log ---\n{}\n---",
            tail(&console),
            tail(&self.log()),
            tail(&error)
        )
    }

    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if child.try_wait().ok().flatten().is_none() {
            let _ = self.ctl(&["stop"]);
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // The last resort: SIGKILL to this node's VM (found by its unique
        // name) and to our child's process group (chroot, su, the shell).
        for (pid, _) in self.node_processes() {
            // SAFETY: plain kill(2); the pid was this node's VM a moment ago.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        // SAFETY: kill(2) on the process group our child leads; the child is
        // not reaped yet, so its pid (the group's id) cannot be reused.
        unsafe {
            libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = child.wait();
    }
}

impl Drop for Ejabberd {
    fn drop(&mut self) {
        self.stop();
        if let Some(path) = self.certificate.take() {
            if let Some(folder) = path.parent() {
                let _ = fs::remove_dir_all(folder);
                let _ = fs::remove_dir_all(self.chroot.join(folder.strip_prefix("/").unwrap()));
            }
        }
        if let Some(dir) = self.dir.take() {
            if std::env::var_os("INVITECTL_INTEROP_KEEP").is_some() {
                let kept = dir.keep();
                eprintln!("kept ejabberd folder {}", kept.display());
            }
        }
    }
}

/// `/usr/bin/env -i` and the environment the server and its tools get in
/// the chroot: nothing of the test process's, in UTC unless `tz` says.
fn env_args(inside: &Path, tz: Option<&str>) -> Vec<String> {
    vec![
        "/usr/bin/env".into(),
        "-i".into(),
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin".into(),
        format!("TZ={}", tz.unwrap_or("UTC")),
        format!("HOME={}", inside.display()),
    ]
}

/// A self-signed certificate and key for [`HOST`] in one PEM file, at
/// the same absolute path on the host (where invitectl reads the
/// configuration's `certfiles`) and in the chroot (where ejabberd does),
/// readable by the chroot's ejabberd user.
fn make_certificate(chroot: &Path, uid: u32, gid: u32) -> PathBuf {
    let folder = PathBuf::from(format!("/tmp/invitectl-ejabberd-cert-{}", random_word(12)));
    fs::create_dir_all(&folder).expect("the certificate's folder");
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", &format!("/CN={HOST}")])
        .args(["-addext", &format!("subjectAltName=DNS:{HOST}")])
        .args(["-keyout", "key.pem", "-out", "cert.pem"])
        .current_dir(&folder)
        .stdin(Stdio::null())
        .output()
        .expect("running openssl");
    assert!(
        made.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let pem = [
        fs::read(folder.join("cert.pem")).unwrap(),
        fs::read(folder.join("key.pem")).unwrap(),
    ]
    .concat();
    let path = folder.join("ejabberd.pem");
    fs::write(&path, &pem).expect("writing the certificate");
    let inside = chroot.join(path.strip_prefix("/").unwrap());
    fs::create_dir_all(inside.parent().unwrap()).expect("the certificate's folder in the chroot");
    fs::write(&inside, &pem).expect("writing the certificate in the chroot");
    chown(inside.parent().unwrap(), Some(uid), Some(gid)).unwrap();
    chown(&inside, Some(uid), Some(gid)).unwrap();
    path
}

/// Unix seconds as ejabberd writes a time (`YYYY-MM-DD HH:MM:SS`, UTC).
pub fn time_text(unix: i64) -> String {
    Connection::open_in_memory()
        .and_then(|c| {
            c.query_row(
                "SELECT strftime('%Y-%m-%d %H:%M:%S', ?1, 'unixepoch')",
                [unix],
                |r| r.get(0),
            )
        })
        .expect("formatting a time")
}

/// `root` and everything under it.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            if let Ok(entries) = fs::read_dir(&out[i]) {
                out.extend(entries.flatten().map(|e| e.path()));
            }
        }
        i += 1;
    }
    out
}
