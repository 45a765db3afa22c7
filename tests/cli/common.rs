//! What the binary's cases share: the seeded store and the ways to read
//! the binary's output from the support tree, the binary itself, a
//! configuration to point it at, and Prosody's own record.

use std::path::Path;

use assert_cmd::Command;

pub use super::prosody_config::{ProsodyConfig, GOOD_GLOBAL};
pub use crate::support::backends::on_each;
pub use crate::support::output::{json_lines, stderr_of, stdout_of, token_of};
pub use crate::support::store::{all, backends, Schema, Store, HOST};

/// `invitectl`, apart from the machine's settings.
pub fn invitectl() -> Command {
    Command::from_std(crate::support::binary::command())
}

/// A host-level record as Prosody 0.12.3 wrote it, with the given times.
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
