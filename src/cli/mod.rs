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
use invitectl::config::HostConfig;
use invitectl::ejabberd_config::EjabberdHost;
use invitectl::store::{ProsodyServer, Via};
use invitectl::{Host, Location, OpenMode, Store};

pub use args::{Args, Command};
use config::ServerConfig;
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
    /// The server's configuration, through the setting described.
    Configured(String),
}

/// What every host command needs.
pub struct Context {
    host: Host,
    location: Location,
    origin: StoreOrigin,
    /// The server's configuration, when one was found or named.
    config: Option<ServerConfig>,
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

    /// The host's view of Prosody's configuration, if there is one (the
    /// host was checked to exist when the context was made).
    fn host_config(&self) -> Result<Option<HostConfig<'_>>> {
        match &self.config {
            Some(ServerConfig::Prosody(c)) => config::host(c, self.host.as_str()).map(Some),
            _ => Ok(None),
        }
    }

    /// The host's view of ejabberd's configuration, if there is one.
    fn ejabberd_host(&self) -> Result<Option<EjabberdHost<'_>>> {
        match &self.config {
            Some(ServerConfig::Ejabberd(c)) => {
                config::ejabberd_host(c, self.host.as_str()).map(Some)
            }
            _ => Ok(None),
        }
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
                ServerConfig::load(&found.path).map_err(|e| {
                    if found.explicit {
                        e
                    } else {
                        anyhow::anyhow!(
                            "{e} (name one with --config, or set INVITECTL_CONFIG= to read none)"
                        )
                    }
                })
            })
            .transpose()?;
        let configured = match &config {
            Some(ServerConfig::Prosody(c)) => {
                Some(Configured::Prosody(config::host(c, host.as_str())?))
            }
            Some(ServerConfig::Ejabberd(c)) => Some(Configured::Ejabberd(config::ejabberd_host(
                c,
                host.as_str(),
            )?)),
            None => None,
        };
        let (location, origin) = resolve_store(named, configured.as_ref())?;
        let mut server = match &configured {
            Some(Configured::Prosody(host)) => ProsodyServer::from_config(host)?,
            _ => ProsodyServer::beside(&location),
        };
        if admin_socket.is_some() {
            server.admin_socket = admin_socket;
        }
        // No server reads the per-user default store, and ejabberd has no
        // admin socket to write through.
        let ejabberd = matches!(configured, Some(Configured::Ejabberd(_)));
        if (origin == StoreOrigin::Default || ejabberd) && via == Via::Auto {
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

/// A host as the server's configuration declares it.
enum Configured<'c> {
    Prosody(HostConfig<'c>),
    Ejabberd(EjabberdHost<'c>),
}

/// The store to use: `--store` (or `INVITECTL_STORE`, which clap folds into
/// it, read by [`Location::parse`]), else the one the configuration gives
/// the host, else the per-user default.
fn resolve_store(
    named: Option<PathBuf>,
    host: Option<&Configured<'_>>,
) -> Result<(Location, StoreOrigin)> {
    if let Some(path) = named {
        return Ok((Location::parse(path.as_os_str())?, StoreOrigin::Named));
    }
    match host {
        Some(Configured::Prosody(host)) => {
            let (location, chosen_at) = Location::from_config(host)?;
            return Ok((location, StoreOrigin::Configured(chosen_at)));
        }
        Some(Configured::Ejabberd(host)) => {
            let location = Location::from_ejabberd(host)?;
            let options = if matches!(location, Location::EjabberdApi(_)) {
                "the listen options"
            } else {
                "the sql options"
            };
            let chosen_at = format!("{options} of {}", host.config_path().display());
            return Ok((location, StoreOrigin::Configured(chosen_at)));
        }
        None => {}
    }
    let location = Location::default_store().ok_or_else(|| {
        UsageError("no store given and no home folder for the default one: use --store PATH".into())
    })?;
    Ok((location, StoreOrigin::Default))
}
