//! The binary under test, run apart from the machine's own settings.

use std::process::Command;

/// The invitectl binary cargo built for the tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_invitectl");

/// `invitectl`, not started, with none of invitectl's variables from the
/// environment the tests run in.
pub fn command() -> Command {
    let mut cmd = Command::new(BIN);
    clean(&mut cmd);
    cmd
}

/// Clears invitectl's variables for `cmd` (a copy of the binary, say).
pub fn clean(cmd: &mut Command) {
    // An empty INVITECTL_CONFIG reads no configuration: the machine's own
    // /etc/prosody/prosody.cfg.lua stays out of the tests.
    cmd.env("INVITECTL_CONFIG", "")
        .env_remove("INVITECTL_STORE")
        .env_remove("INVITECTL_LANDING_PAGE")
        .env_remove("NO_COLOR");
}
