//! A Prosody configuration in a temporary folder, to point the binary at.

use std::path::PathBuf;

use tempfile::TempDir;

use super::common::{invitectl, stdout_of, HOST};

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
