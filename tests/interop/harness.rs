//! Starting and stopping real Prosody servers for the interop tests, and
//! running the tools (invitectl, prosodyctl) against them.
//!
//! Each [`Server`] gets its own temporary folder (configuration, SQLite
//! database, log, pidfile, admin socket) and its own port on 127.0.0.1; on
//! PostgreSQL or MariaDB, a fresh database of the process's throwaway
//! database server. The
//! server runs in the foreground as the `prosody` user (when the tests run as
//! root) and is always stopped and reaped when the [`Server`] is dropped,
//! also when a test panics; the folder is removed afterwards. As a last resort
//! the server gets SIGKILL from the kernel if the test thread that started it
//! dies without dropping it (PR_SET_PDEATHSIG).

use std::ffi::{OsStr, OsString};
use std::fs;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use invitectl::{Host, Invite, Kind, Location, OpenMode, Store};
use rusqlite::{Connection, OpenFlags};

use super::machine::{self, Machine, Share};
use super::xmpp::Client;
use crate::support::accounts::{ids_of, is_root};
use crate::support::mariadb_server::{self, Database as MyDatabase};
use crate::support::ports::free_port;
use crate::support::postgres_cluster::{self, Database};
use crate::support::{binary, skip};

/// The virtual host every test server serves.
pub const HOST: &str = "example.test";

/// How long a server may take to start answering.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The two server generations the suite proves invitectl against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Prosody 0.12 (Debian bookworm's package, /usr/bin/prosody).
    V012,
    /// Prosody 13 (bookworm-backports, unpacked by scripts/install-test-servers).
    V13,
}

impl Version {
    pub fn label(self) -> &'static str {
        match self {
            Version::V012 => "Prosody 0.12",
            Version::V13 => "Prosody 13",
        }
    }

    fn bin_dir(self) -> PathBuf {
        match self {
            Version::V012 => PathBuf::from("/usr/bin"),
            Version::V13 => {
                let base = std::env::var_os("INVITECTL_PROSODY13_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("/opt/invitectl-test/prosody-13"));
                base.join("usr/bin")
            }
        }
    }

    pub fn prosody(self) -> PathBuf {
        self.bin_dir().join("prosody")
    }

    pub fn prosodyctl(self) -> PathBuf {
        self.bin_dir().join("prosodyctl")
    }

    /// The version string the server's source tree reports.
    fn expected_prefix(self) -> &'static str {
        match self {
            Version::V012 => "0.12.",
            Version::V13 => "13.",
        }
    }

    fn version_file(self) -> PathBuf {
        match self {
            Version::V012 => PathBuf::from("/usr/lib/prosody/prosody.version"),
            Version::V13 => self.bin_dir().join("../lib/prosody/prosody.version"),
        }
    }
}

/// Returns Err(reason) when `version` cannot be run here.
fn check_available(version: Version) -> Result<(), String> {
    let bin = version.prosody();
    if !bin.exists() {
        return Err(format!(
            "{} is not installed ({} missing); run scripts/install-test-servers as root",
            version.label(),
            bin.display()
        ));
    }
    let found = fs::read_to_string(version.version_file()).unwrap_or_default();
    if !found.trim().starts_with(version.expected_prefix()) {
        return Err(format!(
            "{} at {} reports version {:?}",
            version.label(),
            bin.display(),
            found.trim()
        ));
    }
    if is_root() && ids_of("prosody").is_none() {
        return Err("running as root but there is no `prosody` user to run the server as".into());
    }
    Ok(())
}

/// Returns Err(reason) when the Lua that runs `version` cannot load
/// LuaDBI's driver `dbd.<driver>` (for `name`): the server would only
/// fail at its first query.
fn check_driver(version: Version, driver: &str, name: &str) -> Result<(), String> {
    let script = fs::read_to_string(version.prosody()).unwrap_or_default();
    let lua = script
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or("lua5.4")
        .to_string();
    let loads = Command::new(&lua)
        .args(["-e", &format!("require 'dbd.{driver}'")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if loads {
        Ok(())
    } else {
        Err(format!(
            "{lua} cannot load LuaDBI's {name} driver for {} (Debian's lua-dbi-{driver}); \
             run scripts/install-test-servers as root",
            version.label()
        ))
    }
}

/// Where the server keeps its data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Storage {
    /// `storage = "sql"` on SQLite: `prosody.sqlite` in the server folder.
    #[default]
    Sql,
    /// `storage = "internal"`, Prosody's default: Lua files in the server
    /// folder, which is the `data_path`.
    Internal,
    /// `storage = "sql"` on PostgreSQL: a fresh database of the test
    /// process's cluster (tests/support/postgres_cluster.rs).
    Postgres,
    /// `storage = "sql"` on MariaDB (`driver = "MySQL"`): a fresh database
    /// of the test process's server (tests/support/mariadb_server.rs).
    Mysql,
}

/// Per-test server settings.
#[derive(Clone, Debug)]
pub struct Options {
    /// Minimum level the server logs to its log file.
    pub log_level: &'static str,
    /// Extra global options (Lua), e.g. `invites_page = "..."`.
    pub extra_config: String,
    /// The storage backend.
    pub storage: Storage,
    /// Whether the server runs beside other tests' servers.
    pub machine: Machine,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            log_level: "debug",
            extra_config: String::new(),
            storage: Storage::Sql,
            machine: Machine::Shared,
        }
    }
}

/// A running Prosody.
pub struct Server {
    pub version: Version,
    pub port: u16,
    dir: Option<tempfile::TempDir>,
    child: Option<Child>,
    config: PathBuf,
    run_as: Option<(u32, u32)>,
    pub storage: Storage,
    /// The assertions' connection to it, made on first use.
    pg: OnceLock<Mutex<postgres::Client>>,
    /// The server's database on a database server; dropped after the
    /// server stops.
    database: Option<SqlDatabase>,
    /// Its share of the machine (see machine.rs); released last.
    share: Option<Share>,
}

/// A database of the process's test server that a Prosody stores its data
/// in.
enum SqlDatabase {
    Postgres(Database),
    Mysql(MyDatabase),
}

impl SqlDatabase {
    /// The database's URL for `invitectl --store` (without the password).
    fn url(&self) -> String {
        match self {
            SqlDatabase::Postgres(db) => db.url(),
            SqlDatabase::Mysql(db) => db.url(),
        }
    }

    /// The environment invitectl needs beside [`SqlDatabase::url`].
    fn env(&self) -> [(&'static str, String); 1] {
        match self {
            SqlDatabase::Postgres(db) => db.env(),
            SqlDatabase::Mysql(db) => db.env(),
        }
    }

    /// The `sql` setting of Prosody's configuration for this database.
    fn prosody_sql(&self) -> String {
        let (driver, name, port, user, password) = match self {
            SqlDatabase::Postgres(db) => ("PostgreSQL", &db.name, db.port, &db.user, &db.password),
            SqlDatabase::Mysql(db) => ("MySQL", &db.name, db.port, &db.user, &db.password),
        };
        format!(
            "sql = {{ driver = \"{driver}\", database = {}, \
             host = \"127.0.0.1\", port = {port}, username = {}, password = {} }}",
            lua_string(name),
            lua_string(user),
            lua_string(password),
        )
    }
}

/// Starts `version` for a test, or returns None (after printing why) when
/// it is not installed and the suite is not running on CI.
pub fn start_with(version: Version, options: Options) -> Option<Server> {
    let available = check_available(version).and_then(|()| match options.storage {
        Storage::Postgres => check_driver(version, "postgresql", "PostgreSQL"),
        Storage::Mysql => check_driver(version, "mysql", "MySQL"),
        Storage::Sql | Storage::Internal => Ok(()),
    });
    if let Err(why) = available {
        if skip::required() {
            panic!("{why} (CI=true: the interop servers are required)");
        }
        skip::skipped(&why);
        return None;
    }
    let share = machine::take(options.machine);
    let database = match options.storage {
        Storage::Postgres => Some(SqlDatabase::Postgres(
            postgres_cluster::cluster()?.fresh_database(),
        )),
        Storage::Mysql => Some(SqlDatabase::Mysql(
            mariadb_server::server()?.fresh_database(),
        )),
        Storage::Sql | Storage::Internal => None,
    };
    let mut server = Server::start(version, options, database);
    server.share = Some(share);
    Some(server)
}

/// Starts `version` on an existing PostgreSQL `database` (e.g. one that
/// invitectl made), for a test whose first server already started, so the
/// server is known to be available.
pub fn start_on_database(version: Version, options: Options, database: Database) -> Server {
    assert_eq!(options.storage, Storage::Postgres);
    Server::start(version, options, Some(SqlDatabase::Postgres(database)))
}

/// [`start_on_database`] on MariaDB.
pub fn start_on_my_database(version: Version, options: Options, database: MyDatabase) -> Server {
    assert_eq!(options.storage, Storage::Mysql);
    Server::start(version, options, Some(SqlDatabase::Mysql(database)))
}

impl Server {
    fn start(version: Version, options: Options, database: Option<SqlDatabase>) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("invitectl-interop-")
            .tempdir()
            .expect("creating a temporary folder");
        let root = dir.path().to_path_buf();
        let run_as = if is_root() { ids_of("prosody") } else { None };
        let port = free_port();
        let config = root.join("prosody.cfg.lua");
        fs::create_dir(root.join("certs")).expect("creating certs folder");
        let config_text = config_text(&root, port, &options, database.as_ref());
        fs::write(&config, config_text).expect("writing the config");
        if let Some((uid, gid)) = run_as {
            for entry in [root.clone(), root.join("certs"), config.clone()] {
                std::os::unix::fs::chown(&entry, Some(uid), Some(gid))
                    .expect("handing the server folder to the prosody user");
            }
        }

        let mut server = Server {
            version,
            port,
            dir: Some(dir),
            child: None,
            config,
            run_as,
            storage: options.storage,
            pg: OnceLock::new(),
            database,
            share: None,
        };
        server.spawn();
        server.wait_ready();
        server
    }

    /// Starts the server process on this server's folder and configuration.
    fn spawn(&mut self) {
        let root = self.dir().to_path_buf();
        let console = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("console.log"))
            .expect("console log");
        let mut cmd = Command::new(self.version.prosody());
        cmd.arg("--config")
            .arg(&self.config)
            .arg("-F")
            .current_dir(&root)
            .env("HOME", &root)
            .stdin(Stdio::null())
            .stdout(console.try_clone().expect("console log"))
            .stderr(console);
        configure_child(&mut cmd, self.run_as);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.version.prosody().display()));
        self.child = Some(child);
    }

    /// Stops the server as an admin would (SIGTERM), and waits for it.
    pub fn shut_down(&mut self) {
        self.stop();
    }

    /// Kills the server with SIGKILL, as a crash would: it leaves its
    /// socket and pid file behind. It is reaped (as its init system would)
    /// so that the pid it leaves names no process.
    pub fn crash(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same folder, port and data, and
    /// waits until it serves.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
        self.wait_ready();
    }

    /// Waits until the port answers and the server serves invite requests.
    /// The first lookup also makes Prosody 0.12 create its SQL table (0.12
    /// connects to the database lazily).
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "{} exited during start-up ({status}).\n{}",
                    self.version.label(),
                    self.diagnostics()
                );
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            if Instant::now() > deadline {
                panic!(
                    "{} did not answer on port {} within {START_TIMEOUT:?}.\n{}",
                    self.version.label(),
                    self.port,
                    self.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut client = self.client();
        assert!(
            client.advertises_invites(),
            "{} does not advertise invite registration in {}\n{}",
            self.version.label(),
            client.features,
            self.diagnostics()
        );
        let reply = client
            .preauth("not-a-real-token-at-all")
            .unwrap_or_else(|e| panic!("warm-up preauth: {e:#}\n{}", self.diagnostics()));
        assert_eq!(
            reply.map_err(|e| e.condition),
            Err("forbidden".to_string()),
            "warm-up preauth with an unknown token\n{}",
            self.diagnostics()
        );
        client.close();
        let has_table = match self.storage {
            Storage::Internal => return,
            Storage::Sql => self
                .db()
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='prosody'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n == 1)
                .unwrap_or(false),
            Storage::Postgres => self
                .pg()
                .query_one(
                    "SELECT count(*) FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_name = 'prosody'",
                    &[],
                )
                .map(|r| r.get::<_, i64>(0) == 1)
                .unwrap_or(false),
            Storage::Mysql => {
                use mysql::prelude::Queryable;
                self.my()
                    .query_first::<i64, _>(
                        "SELECT count(*) FROM information_schema.tables \
                         WHERE table_schema = DATABASE() AND table_name = 'prosody'",
                    )
                    .map(|n| n == Some(1))
                    .unwrap_or(false)
            }
        };
        assert!(
            has_table,
            "{} did not create its SQL table\n{}",
            self.version.label(),
            self.diagnostics()
        );
    }

    pub fn dir(&self) -> &Path {
        self.dir.as_ref().expect("server folder").path()
    }

    /// The SQLite database the server uses, or with file storage its
    /// data folder.
    pub fn store_path(&self) -> PathBuf {
        match self.storage {
            Storage::Sql => self.dir().join("prosody.sqlite"),
            Storage::Internal => self.dir().to_path_buf(),
            Storage::Postgres | Storage::Mysql => {
                panic!("a server on a database server has no store path")
            }
        }
    }

    /// What `invitectl --store` is given: the store's path, or on
    /// PostgreSQL the database's URL (the password goes in PGPASSWORD).
    pub fn store_arg(&self) -> OsString {
        match &self.database {
            Some(db) => db.url().into(),
            None => self.store_path().into(),
        }
    }

    /// The server's PostgreSQL database.
    pub fn database(&self) -> &Database {
        match &self.database {
            Some(SqlDatabase::Postgres(db)) => db,
            _ => panic!("the server is not on PostgreSQL"),
        }
    }

    /// The server's MariaDB database.
    pub fn my_database(&self) -> &MyDatabase {
        match &self.database {
            Some(SqlDatabase::Mysql(db)) => db,
            _ => panic!("the server is not on MariaDB"),
        }
    }

    /// A connection to the server's MariaDB database (as root, over the
    /// socket), for assertions. Outside a transaction it holds no lock.
    pub fn my(&self) -> mysql::Conn {
        self.my_database().client()
    }

    /// The assertions' connection to the server's PostgreSQL database, as
    /// the role the server uses. Outside a transaction it holds no lock.
    pub fn pg(&self) -> MutexGuard<'_, postgres::Client> {
        self.pg
            .get_or_init(|| Mutex::new(self.database().client()))
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `invites` into the server's store, as any outside writer
    /// would; on PostgreSQL, rows in the table the server made (account
    /// invites only: one host-level record each).
    pub fn insert_invites(&self, invites: &[&Invite]) {
        let host = Host::parse(HOST).expect("host");
        if self.storage == Storage::Mysql {
            use mysql::prelude::Queryable;
            let mut conn = self.my();
            let mut tx = conn
                .start_transaction(mysql::TxOpts::default())
                .expect("BEGIN");
            for invite in invites {
                assert_eq!(invite.kind(), Kind::Account, "only account invites");
                let token = invite.token.to_string();
                // No unique index on MySQL: replace, never add a second row.
                tx.exec_drop(
                    "DELETE FROM prosody WHERE host = ? AND user = '' \
                     AND store = 'invite_token' AND `key` = ?",
                    (HOST, &token),
                )
                .expect("DELETE");
                tx.exec_drop(
                    "INSERT INTO prosody (host, user, store, `key`, type, value) \
                     VALUES (?, '', 'invite_token', ?, 'json', ?)",
                    (HOST, &token, invitectl::record::encode(invite)),
                )
                .expect("INSERT");
            }
            tx.commit().expect("COMMIT");
            return;
        }
        if self.storage != Storage::Postgres {
            let location = Location::from_path(self.store_path());
            let mut store =
                Store::open(&location, OpenMode::Existing).expect("open the server's store");
            for invite in invites {
                store.insert(&host, invite).expect("insert an invite");
            }
            return;
        }
        let mut client = self.pg();
        let mut tx = client.transaction().expect("BEGIN");
        for invite in invites {
            assert_eq!(invite.kind(), Kind::Account, "only account invites");
            let token = invite.token.to_string();
            // 0.12's index is not unique: replace, never add a second row.
            tx.execute(
                "DELETE FROM prosody WHERE host = $1 AND \"user\" = '' \
                 AND store = 'invite_token' AND key = $2",
                &[&HOST, &token],
            )
            .expect("DELETE");
            tx.execute(
                "INSERT INTO prosody (host, \"user\", store, key, type, value) \
                 VALUES ($1, '', 'invite_token', $2, 'json', $3)",
                &[&HOST, &token, &invitectl::record::encode(invite)],
            )
            .expect("INSERT");
        }
        tx.commit().expect("COMMIT");
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir().join("prosody.log")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Console output and the tail of the log, for failure messages.
    pub fn diagnostics(&self) -> String {
        let console = fs::read_to_string(self.dir().join("console.log")).unwrap_or_default();
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(80)..].join("\n");
        format!(
            "--- {} console output ---\n{console}\n--- last lines of {} ---\n{tail}\n---",
            self.version.label(),
            self.log_path().display()
        )
    }

    /// A new client connection to the server's virtual host.
    pub fn client(&self) -> Client {
        Client::connect(self.port, HOST).unwrap_or_else(|e| {
            panic!(
                "connecting to {}: {e:#}\n{}",
                self.version.label(),
                self.diagnostics()
            )
        })
    }

    /// The server's configuration file, e.g. for `--config` in
    /// [`Server::spawn_invitectl_with`].
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// Starts invitectl against this server's store:
    /// `invitectl --store DB HOST args...`. On file storage it runs as the
    /// server's user, as the README tells admins to.
    pub fn spawn_invitectl(&self, args: &[&str]) -> Running {
        self.spawn_invitectl_with(NO_GLOBALS, args)
    }

    /// [`Server::spawn_invitectl`] with global options before the rest:
    /// `invitectl GLOBALS... --store DB HOST args...`, e.g. `--config` and
    /// [`Server::config_path`], or a choice of path to the store.
    pub fn spawn_invitectl_with<G>(&self, globals: G, args: &[&str]) -> Running
    where
        G: IntoIterator,
        G::Item: AsRef<OsStr>,
    {
        let globals: Vec<OsString> = globals
            .into_iter()
            .map(|g| g.as_ref().to_os_string())
            .collect();
        let mut cmd = binary::command();
        cmd.args(&globals)
            .arg("--store")
            .arg(self.store_arg())
            .arg(HOST)
            .args(args);
        if let Some(db) = &self.database {
            cmd.envs(db.env());
        }
        if let (Storage::Internal, Some((uid, gid))) = (self.storage, self.run_as) {
            cmd.uid(uid).gid(gid).current_dir(self.dir());
        }
        Running::spawn(invitectl_label(&globals, args), cmd)
    }

    /// `invitectl --config <this server's configuration> HOST args...`, with
    /// no store named: invitectl finds the store in the configuration. Run
    /// as the server's user, as an admin would.
    pub fn invitectl_with_config(&self, args: &[&str]) -> Output {
        let mut cmd = binary::command();
        cmd.arg("--config")
            .arg(&self.config)
            .arg(HOST)
            .args(args)
            .current_dir(self.dir());
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid);
        }
        Running::spawn(format!("invitectl --config {args:?}"), cmd).wait(COMMAND_TIMEOUT)
    }

    /// Runs invitectl against this server's store (bounded by COMMAND_TIMEOUT).
    pub fn invitectl(&self, args: &[&str]) -> Output {
        self.spawn_invitectl(args).wait(COMMAND_TIMEOUT)
    }

    /// [`Server::invitectl`] with global options (see
    /// [`Server::spawn_invitectl_with`]).
    pub fn invitectl_with<G>(&self, globals: G, args: &[&str]) -> Output
    where
        G: IntoIterator,
        G::Item: AsRef<OsStr>,
    {
        self.spawn_invitectl_with(globals, args)
            .wait(COMMAND_TIMEOUT)
    }

    /// Runs invitectl and fails the test unless it exits 0; returns stdout.
    pub fn invitectl_ok(&self, args: &[&str]) -> String {
        self.invitectl_ok_with(NO_GLOBALS, args)
    }

    /// [`Server::invitectl_ok`] with global options (see
    /// [`Server::spawn_invitectl_with`]).
    pub fn invitectl_ok_with<G>(&self, globals: G, args: &[&str]) -> String
    where
        G: IntoIterator,
        G::Item: AsRef<OsStr>,
    {
        let globals: Vec<OsString> = globals
            .into_iter()
            .map(|g| g.as_ref().to_os_string())
            .collect();
        let out = self.invitectl_with(&globals, args);
        assert!(
            out.status.success(),
            "{} failed ({}):\nstdout: {}\nstderr: {}",
            invitectl_label(&globals, args),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("invitectl prints UTF-8")
    }

    /// Runs the server's own prosodyctl with this server's configuration.
    pub fn prosodyctl(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(self.version.prosodyctl());
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.dir())
            .env("HOME", self.dir());
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid);
        }
        Running::spawn(format!("prosodyctl {args:?}"), cmd).wait(COMMAND_TIMEOUT)
    }

    /// A fresh connection to the server's database. Short-lived: Prosody sets
    /// no busy timeout, so a lock held here would make the server fail.
    pub fn db(&self) -> Connection {
        let conn = Connection::open_with_flags(
            self.store_path(),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .expect("opening the server's database");
        conn.busy_timeout(Duration::from_secs(10))
            .expect("setting a busy timeout");
        conn
    }

    /// All rows of the `prosody` table for `store` (and `user`, if given).
    pub fn rows(&self, store: &str, user: Option<&str>) -> Vec<Row> {
        match self.storage {
            Storage::Internal => return super::data_folder::rows(self.dir(), store, user),
            Storage::Postgres => {
                return self
                    .pg()
                    .query(
                        "SELECT host, \"user\", store, key, type, value FROM prosody \
                         WHERE host = $1 AND store = $2 AND ($3::text IS NULL OR \"user\" = $3) \
                         ORDER BY \"user\", key",
                        &[&HOST, &store, &user],
                    )
                    .expect("querying")
                    .iter()
                    .map(Row::from_pg)
                    .collect();
            }
            Storage::Mysql => {
                use mysql::prelude::Queryable;
                return self
                    .my()
                    .exec::<mysql::Row, _, _>(
                        "SELECT host, user, store, `key`, type, value FROM prosody \
                         WHERE host = ? AND store = ? AND (? IS NULL OR user = ?) \
                         ORDER BY user, `key`",
                        (HOST, store, user, user),
                    )
                    .expect("querying")
                    .into_iter()
                    .map(Row::from_my)
                    .collect();
            }
            Storage::Sql => {}
        }
        let conn = self.db();
        let mut stmt = conn
            .prepare(
                "SELECT host, user, store, key, type, value FROM prosody \
                 WHERE host = ?1 AND store = ?2 AND (?3 IS NULL OR user = ?3) ORDER BY user, key",
            )
            .expect("preparing a query");
        stmt.query_map(rusqlite::params![HOST, store, user], Row::from_sql)
            .expect("querying")
            .collect::<Result<_, _>>()
            .expect("reading rows")
    }

    /// Every row (host-level and per-user) that belongs to invite `token`.
    pub fn invite_rows(&self, token: &str) -> Vec<Row> {
        self.rows("invite_token", None)
            .into_iter()
            .filter(|r| r.key == token)
            .collect()
    }

    /// Whether the server's account store has `username`.
    pub fn account_exists(&self, username: &str) -> bool {
        !self.rows("accounts", Some(username)).is_empty()
    }

    /// Rewrites `expires` of invite `token` (host-level JSON record and the
    /// per-user record of a contact invite) to `expires`.
    pub fn set_invite_expiry(&self, token: &str, expires: i64) {
        match self.storage {
            Storage::Internal => {
                return super::data_folder::set_invite_expiry(self.dir(), token, expires)
            }
            Storage::Postgres => return self.set_invite_expiry_pg(token, expires),
            Storage::Mysql => return self.set_invite_expiry_my(token, expires),
            Storage::Sql => {}
        }
        let conn = self.db();
        let value: String = conn
            .query_row(
                "SELECT value FROM prosody WHERE host = ?1 AND user = '' \
                 AND store = 'invite_token' AND key = ?2",
                rusqlite::params![HOST, token],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("no host-level record for {token}: {e}"));
        let mut json: serde_json::Value = serde_json::from_str(&value).expect("invite JSON");
        json["expires"] = serde_json::Value::from(expires);
        conn.execute(
            "UPDATE prosody SET value = ?3 WHERE host = ?1 AND user = '' \
             AND store = 'invite_token' AND key = ?2",
            rusqlite::params![HOST, token, json.to_string()],
        )
        .expect("rewriting expires");
        conn.execute(
            "UPDATE prosody SET value = ?3 WHERE host = ?1 AND user != '' \
             AND store = 'invite_token' AND key = ?2",
            rusqlite::params![HOST, token, expires.to_string()],
        )
        .expect("rewriting the per-user expires");
    }

    fn set_invite_expiry_pg(&self, token: &str, expires: i64) {
        let mut client = self.pg();
        let mut tx = client.transaction().expect("BEGIN");
        let value: String = tx
            .query_one(
                "SELECT value FROM prosody WHERE host = $1 AND \"user\" = '' \
                 AND store = 'invite_token' AND key = $2",
                &[&HOST, &token],
            )
            .unwrap_or_else(|e| panic!("no host-level record for {token}: {e}"))
            .get(0);
        let mut json: serde_json::Value = serde_json::from_str(&value).expect("invite JSON");
        json["expires"] = serde_json::Value::from(expires);
        tx.execute(
            "UPDATE prosody SET value = $3 WHERE host = $1 AND \"user\" = '' \
             AND store = 'invite_token' AND key = $2",
            &[&HOST, &token, &json.to_string()],
        )
        .expect("rewriting expires");
        tx.execute(
            "UPDATE prosody SET value = $3 WHERE host = $1 AND \"user\" != '' \
             AND store = 'invite_token' AND key = $2",
            &[&HOST, &token, &expires.to_string()],
        )
        .expect("rewriting the per-user expires");
        tx.commit().expect("COMMIT");
    }

    fn set_invite_expiry_my(&self, token: &str, expires: i64) {
        use mysql::prelude::Queryable;
        let mut conn = self.my();
        let mut tx = conn
            .start_transaction(mysql::TxOpts::default())
            .expect("BEGIN");
        let value: String = tx
            .exec_first(
                "SELECT value FROM prosody WHERE host = ? AND user = '' \
                 AND store = 'invite_token' AND `key` = ?",
                (HOST, token),
            )
            .expect("querying")
            .unwrap_or_else(|| panic!("no host-level record for {token}"));
        let mut json: serde_json::Value = serde_json::from_str(&value).expect("invite JSON");
        json["expires"] = serde_json::Value::from(expires);
        tx.exec_drop(
            "UPDATE prosody SET value = ? WHERE host = ? AND user = '' \
             AND store = 'invite_token' AND `key` = ?",
            (json.to_string(), HOST, token),
        )
        .expect("rewriting expires");
        tx.exec_drop(
            "UPDATE prosody SET value = ? WHERE host = ? AND user != '' \
             AND store = 'invite_token' AND `key` = ?",
            (expires.to_string(), HOST, token),
        )
        .expect("rewriting the per-user expires");
        tx.commit().expect("COMMIT");
    }

    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = child.id() as libc::pid_t;
        if child.try_wait().ok().flatten().is_none() {
            // SAFETY: plain kill(2) on our own child, which has not been reaped
            // yet, so the pid cannot have been reused.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill();
            }
        }
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = self.dir.take() {
            if std::env::var_os("INVITECTL_INTEROP_KEEP").is_some() {
                let kept = dir.keep();
                eprintln!("kept server folder {}", kept.display());
            }
        }
    }
}

/// No global options, for the helpers without `_with`.
const NO_GLOBALS: [&str; 0] = [];

/// How failure messages name an invitectl run.
fn invitectl_label(globals: &[OsString], args: &[&str]) -> String {
    if globals.is_empty() {
        format!("invitectl {args:?}")
    } else {
        format!("invitectl {globals:?} {args:?}")
    }
}

/// How long one invitectl or prosodyctl run may take before the test fails.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// A child process whose output is collected in the background and that is
/// killed if it outlives its deadline.
pub struct Running {
    what: String,
    child: Child,
    stdout: Option<std::thread::JoinHandle<Vec<u8>>>,
    stderr: Option<std::thread::JoinHandle<Vec<u8>>>,
}

impl Running {
    pub fn spawn(what: impl Into<String>, mut cmd: Command) -> Running {
        let what = what.into();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        configure_child(&mut cmd, None);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}"));
        let drain = |mut r: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = r.read_to_end(&mut buf);
                buf
            })
        };
        let stdout = child.stdout.take().map(|r| drain(Box::new(r)));
        let stderr = child.stderr.take().map(|r| drain(Box::new(r)));
        Running {
            what,
            child,
            stdout,
            stderr,
        }
    }

    /// Waits for the process; kills it and fails the test after `timeout`.
    pub fn wait(mut self, timeout: Duration) -> Output {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waiting for a child") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default());
                panic!(
                    "{} did not finish within {timeout:?}; killed it. stderr: {}",
                    self.what,
                    String::from_utf8_lossy(&stderr.unwrap_or_default())
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Output {
            status,
            stdout: self
                .stdout
                .take()
                .map(|h| h.join().unwrap_or_default())
                .unwrap_or_default(),
            stderr: self
                .stderr
                .take()
                .map(|h| h.join().unwrap_or_default())
                .unwrap_or_default(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs the child as the server user (when root) and kills it if the thread
/// that started it goes away without stopping it.
fn configure_child(cmd: &mut Command, run_as: Option<(u32, u32)>) {
    if let Some((uid, gid)) = run_as {
        cmd.uid(uid).gid(gid);
    }
    // SAFETY: prctl and getppid are async-signal-safe; nothing is allocated.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            if libc::getppid() == 1 {
                return Err(std::io::Error::other("parent already gone"));
            }
            Ok(())
        });
    }
}

/// The Lua string literal of `s`, for the configuration.
fn lua_string(s: &str) -> String {
    format!("{s:?}")
}

fn config_text(
    root: &Path,
    port: u16,
    options: &Options,
    database: Option<&SqlDatabase>,
) -> String {
    let storage = match (options.storage, database) {
        (Storage::Sql, _) => r#"storage = "sql"
sql = { driver = "SQLite3", database = "prosody.sqlite" }"#
            .to_string(),
        (Storage::Internal, _) => r#"storage = "internal""#.to_string(),
        (Storage::Postgres | Storage::Mysql, Some(db)) => {
            format!("storage = \"sql\"\n{}", db.prosody_sql())
        }
        (Storage::Postgres | Storage::Mysql, None) => {
            panic!("{:?} storage without a database", options.storage)
        }
    };
    let root = root.display();
    format!(
        r#"-- Throwaway configuration for an invitectl interop test.
pidfile = "{root}/prosody.pid"
data_path = "{root}"
certificates = "{root}/certs"
admin_socket = "{root}/prosody.sock"
interfaces = {{ "127.0.0.1" }}
local_interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
c2s_direct_tls_ports = {{}}
legacy_ssl_ports = {{}}
s2s_ports = {{}}
http_ports = {{}}
https_ports = {{}}
c2s_require_encryption = false
s2s_require_encryption = false
allow_registration = true
{storage}
log = {{ {{ levels = {{ min = "{level}" }}, to = "file", filename = "{root}/prosody.log" }} }}
modules_enabled = {{
    "roster"; "saslauth"; "disco"; "ping";
    "register"; "invites"; "invites_register";
    "admin_shell";
}}
modules_disabled = {{ "s2s"; "offline"; }}
{extra}
VirtualHost "{host}"
"#,
        level = options.log_level,
        extra = options.extra_config,
        host = HOST,
    )
}

/// One row of Prosody's `prosody` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub host: String,
    pub user: String,
    pub store: String,
    pub key: String,
    pub kind: String,
    pub value: String,
}

impl Row {
    fn from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        Ok(Row {
            host: r.get(0)?,
            user: r.get(1)?,
            store: r.get(2)?,
            key: r.get(3)?,
            kind: r.get(4)?,
            value: r.get(5)?,
        })
    }

    fn from_pg(r: &postgres::Row) -> Row {
        Row {
            host: r.get(0),
            user: r.get(1),
            store: r.get(2),
            key: r.get(3),
            kind: r.get(4),
            value: r.get(5),
        }
    }

    fn from_my(r: mysql::Row) -> Row {
        let text = |i: usize| match r.as_ref(i) {
            Some(mysql::Value::Bytes(b)) => String::from_utf8(b.clone()).expect("UTF-8"),
            other => panic!("column {i} is {other:?}"),
        };
        Row {
            host: text(0),
            user: text(1),
            store: text(2),
            key: text(3),
            kind: text(4),
            value: text(5),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.value)
            .unwrap_or_else(|e| panic!("row value is not JSON ({e}): {self:?}"))
    }
}

/// The current Unix time in seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}
