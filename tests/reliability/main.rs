//! Reliability and security evidence for the SQLite store: kills at random
//! moments, concurrent commands, damaged stores, hostile arguments,
//! properties of the parsers, and secrets. Each test names the guarantee it
//! holds; README.md's "Reliability" section links them.

#[allow(dead_code)]
#[path = "../cli/common.rs"]
mod common;

mod concurrency;
mod damaged;
mod kill;
mod secrets;
#[allow(dead_code)]
mod util;
