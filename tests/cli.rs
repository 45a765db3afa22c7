//! The `invitectl` binary on real stores of every backend: the rows it
//! writes, the rows it must leave alone, its output and its refusals.

// The cases are in tests/cli/, declared here rather than from a
// tests/cli/main.rs so that this crate root reaches tests/support/ as
// `support` (a module of tests/cli/main.rs would be looked for in
// tests/cli/).
mod cli {
    //! The binary's cases, one module per concern.

    mod bad_input;
    mod common;
    mod completion;
    mod config;
    mod damaged_rows;
    mod docs;
    mod ejabberd_config;
    mod file_storage;
    mod generate;
    mod list_show;
    mod mysql;
    mod pipes;
    mod postgresql;
    mod privileges;
    mod prosody_config;
    mod qr;
    mod qr_decode;
    mod revoke_expire;
    mod terminal;
}
// Public: the binaries' shared interface (see tests/support/mod.rs).
pub mod support;
