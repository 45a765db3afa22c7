//! What the binary's tests share: the seeded store and the ways to read
//! the binary's output from the support tree, and a Prosody
//! configuration to point the binary at.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

pub use crate::support::backends::on_each;
pub use crate::support::output::{json_lines, stderr_of, stdout_of, token_of};
pub use crate::support::store::{all, backends, Schema, Store, HOST};

/// `invitectl`, apart from the machine's settings.
pub fn invitectl() -> Command {
    Command::from_std(crate::support::binary::command())
}

/// A host-level record as Prosody 0.12.3 wrote it (from SPEC), with the
/// given times.
pub fn prosody_row(token: &str, created: i64, expires: i64) -> String {
    format!(
        r#"{{"token":"{token}","uri":"xmpp:example.com?register;preauth={token}","additional_data":{{"groups":{{}}}},"expires":{expires},"created_at":{created},"type":"register","jid":"example.com","allow_registration":true}}"#
    )
}

pub fn now() -> i64 {
    invitectl::now()
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// A temporary Prosody configuration: `prosody.cfg.lua` holds `data_path`
/// (a `data` folder beside it) and the given global settings, and pulls in
/// `conf.d/host.cfg.lua`, which declares HOST with its own settings.
pub struct ProsodyConfig {
    pub dir: TempDir,
    pub path: PathBuf,
}

impl ProsodyConfig {
    pub fn new(global: &str, host: &str) -> ProsodyConfig {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(dir.path().join("conf.d")).unwrap();
        std::fs::create_dir(&data).unwrap();
        let path = dir.path().join("prosody.cfg.lua");
        std::fs::write(
            &path,
            format!(
                "data_path = {:?}\n{global}\nInclude \"conf.d/*.cfg.lua\"\n",
                data.display().to_string()
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("conf.d/host.cfg.lua"),
            format!("VirtualHost \"{HOST}\"\n{host}\n"),
        )
        .unwrap();
        ProsodyConfig { dir, path }
    }

    /// The configured `data_path`.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `invitectl --config PATH HOST args...`.
    pub fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        invitectl()
            .arg("--config")
            .arg(&self.path)
            .arg(HOST)
            .args(args)
            .assert()
    }

    /// Like [`ProsodyConfig::run`], expecting success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).success();
        stdout_of(&out)
    }
}

/// The global settings of a server that honours invites, on SQLite.
pub const GOOD_GLOBAL: &str = r#"
allow_registration = true
modules_enabled = { "register"; "invites"; "invites_register" }
storage = "sql"
sql = { driver = "SQLite3", database = "prosody.sqlite" }
"#;
