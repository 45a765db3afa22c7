//! Reliability and security evidence for the SQLite store and, where a
//! test names it, file storage: kills at random moments, concurrent
//! commands, damaged stores, hostile arguments, properties of the parsers,
//! and secrets. Each test names the guarantee it
//! holds; README.md's "Reliability" section links them.

// The cases are in tests/reliability/, declared here rather than from a
// tests/reliability/main.rs so that this crate root reaches tests/support/ as
// `support` (a module of tests/reliability/main.rs would be looked for in
// tests/reliability/).
mod reliability {
    //! The reliability cases, one module per guarantee, and what they
    //! share: seeding, running the binary, a store's state and refusals.

    mod concurrency;
    mod damaged;
    mod hostile;
    mod kill;
    mod properties;
    mod refusals;
    mod running;
    mod secrets;
    mod seeding;
    mod store_state;
}
// Public: the binaries' shared interface (see tests/support/mod.rs).
pub mod support;
