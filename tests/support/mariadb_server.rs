//! One throwaway MariaDB server per test process, for tests on a MySQL
//! database.
//!
//! Call [`server`]: the first call starts the server (mariadb-install-db, then
//! mariadbd on 127.0.0.1 and a free port, its data in a new temporary
//! folder); every test then takes its own [`Database`] with
//! [`Server::fresh_database`].
//!
//! The server is tuned for tests, not for keeping data: no binary log, no
//! flush at each commit, small buffers. TCP clients log in as the user
//! [`LOGIN_USER`] with a random password; the harness itself is root over
//! the unix socket, which lives in the folder.
//!
//! Rust's test harness runs no teardown after the last test, so the server
//! is started by a small `sh` supervisor that reads a pipe held open by the
//! test process. When the process ends, however it ends, the pipe closes:
//! the supervisor stops mariadbd and removes the folder.
//!
//! Where to find the server: `$INVITECTL_TEST_MARIADB_BINDIR` (with
//! `mariadb-install-db` and `mariadbd`), else Debian's `mariadb-server`
//! package, which `scripts/install-test-servers` installs. Without it, a
//! test prints `SKIPPED: ...` and passes; with `CI=true` it fails. Run as
//! root, the server runs as the `mysql` user (else `nobody`).

use super::{certificates, ports, throwaway};

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;

/// The user TCP clients log in as; it may do anything in every fresh
/// database.
pub const LOGIN_USER: &str = "invitectl";

/// A user with the same password and rights that the server accepts only
/// over TLS (when the server has a certificate, see [`Server::ca_cert`]).
pub const TLS_ONLY_USER: &str = "invitectl_tls";

/// How long mariadb-install-db plus the first start may take.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// A running throwaway server.
pub struct Server {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// The login user's password.
    password: String,
    /// The folder with the data folder, the socket and the server's log.
    dir: PathBuf,
    /// The pipe whose end tells the supervisor to stop the server.
    _lifeline: Mutex<ChildStdin>,
    _supervisor: Mutex<Child>,
    databases: AtomicUsize,
    /// The authority that signed the server's certificate (for
    /// 127.0.0.1), when `openssl` could make one.
    ca_cert: Option<PathBuf>,
}

/// A database of the server; dropped when this value is dropped.
pub struct Database {
    pub name: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    socket: PathBuf,
}

static SERVER: OnceLock<Result<Server, throwaway::Unavailable>> = OnceLock::new();

/// The process's server, started on first use; None (after printing why)
/// when MariaDB is not installed and the tests are not running on CI.
/// Panics when it is installed but does not start, or is missing on CI.
pub fn server() -> Option<&'static Server> {
    throwaway::available("MariaDB", SERVER.get_or_init(Server::start))
}

/// `mariadb-install-db` and `mariadbd`: from the environment's folder, or
/// Debian's places.
fn find_binaries() -> Result<(PathBuf, PathBuf), String> {
    if let Some(dir) = std::env::var_os("INVITECTL_TEST_MARIADB_BINDIR") {
        let dir = PathBuf::from(dir);
        let (install, server) = (dir.join("mariadb-install-db"), dir.join("mariadbd"));
        return if install.is_file() && server.is_file() {
            Ok((install, server))
        } else {
            Err(format!(
                "INVITECTL_TEST_MARIADB_BINDIR={} has no mariadb-install-db and mariadbd",
                dir.display()
            ))
        };
    }
    let install = PathBuf::from("/usr/bin/mariadb-install-db");
    let server = PathBuf::from("/usr/sbin/mariadbd");
    if install.is_file() && server.is_file() {
        Ok((install, server))
    } else {
        Err(
            "MariaDB is not installed (no /usr/bin/mariadb-install-db and /usr/sbin/mariadbd); \
             run scripts/install-test-servers as root, or set INVITECTL_TEST_MARIADB_BINDIR"
                .to_string(),
        )
    }
}

/// Runs mariadb-install-db and the server, then waits for the write end
/// of its stdin to close, stops the server and removes the folder, also
/// when the test process died at any point of the start. Arguments:
/// mariadb-install-db, mariadbd, the folder, then the server's options.
/// Writes `failed` in the folder when mariadb-install-db fails.
const SUPERVISOR: &str = r#"
install=$1 server=$2 dir=$3
shift 3
mkdir -p "$dir/tmp"
if "$install" --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
	--skip-test-db --skip-name-resolve </dev/null >"$dir/install.log" 2>&1
then
	"$server" --no-defaults --datadir="$dir/data" "$@" </dev/null >>"$dir/mariadb.log" 2>&1 &
	pid=$!
else
	pid=
	: >"$dir/failed"
fi
cat >/dev/null
if [ -n "$pid" ]; then
	# SIGTERM is a normal shutdown; one sent before the server has set its
	# handlers may be lost, so repeat it until `wait` has reaped the
	# server, then kill it.
	(
		n=0
		while kill -TERM "$pid"; do
			n=$((n + 1))
			[ "$n" -le 30 ] || kill -KILL "$pid"
			sleep 1
		done
	) >/dev/null 2>&1 &
	stopper=$!
	wait "$pid"
	kill "$stopper" 2>/dev/null
fi
rm -rf "$dir"
"#;

impl Server {
    fn start() -> Result<Server, throwaway::Unavailable> {
        let (install, mariadbd) = find_binaries().map_err(throwaway::Unavailable::Missing)?;
        let run_as = throwaway::server_user("mysql").map_err(throwaway::Unavailable::Missing)?;
        // A port picked here may be taken by another process before the
        // server binds it: then start over with another.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(&install, &mariadbd, run_as, ports::free_port()) {
                Ok(server) => return Ok(server),
                Err((why, log)) => {
                    if attempt < 3 && log.contains("Address already in use") {
                        continue;
                    }
                    return Err(throwaway::Unavailable::Failed(format!("{why}\n{log}")));
                }
            }
        }
    }

    /// Starts the supervisor in a new folder, waits for the server and
    /// makes the login user. On failure: why, and the logs.
    fn start_once(
        install: &Path,
        mariadbd: &Path,
        run_as: Option<(u32, u32)>,
        port: u16,
    ) -> Result<Server, (String, String)> {
        let dir = tempfile::Builder::new()
            .prefix("invitectl-mariadb-")
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
        let socket = dir.join("mysqld.sock");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(SUPERVISOR)
            .arg("sh")
            .arg(install)
            .arg(mariadbd)
            .arg(&dir)
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.join("mariadbd.pid").display()))
            // Its own temporary files in its own folder: the machine's /tmp
            // is shared with whatever else runs there.
            .arg(format!("--tmpdir={}", dir.join("tmp").display()))
            .args(["--skip-log-bin", "--skip-name-resolve"])
            .args([
                "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M",
            ])
            .args(["--innodb-flush-log-at-trx-commit=0", "--sync-binlog=0"])
            .args(["--max-connections=300", "--skip-performance-schema"])
            .args(match ca_cert {
                Some(_) => vec![
                    format!("--ssl-cert={}", dir.join("server.crt").display()),
                    format!("--ssl-key={}", dir.join("server.key").display()),
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
                "--- install.log ---\n{}--- mariadb.log ---\n{}",
                read("install.log"),
                read("mariadb.log")
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
            match admin_connection(&socket, None) {
                Ok(conn) => break conn,
                Err(e) => {
                    if dir.join("failed").exists() {
                        return Err(give_up(
                            "mariadb-install-db failed".into(),
                            lifeline,
                            supervisor,
                        ));
                    }
                    let log = fs::read_to_string(dir.join("mariadb.log")).unwrap_or_default();
                    let gone = log.contains("[ERROR] Aborting");
                    if gone || Instant::now() > deadline {
                        let why = format!("mariadbd did not start on port {port}: {e}");
                        return Err(give_up(why, lifeline, supervisor));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        let password = throwaway::random_password();
        if let Err(e) = admin.query_drop(format!(
            "CREATE USER '{LOGIN_USER}'@'%' IDENTIFIED BY '{password}'; \
             CREATE USER '{TLS_ONLY_USER}'@'%' IDENTIFIED BY '{password}' REQUIRE SSL"
        )) {
            return Err(give_up(
                format!("creating the login user: {e}"),
                lifeline,
                supervisor,
            ));
        }
        Ok(Server {
            port,
            password,
            dir,
            _lifeline: Mutex::new(lifeline),
            _supervisor: Mutex::new(supervisor),
            databases: AtomicUsize::new(0),
            ca_cert,
        })
    }

    /// The authority that signed the server's certificate, when the
    /// server has one.
    pub fn ca_cert(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// The unix socket (root's way in).
    fn socket(&self) -> PathBuf {
        self.dir.join("mysqld.sock")
    }

    /// The login user's password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("mariadb.log")).unwrap_or_default()
    }

    /// A new, empty database, on which [`LOGIN_USER`] may do anything,
    /// with a name unique on this server.
    pub fn fresh_database(&self) -> Database {
        let n = self.databases.fetch_add(1, Ordering::SeqCst) + 1;
        let name = format!("test_{n}");
        let mut admin = admin_connection(&self.socket(), None)
            .unwrap_or_else(|e| panic!("connecting as root: {e}\n{}", self.log()));
        admin
            .query_drop(format!(
                "CREATE DATABASE `{name}`; GRANT ALL ON `{name}`.* TO '{LOGIN_USER}'@'%'; \
                 GRANT ALL ON `{name}`.* TO '{TLS_ONLY_USER}'@'%'"
            ))
            .unwrap_or_else(|e| panic!("creating database {name}: {e}\n{}", self.log()));
        Database {
            name,
            port: self.port,
            user: LOGIN_USER.to_string(),
            password: self.password.clone(),
            socket: self.socket(),
        }
    }
}

/// A connection as root over the unix socket.
fn admin_connection(socket: &Path, database: Option<&str>) -> Result<mysql::Conn, mysql::Error> {
    mysql::Conn::new(
        mysql::OptsBuilder::new()
            .socket(Some(socket.to_string_lossy()))
            .user(Some("root"))
            .db_name(database)
            .prefer_socket(false)
            .init(vec!["SET NAMES 'utf8mb4' COLLATE 'utf8mb4_bin'"]),
    )
}

impl Database {
    /// `mysql://invitectl@127.0.0.1:PORT/NAME`: the password is not in it
    /// (see [`Database::env`]).
    pub fn url(&self) -> String {
        format!(
            "mysql://{}@127.0.0.1:{}/{}",
            self.user, self.port, self.name
        )
    }

    /// [`Database::url`] with the password in it, as the library takes it.
    pub fn url_with_password(&self) -> String {
        format!(
            "mysql://{}:{}@127.0.0.1:{}/{}",
            self.user, self.password, self.port, self.name
        )
    }

    /// The environment a client needs beside [`Database::url`].
    pub fn env(&self) -> [(&'static str, String); 1] {
        [("MYSQL_PWD", self.password.clone())]
    }

    /// A connection as root to this database, over the unix socket, for
    /// assertions and for setting up what a test needs.
    pub fn client(&self) -> mysql::Conn {
        admin_connection(&self.socket, Some(&self.name))
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.name))
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // Keeps the server's folder small when many tests ran; whatever is
        // left goes with the server. A session still holding a lock on the
        // database would make the drop wait (a year, by default): give up
        // after a few seconds instead, and leave it to the server's end.
        if let Ok(mut admin) = admin_connection(&self.socket, None) {
            let _ = admin.query_drop(format!(
                "SET SESSION lock_wait_timeout = 5; DROP DATABASE IF EXISTS `{}`",
                self.name
            ));
        }
    }
}
