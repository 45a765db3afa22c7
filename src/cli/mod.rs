//! The `invitectl` binary: argument handling and printing. Everything else
//! is the library's.

mod args;
mod docs;
mod exit;
mod expire;
mod generate;
mod list;
mod progress;
mod qr;
mod revoke;
mod show;
mod terminal;

use std::path::PathBuf;

use anyhow::Result;
use invitectl::{Host, Location, OpenMode, Store};

pub use args::{Args, Command};
pub use exit::{report, report_usage, Exit};

/// A usage error found by the binary itself, such as a missing host.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Where the store came from: it decides what is said when one is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoreOrigin {
    /// `--store` or `INVITECTL_STORE`.
    Named,
    /// The per-user default, which no server reads unless pointed at it.
    Default,
}

/// What every host command needs.
pub struct Context {
    host: Host,
    location: Location,
    origin: StoreOrigin,
    style: terminal::Style,
}

impl Context {
    fn open(&self, mode: OpenMode) -> Result<Store> {
        let store = Store::open(&self.location, mode)?;
        if store.was_created() && self.origin == StoreOrigin::Default {
            eprintln!(
                "invitectl: created a new store at {} (Prosody reads it only when configured with storage = \"sql\" and this database)",
                self.location.path().display()
            );
        }
        Ok(store)
    }
}

/// Runs one command line.
pub fn run(args: Args) -> Result<Exit> {
    let style = terminal::Style::detect(args.color);
    let ctx = || Context::new(args.host.as_deref(), args.store.clone(), style);
    match args.command {
        Command::Completions { shell } => docs::completions(shell),
        Command::Man => docs::man(),
        Command::Generate(a) => generate::run(&ctx()?, a),
        Command::List(a) => list::run(&ctx()?, a),
        Command::Show(a) => show::run(&ctx()?, a),
        Command::Revoke(a) => revoke::run(&ctx()?, a),
        Command::Expire(a) => expire::run(&ctx()?, a),
    }
}

impl Context {
    fn new(host: Option<&str>, store: Option<PathBuf>, style: terminal::Style) -> Result<Context> {
        let Some(host) = host else {
            return Err(
                UsageError("a host is required, e.g. invitectl example.com list".into()).into(),
            );
        };
        let host = Host::parse(host)?;
        let (location, origin) = resolve_store(store)?;
        Ok(Context {
            host,
            location,
            origin,
            style,
        })
    }
}

/// The store to use: `--store` (or `INVITECTL_STORE`, which clap folds into
/// it), else the per-user default. A folder is Prosody's data folder with
/// file storage; any other path a SQLite file, which `generate` creates
/// when it is missing.
fn resolve_store(named: Option<PathBuf>) -> Result<(Location, StoreOrigin)> {
    if let Some(path) = named.filter(|p| !p.as_os_str().is_empty()) {
        return Ok((Location::from_path(path), StoreOrigin::Named));
    }
    let path = Location::default_sqlite().ok_or_else(|| {
        UsageError("no store given and no home folder for the default one: use --store PATH".into())
    })?;
    Ok((Location::Sqlite(path), StoreOrigin::Default))
}
