//! The `invitectl` command. Parsing and printing live in `cli`; the
//! library does the work.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use cli::Args;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) => return cli::report_usage(&err).into(),
    };
    match cli::run(args) {
        Ok(exit) => exit.into(),
        Err(err) => cli::report(&err).into(),
    }
}
