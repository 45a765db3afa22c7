//! Tests on whole configurations: Debian's shipped one, one shaped like
//! Snikket's, and small ones for each rule.

mod debian;
mod proptests;
mod snikket;
mod syntax;

use std::path::{Path, PathBuf};

use super::{Config, ConfigError};

/// A fixture under tests/fixtures/config.
fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(path)
}

/// Writes `files` into a new folder and loads the first one.
fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Config, ConfigError>) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }
    let main = dir.path().join(files[0].0);
    let config = Config::load(main);
    (dir, config)
}

/// Loads one file that must be read without errors.
fn load_ok(text: &str) -> (tempfile::TempDir, Config) {
    let (dir, config) = load(&[("prosody.cfg.lua", text)]);
    (dir, config.expect("loads"))
}
