//! One throwaway PostgreSQL cluster per test process, for tests on a
//! database server.
//!
//! Call [`cluster`]: the first call starts the cluster (initdb, then postgres
//! on 127.0.0.1 and a free port, its data in a new temporary folder); every
//! test then takes its own [`Database`] with [`Cluster::fresh_database`].
//!
//! The cluster is tuned for tests, not for keeping data: no fsync, no
//! synchronous commit, no full-page writes, small buffers. TCP clients log
//! in as the role [`LOGIN_ROLE`] with a random password (scram-sha-256);
//! the harness itself is the superuser over the unix socket, which lives
//! in the data folder.
//!
//! Rust's test harness runs no teardown after the last test, so the server
//! is started by a small `sh` supervisor that reads a pipe held open by the
//! test process. When the process ends, however it ends, the pipe closes:
//! the supervisor stops postgres (fast shutdown) and removes the folder.
//!
//! Where to find the server: `$INVITECTL_TEST_PG_BINDIR`, else the newest
//! `/usr/lib/postgresql/<version>/bin` (Debian's `postgresql` package, which
//! `scripts/install-test-servers` installs). Without it, a test prints
//! `SKIPPED: ...` and passes; with `CI=true` it fails. Run as root, the
//! server runs as the `postgres` user (else `nobody`), as PostgreSQL
//! refuses to run as root.

use super::{certificates, ports, throwaway};

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The role TCP clients log in as; it owns every fresh database.
pub const LOGIN_ROLE: &str = "invitectl";

/// A member of [`LOGIN_ROLE`], with its password, that the server accepts
/// only over TLS (when the cluster has a certificate, see
/// [`Cluster::ca_cert`]).
pub const TLS_ONLY_ROLE: &str = "invitectl_tls";

/// The superuser (initdb's `-U` in [`SUPERVISOR`]), reachable over the
/// unix socket only (trust).
const SUPERUSER: &str = "postgres";

/// How long initdb plus the first start may take.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running throwaway cluster.
pub struct Cluster {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// The login role's password.
    password: String,
    /// The folder with the data folder (and the unix socket in it) and the
    /// server's log.
    dir: PathBuf,
    /// The pipe whose end tells the supervisor to stop the server.
    _lifeline: Mutex<ChildStdin>,
    _supervisor: Mutex<Child>,
    databases: AtomicUsize,
    /// The authority that signed the server's certificate (for
    /// 127.0.0.1), when `openssl` could make one.
    ca_cert: Option<PathBuf>,
}

/// A database of the cluster, owned by [`LOGIN_ROLE`]; dropped with its
/// connections when this value is dropped.
pub struct Database {
    pub name: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    socket_dir: PathBuf,
}

static CLUSTER: OnceLock<Result<Cluster, throwaway::Unavailable>> = OnceLock::new();

/// The process's cluster, started on first use; None (after printing why)
/// when PostgreSQL is not installed and the tests are not running on CI.
/// Panics when it is installed but does not start, or is missing on CI.
pub fn cluster() -> Option<&'static Cluster> {
    throwaway::available("PostgreSQL", CLUSTER.get_or_init(Cluster::start))
}

/// The folder with `initdb` and `postgres`: the environment's, or the
/// newest of Debian's.
fn find_bindir() -> Result<PathBuf, String> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os("INVITECTL_TEST_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return if has_both(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "INVITECTL_TEST_PG_BINDIR={} has no initdb and postgres",
                dir.display()
            ))
        };
    }
    let mut found: Vec<(Vec<u32>, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(|part| part.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            let bin = entry.path().join("bin");
            has_both(&bin).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or_else(|| {
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres); \
         run scripts/install-test-servers as root, or set INVITECTL_TEST_PG_BINDIR"
            .to_string()
    })
}

/// Runs initdb and the server, then waits for the write end of its stdin
/// to close and stops the server and removes the folder, also when the
/// test process died at any point of the start. Arguments: the bin folder,
/// the folder, then the server's options. Writes `failed` in the folder
/// when initdb fails.
const SUPERVISOR: &str = r#"
bindir=$1 dir=$2
shift 2
if "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C --no-sync \
	--auth-local=trust --auth-host=scram-sha-256 </dev/null >"$dir/initdb.log" 2>&1
then
	{ echo "hostnossl all invitectl_tls all reject"; cat "$dir/data/pg_hba.conf"; } >"$dir/hba" &&
		mv "$dir/hba" "$dir/data/pg_hba.conf"
	"$bindir/postgres" -D "$dir/data" "$@" </dev/null >>"$dir/postgres.log" 2>&1 &
	pid=$!
else
	pid=
	: >"$dir/failed"
fi
cat >/dev/null
if [ -n "$pid" ]; then
	# A signal that comes before postgres has set its handlers is lost (an
	# asynchronous command starts with SIGINT ignored): repeat it until
	# `wait` has reaped postgres, then escalate to an immediate shutdown.
	(
		n=0
		while kill -INT "$pid"; do
			n=$((n + 1))
			[ "$n" -le 20 ] || kill -QUIT "$pid"
			sleep 1
		done
	) >/dev/null 2>&1 &
	stopper=$!
	wait "$pid"
	kill "$stopper" 2>/dev/null
fi
rm -rf "$dir"
"#;

impl Cluster {
    fn start() -> Result<Cluster, throwaway::Unavailable> {
        let bindir = find_bindir().map_err(throwaway::Unavailable::Missing)?;
        let run_as = throwaway::server_user("postgres").map_err(throwaway::Unavailable::Missing)?;
        // A port picked here may be taken by another process before the
        // server binds it: then start over with another.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(&bindir, run_as, ports::free_port()) {
                Ok(cluster) => return Ok(cluster),
                Err((why, log)) => {
                    if attempt < 3 && log.contains("could not bind") {
                        continue;
                    }
                    return Err(throwaway::Unavailable::Failed(format!("{why}\n{log}")));
                }
            }
        }
    }

    /// Starts the supervisor in a new folder, waits for the server and
    /// makes the login role. On failure: why, and the logs.
    fn start_once(
        bindir: &Path,
        run_as: Option<(u32, u32)>,
        port: u16,
    ) -> Result<Cluster, (String, String)> {
        let dir = tempfile::Builder::new()
            .prefix("invitectl-pg-")
            .tempdir()
            .map_err(|e| (format!("creating a temporary folder: {e}"), String::new()))?
            .keep();
        let prepared = fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).and_then(
            |()| match run_as {
                Some((uid, gid)) => std::os::unix::fs::chown(&dir, Some(uid), Some(gid)),
                None => Ok(()),
            },
        );
        if let Err(e) = prepared {
            let _ = fs::remove_dir_all(&dir);
            return Err((format!("preparing {}: {e}", dir.display()), String::new()));
        }

        let ca_cert = certificates::make(&dir, run_as);
        let socket_dir = dir.join("data");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(SUPERVISOR)
            .arg("sh")
            .arg(bindir)
            .arg(&dir)
            .arg("-p")
            .arg(port.to_string())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", socket_dir.display()))
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "shared_buffers=16MB"])
            .args(["-c", "max_connections=200"])
            .args(["-c", "password_encryption=scram-sha-256"])
            .args(["-c", "log_line_prefix=%m [%p] "])
            .args(match ca_cert {
                Some(_) => vec![
                    "-c".to_owned(),
                    "ssl=on".to_owned(),
                    "-c".to_owned(),
                    format!("ssl_cert_file={}", dir.join("server.crt").display()),
                    "-c".to_owned(),
                    format!("ssl_key_file={}", dir.join("server.key").display()),
                ],
                None => Vec::new(),
            })
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Own process group: a Ctrl-C at the terminal ends the tests,
            // and the supervisor still cleans up after them.
            .process_group(0);
        if let Some((uid, gid)) = run_as {
            cmd.uid(uid).gid(gid);
        }
        let mut supervisor = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                return Err((format!("starting sh: {e}"), String::new()));
            }
        };
        let lifeline = supervisor.stdin.take().expect("piped stdin");
        let logs = || {
            let read = |name: &str| fs::read_to_string(dir.join(name)).unwrap_or_default();
            format!(
                "--- initdb.log ---\n{}--- postgres.log ---\n{}",
                read("initdb.log"),
                read("postgres.log")
            )
        };
        // The supervisor removes the folder once the pipe closes: read the
        // logs first.
        let give_up = |why: String, lifeline: ChildStdin, mut supervisor: Child| {
            let logs = logs();
            drop(lifeline);
            let _ = supervisor.wait();
            (why, logs)
        };

        let deadline = Instant::now() + START_TIMEOUT;
        let mut admin = loop {
            match admin_config(&socket_dir, port, "postgres").connect(postgres::NoTls) {
                Ok(client) => break client,
                Err(e) => {
                    if dir.join("failed").exists() {
                        return Err(give_up("initdb failed".into(), lifeline, supervisor));
                    }
                    // Clients turned away during start-up log a FATAL too.
                    let log = fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
                    let gone = log.lines().any(|l| {
                        (l.contains("FATAL:") && !l.contains("starting up")) || l.contains("PANIC:")
                    });
                    if gone || Instant::now() > deadline {
                        let why = format!("postgres did not start on port {port}: {e}");
                        return Err(give_up(why, lifeline, supervisor));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        let password = throwaway::random_password();
        if let Err(e) = admin.batch_execute(&format!(
            "CREATE ROLE {LOGIN_ROLE} LOGIN PASSWORD '{password}'; \
             CREATE ROLE {TLS_ONLY_ROLE} LOGIN PASSWORD '{password}' IN ROLE {LOGIN_ROLE}"
        )) {
            return Err(give_up(
                format!("creating the login role: {e}"),
                lifeline,
                supervisor,
            ));
        }
        Ok(Cluster {
            port,
            password,
            dir,
            _lifeline: Mutex::new(lifeline),
            _supervisor: Mutex::new(supervisor),
            databases: AtomicUsize::new(0),
            ca_cert,
        })
    }

    /// The folder of the unix socket (the superuser's way in).
    fn socket_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The authority that signed the server's certificate, when the
    /// cluster has one.
    pub fn ca_cert(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }

    /// A new, empty database owned by [`LOGIN_ROLE`], with a name unique in
    /// this cluster.
    pub fn fresh_database(&self) -> Database {
        let n = self.databases.fetch_add(1, Ordering::SeqCst) + 1;
        let name = format!("test_{n}");
        let mut admin = admin_config(&self.socket_dir(), self.port, "postgres")
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting as the superuser: {e}\n{}", self.log()));
        admin
            .batch_execute(&format!("CREATE DATABASE {name} OWNER {LOGIN_ROLE}"))
            .unwrap_or_else(|e| panic!("creating database {name}: {e}\n{}", self.log()));
        Database {
            name,
            port: self.port,
            user: LOGIN_ROLE.to_string(),
            password: self.password.clone(),
            socket_dir: self.socket_dir(),
        }
    }
}

impl Cluster {
    /// A new database with the tables and rows of `from`, which no session
    /// may be using.
    pub fn copy_database(&self, from: &Database) -> Database {
        let n = self.databases.fetch_add(1, Ordering::SeqCst) + 1;
        let name = format!("test_{n}");
        let mut admin = admin_config(&self.socket_dir(), self.port, "postgres")
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting as the superuser: {e}\n{}", self.log()));
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE {} OWNER {LOGIN_ROLE}",
                from.name
            ))
            .unwrap_or_else(|e| panic!("copying database {}: {e}\n{}", from.name, self.log()));
        Database {
            name,
            port: self.port,
            user: LOGIN_ROLE.to_string(),
            password: self.password.clone(),
            socket_dir: self.socket_dir(),
        }
    }
}

fn admin_config(socket_dir: &Path, port: u16, dbname: &str) -> postgres::Config {
    let mut config = postgres::Config::new();
    config
        .host_path(socket_dir)
        .port(port)
        .user(SUPERUSER)
        .dbname(dbname)
        .connect_timeout(Duration::from_secs(10));
    config
}

impl Database {
    /// `postgres://invitectl@127.0.0.1:PORT/NAME`: the password is not in
    /// it (see [`Database::env`]).
    pub fn url(&self) -> String {
        format!(
            "postgres://{}@127.0.0.1:{}/{}",
            self.user, self.port, self.name
        )
    }

    /// [`Database::url`] with the password in it, as the library takes it.
    pub fn url_with_password(&self) -> String {
        format!(
            "postgres://{}:{}@127.0.0.1:{}/{}",
            self.user, self.password, self.port, self.name
        )
    }

    /// The environment a client needs beside [`Database::url`].
    pub fn env(&self) -> [(&'static str, String); 1] {
        [("PGPASSWORD", self.password.clone())]
    }

    /// A connection as the login role for assertions: over the unix
    /// socket, where the role needs no password, since SCRAM's key
    /// derivation costs tens of milliseconds per connection in a debug
    /// build.
    pub fn client(&self) -> postgres::Client {
        let mut config = admin_config(&self.socket_dir, self.port, &self.name);
        config
            .user(&self.user)
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.name))
    }

    /// A connection over TCP as the login role, with its password, as
    /// invitectl and Prosody connect.
    pub fn tcp_client(&self) -> postgres::Client {
        self.client_with_password(&self.password)
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.url()))
    }

    /// A connection over TCP as the login role with `password`.
    pub fn client_with_password(
        &self,
        password: &str,
    ) -> Result<postgres::Client, postgres::Error> {
        postgres::Config::new()
            .host("127.0.0.1")
            .port(self.port)
            .user(&self.user)
            .password(password)
            .dbname(&self.name)
            .connect_timeout(Duration::from_secs(10))
            .connect(postgres::NoTls)
    }

    /// A connection as the superuser, over the unix socket.
    pub fn superuser_client(&self) -> postgres::Client {
        admin_config(&self.socket_dir, self.port, &self.name)
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to {} as the superuser: {e}", self.name))
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // Keeps the cluster's folder small when many tests ran; whatever is
        // left goes with the cluster.
        if let Ok(mut admin) =
            admin_config(&self.socket_dir, self.port, "postgres").connect(postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
