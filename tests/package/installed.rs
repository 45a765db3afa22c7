//! The package installed onto this machine with `dpkg -i`, as an admin
//! would: the command on the PATH, its man page, its bash completion, its
//! units, the timer's service pruning a real store; then `dpkg -r` and
//! `--purge` remove every file it installed.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use crate::contents::FILES;
use crate::deb::{entries, package, run, tools_present};
use crate::tools::{need, sh_quote};

const HOST: &str = "example.com";
const SERVICE: &str = "/lib/systemd/system/invitectl-expire@.service";
const TIMER_LINK: &str =
    "/etc/systemd/system/timers.target.wants/invitectl-expire@example.com.timer";
/// The PATH systemd gives a service.
const SYSTEMD_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";

/// Whether this run may install onto the system: as root, under CI=true
/// or INVITECTL_TEST_INSTALL=1. Says SKIPPED and why when not.
fn may_install() -> bool {
    let root = run("id", &["-u"]).trim() == "0";
    let asked = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("INVITECTL_TEST_INSTALL").is_ok_and(|v| v == "1");
    if root && asked {
        return true;
    }
    let why = if root {
        "neither CI=true nor INVITECTL_TEST_INSTALL=1 is set"
    } else {
        "not running as root"
    };
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: package_installed: it installs invitectl onto this system, \
         so it runs only as root under CI=true or INVITECTL_TEST_INSTALL=1 ({why}) ***\n"
    );
    false
}

/// The package's dpkg status, e.g. `installed`, `config-files` or
/// `not-installed`.
fn status() -> String {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", "invitectl"])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if status.is_empty() {
        "not-installed".into()
    } else {
        status
    }
}

/// `dpkg args...`, which must succeed; waits while another apt or dpkg
/// holds the lock (up to five minutes).
fn dpkg(args: &[&str]) {
    for _ in 0..150 {
        let out = Command::new("dpkg").args(args).output().unwrap();
        if out.status.success() {
            return;
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("lock"), "dpkg {args:?}: {err}");
        std::thread::sleep(Duration::from_secs(2));
    }
    panic!("dpkg {args:?}: the dpkg lock stayed taken for five minutes");
}

/// Purges the package if a failed check left it installed.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        if status() != "not-installed" {
            let _ = Command::new("dpkg").args(["--purge", "invitectl"]).status();
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn installed_it_works_and_removal_leaves_nothing() {
    if !tools_present("package_installed")
        || !need("systemd-analyze", "systemd", "package_installed")
        || !need("systemctl", "systemd", "package_installed")
        || !need("man", "man-db", "package_installed")
        || !need("bash", "bash", "package_installed")
        || !need(
            "/usr/share/bash-completion/bash_completion",
            "bash-completion",
            "package_installed",
        )
        || !may_install()
    {
        return;
    }
    assert_eq!(
        status(),
        "not-installed",
        "invitectl is already installed here; remove it (apt purge invitectl) to run this test"
    );
    let _guard = Installed;
    dpkg(&["-i", package().to_str().unwrap()]);
    assert_eq!(status(), "installed");
    let listed: BTreeSet<String> = run("dpkg-query", &["-L", "invitectl"])
        .lines()
        .filter(|l| *l != "/.")
        .map(str::to_owned)
        .collect();
    let contents: BTreeSet<String> = entries()
        .into_iter()
        .map(|e| e.path)
        .filter(|p| p != "/")
        .collect();
    assert_eq!(listed, contents);

    on_the_path_with_this_version();
    man_finds_the_page();
    bash_completes_a_subcommand();
    systemd_accepts_the_units();
    let link = std::fs::read_link(TIMER_LINK).ok();
    assert_eq!(link, None, "{TIMER_LINK} exists before the test enables it");
    run(
        "systemctl",
        &["enable", "invitectl-expire@example.com.timer"],
    );
    assert_eq!(
        std::fs::read_link(TIMER_LINK).unwrap(),
        Path::new("/lib/systemd/system/invitectl-expire@.timer")
    );
    the_service_prunes_expired_invites_only();

    dpkg(&["-r", "invitectl"]);
    for (path, _) in FILES {
        assert!(
            std::fs::symlink_metadata(path).is_err(),
            "{path} is still there after dpkg -r"
        );
    }
    for entry in entries().iter().filter(|e| e.is_dir() && e.path != "/") {
        let owned_by_others = Command::new("dpkg-query")
            .args(["-S", &entry.path])
            .output()
            .unwrap()
            .status
            .success();
        assert!(
            owned_by_others || !Path::new(&entry.path).exists(),
            "{} is left behind by dpkg -r",
            entry.path
        );
    }
    dpkg(&["--purge", "invitectl"]);
    assert_eq!(status(), "not-installed");
    assert!(
        std::fs::symlink_metadata(TIMER_LINK).is_err(),
        "purge leaves {TIMER_LINK}"
    );
}

fn on_the_path_with_this_version() {
    let found = Command::new("sh")
        .args(["-c", "command -v invitectl"])
        .env("PATH", SYSTEMD_PATH)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&found.stdout).trim(),
        "/usr/bin/invitectl"
    );
    let version = run("/usr/bin/invitectl", &["--version"]);
    assert!(
        version.starts_with(concat!("invitectl ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    assert_eq!(
        version,
        run(env!("CARGO_BIN_EXE_invitectl"), &["--version"])
    );
}

fn man_finds_the_page() {
    let found = run("man", &["-w", "invitectl"]);
    assert_eq!(found.trim(), "/usr/share/man/man1/invitectl.1.gz");
    let out = Command::new("man")
        .args(["--warnings", "invitectl"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stderr.is_empty(), "man warns: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("COMMAND: EXPIRE"));
}

/// bash-completion loads the installed file on demand, as in an admin's
/// shell, and it completes `ex` after the host to `expire`.
fn bash_completes_a_subcommand() {
    let words = ["invitectl", HOST, "ex"].map(sh_quote).join(" ");
    let driver = format!(
        r#"source /usr/share/bash-completion/bash_completion || exit 9
__load_completion invitectl || exit 8
func=$(complete -p invitectl | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
[ -n "$func" ] || exit 7
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
"$func" invitectl "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &driver])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "expire");
}

fn systemd_accepts_the_units() {
    let out = Command::new("systemd-analyze")
        .args([
            "verify",
            "/lib/systemd/system/invitectl-expire@example.com.service",
            "/lib/systemd/system/invitectl-expire@example.com.timer",
        ])
        .output()
        .unwrap();
    // It warns of settings it ignores on stderr, yet exits 0.
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "systemd-analyze verify: {}",
        text(&out)
    );
}

/// The tokens `invitectl HOST list ARGS --json` prints.
fn tokens(config: &Path, args: &[&str]) -> BTreeSet<String> {
    let out = Command::new("/usr/bin/invitectl")
        .arg(HOST)
        .arg("list")
        .args(args)
        .arg("--json")
        .env("INVITECTL_CONFIG", config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let invite: Value = serde_json::from_str(l).unwrap();
            invite["token"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn generate(config: &Path, args: &[&str]) -> String {
    let out = Command::new("/usr/bin/invitectl")
        .args([HOST, "generate", "--json"])
        .args(args)
        .env("INVITECTL_CONFIG", config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let invite: Value = serde_json::from_slice(&out.stdout).unwrap();
    invite["token"].as_str().unwrap().to_owned()
}

/// A Prosody configuration whose host keeps its invites in a SQLite
/// database in a folder of /var/lib owned by `nobody`, as Debian's
/// Prosody keeps its own in /var/lib/prosody: run as root, invitectl and
/// the unit must switch to that user. Outside /tmp and /home, which the
/// unit hides.
fn store_owned_by_nobody() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("invitectl-test-")
        .tempdir_in("/var/lib")
        .unwrap();
    let uid: u32 = run("id", &["-u", "nobody"]).trim().parse().unwrap();
    let gid: u32 = run("id", &["-g", "nobody"]).trim().parse().unwrap();
    std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
    let config = dir.path().join("prosody.cfg.lua");
    std::fs::write(
        &config,
        format!(
            "data_path = {:?}\nstorage = \"sql\"\n\
             sql = {{ driver = \"SQLite3\", database = \"prosody.sqlite\" }}\n\
             VirtualHost \"{HOST}\"\n",
            dir.path().display().to_string()
        ),
    )
    .unwrap();
    (dir, config)
}

/// The timer's service, started by hand: with systemctl where systemd
/// runs (a runtime drop-in names the test's configuration and lets the
/// service write its folder), else its ExecStart line run as systemd
/// would run it: as root, in systemd's environment, from /.
fn start_the_service(config: &Path, folder: &Path) {
    let unit = std::fs::read_to_string(SERVICE).unwrap();
    assert!(unit.lines().any(|l| l == "Type=oneshot"), "{unit}");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("no ExecStart");
    let instance = format!("invitectl-expire@{HOST}.service");
    if Path::new("/run/systemd/system").is_dir() {
        let dropin = Path::new("/run/systemd/system").join(format!("{instance}.d"));
        std::fs::create_dir_all(&dropin).unwrap();
        std::fs::write(
            dropin.join("test.conf"),
            format!(
                "[Service]\nEnvironment=INVITECTL_CONFIG={}\nReadWritePaths={}\n",
                config.display(),
                folder.display()
            ),
        )
        .unwrap();
        run("systemctl", &["daemon-reload"]);
        let started = Command::new("systemctl")
            .args(["start", &instance])
            .output()
            .unwrap();
        let journal = Command::new("journalctl")
            .args(["--no-pager", "-n", "20", "-u", &instance])
            .output();
        std::fs::remove_dir_all(&dropin).unwrap();
        run("systemctl", &["daemon-reload"]);
        assert!(
            started.status.success(),
            "systemctl start {instance}: {}\n{}",
            text(&started),
            journal.map(|j| text(&j)).unwrap_or_default()
        );
        return;
    }
    let _ = writeln!(
        std::io::stderr(),
        "\nnote: systemd is not running here: running the service's ExecStart line as it would\n"
    );
    let words: Vec<String> = exec
        .split_whitespace()
        .map(|w| w.replace("%i", HOST))
        .collect();
    assert!(words[0].starts_with('/'), "ExecStart={exec}");
    let out = Command::new(&words[0])
        .args(&words[1..])
        .env_clear()
        .env("PATH", SYSTEMD_PATH)
        .env("INVITECTL_CONFIG", config)
        .current_dir("/")
        .output()
        .unwrap();
    // --quiet: nothing on either stream when all went well.
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "ExecStart={exec}: {}",
        text(&out)
    );
}

fn the_service_prunes_expired_invites_only() {
    let (folder, config) = store_owned_by_nobody();
    let expired = generate(&config, &["--ttl", "1s"]);
    let live = generate(&config, &[]);
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(tokens(&config, &["--expired"]), BTreeSet::from([expired]));
    assert_eq!(tokens(&config, &[]), BTreeSet::from([live.clone()]));

    start_the_service(&config, folder.path());

    assert_eq!(tokens(&config, &["--all"]), BTreeSet::from([live]));
    // The store stays the server user's: no root-owned database or journal.
    let nobody: u32 = run("id", &["-u", "nobody"]).trim().parse().unwrap();
    for file in std::fs::read_dir(folder.path()).unwrap() {
        let file = file.unwrap();
        if file.file_name() != "prosody.cfg.lua" {
            let owner = file.metadata().unwrap().uid();
            assert_eq!(owner, nobody, "{:?} belongs to uid {owner}", file.path());
        }
    }
}
