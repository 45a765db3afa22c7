//! The `invitectl` binary: argument handling and printing. Everything else
//! is the library's.

mod args;
mod check_config;
mod config;
mod docs;
mod exit;
mod expire;
mod generate;
mod list;
mod privileges;
mod progress;
mod qr;
mod render;
mod revoke;
mod show;
mod terminal;

use std::path::PathBuf;

use anyhow::Result;
use invitectl::config::{Config, HostConfig};
use invitectl::store::{ProsodyServer, Via};
use invitectl::{Host, Location, OpenMode, Store};

pub use args::{Args, Command};
pub use exit::{report, report_usage, Exit};

/// A usage error found by the binary itself, such as a missing host.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Where the store came from: it decides what is said when one is created.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StoreOrigin {
    /// `--store` or `INVITECTL_STORE`.
    Named,
    /// The per-user default, which no server reads unless pointed at it.
    Default,
    /// Prosody's configuration, through the setting described.
    Configured(String),
}

/// What every host command needs.
pub struct Context {
    host: Host,
    location: Location,
    origin: StoreOrigin,
    /// Prosody's configuration, when one was found or named.
    config: Option<Config>,
    /// The server whose store it is, as far as known.
    server: ProsodyServer,
    via: Via,
    verbose: bool,
    style: terminal::Style,
}

impl Context {
    fn open(&self, mode: OpenMode) -> Result<Store> {
        let store = Store::open_beside(&self.location, mode, &self.server, self.via)?;
        if self.verbose {
            eprintln!("invitectl: {}: {}", store.name(), store.route());
        }
        // A new store someone named is what they asked for; anything else
        // new is worth a line.
        if let Some(created) = store.creation() {
            if !created.whole_store || self.origin == StoreOrigin::Default {
                eprintln!("invitectl: created {}", created.what);
            }
        }
        Ok(store)
    }

    /// The host's view of the configuration, if there is one (the host was
    /// checked to exist when the context was made).
    fn host_config(&self) -> Result<Option<HostConfig<'_>>> {
        self.config
            .as_ref()
            .map(|c| config::host(c, self.host.as_str()))
            .transpose()
    }
}

/// Runs one command line.
pub fn run(args: Args) -> Result<Exit> {
    let style = terminal::Style::detect(args.color);
    let ctx = || {
        Context::new(
            args.host.as_deref(),
            Reach {
                store: args.store.clone(),
                config: args.config.clone(),
                admin_socket: args.admin_socket.clone(),
                via: args.via.into(),
                verbose: args.verbose,
            },
            style,
        )
    };
    match args.command {
        Command::Completions { shell } => docs::completions(shell),
        Command::Man => docs::man(),
        Command::Generate(a) => generate::run(&ctx()?, a),
        Command::List(a) => list::run(&ctx()?, a),
        Command::Show(a) => show::run(&ctx()?, a),
        Command::Revoke(a) => revoke::run(&ctx()?, a),
        Command::Expire(a) => expire::run(&ctx()?, a),
        Command::CheckConfig => check_config::run(&ctx()?),
    }
}

/// The global options that say where the store is and how to reach it.
struct Reach {
    store: Option<PathBuf>,
    config: Option<PathBuf>,
    admin_socket: Option<PathBuf>,
    via: Via,
    verbose: bool,
}

impl Context {
    fn new(host: Option<&str>, reach: Reach, style: terminal::Style) -> Result<Context> {
        let Reach {
            store,
            config,
            admin_socket,
            mut via,
            verbose,
        } = reach;
        let Some(host) = host else {
            return Err(
                UsageError("a host is required, e.g. invitectl example.com list".into()).into(),
            );
        };
        let host = Host::parse(host)?;
        let named = store.filter(|p| !p.as_os_str().is_empty());
        // A named store overrides the configuration's, so the default
        // configuration is not even read then; a named one still gives
        // the invite defaults.
        let config = config::find(config)
            .filter(|found| found.explicit || named.is_none())
            .map(|found| {
                Config::load(&found.path).map_err(|e| {
                    if found.explicit {
                        e.into()
                    } else {
                        anyhow::anyhow!(
                            "{e} (name one with --config, or set INVITECTL_CONFIG= to read none)"
                        )
                    }
                })
            })
            .transpose()?;
        let host_config = config
            .as_ref()
            .map(|c| config::host(c, host.as_str()))
            .transpose()?;
        let (location, origin) = resolve_store(named, host_config.as_ref())?;
        let mut server = match &host_config {
            Some(host) => ProsodyServer::from_config(host)?,
            None => ProsodyServer::beside(&location),
        };
        if admin_socket.is_some() {
            server.admin_socket = admin_socket;
        }
        // No server reads the per-user default store.
        if origin == StoreOrigin::Default && via == Via::Auto {
            via = Via::Store;
        }
        // The configuration is read as the caller (root may need to); the
        // store is touched only as its owner, who may use the server's
        // admin socket (the server's own user).
        privileges::become_store_owner(&location)?;
        Ok(Context {
            host,
            location,
            origin,
            config,
            server,
            via,
            verbose,
            style,
        })
    }
}

/// The store to use: `--store` (or `INVITECTL_STORE`, which clap folds into
/// it, read by [`Location::parse`]), else the one the configuration gives
/// the host, else the per-user default.
fn resolve_store(
    named: Option<PathBuf>,
    host: Option<&HostConfig<'_>>,
) -> Result<(Location, StoreOrigin)> {
    if let Some(path) = named {
        return Ok((Location::parse(path.as_os_str())?, StoreOrigin::Named));
    }
    if let Some(host) = host {
        let (location, chosen_at) = Location::from_config(host)?;
        return Ok((location, StoreOrigin::Configured(chosen_at)));
    }
    let location = Location::default_store().ok_or_else(|| {
        UsageError("no store given and no home folder for the default one: use --store PATH".into())
    })?;
    Ok((location, StoreOrigin::Default))
}
