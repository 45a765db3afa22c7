//! The server's configuration: finding it (Prosody's or ejabberd's), its
//! host, and reading from it the defaults `generate` uses. The host's store
//! is the library's [`invitectl::Location::from_config`] or
//! [`invitectl::Location::from_ejabberd`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use invitectl::config::{Config, HostConfig, Period};
use invitectl::duration::MAX_TTL;
use invitectl::ejabberd_config::{EjabberdConfig, EjabberdHost};
use invitectl::uri::LandingPage;

use super::UsageError;

/// Where Debian's (and most distributions') Prosody keeps its
/// configuration.
pub const DEFAULT_CONFIG: &str = "/etc/prosody/prosody.cfg.lua";

/// Where ejabberd's packages keep its configuration, read when Prosody's
/// is not there.
pub const DEFAULT_EJABBERD_CONFIG: &str = invitectl::ejabberd_config::DEFAULT_CONFIG_PATH;

/// A server's configuration, read.
pub enum ServerConfig {
    Prosody(Config),
    Ejabberd(EjabberdConfig),
}

impl ServerConfig {
    /// Reads the file: ejabberd's when it is YAML (`.yml`, `.yaml`, as
    /// ejabberd itself tells), else Prosody's.
    pub fn load(path: &Path) -> Result<ServerConfig> {
        let is_yaml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
        Ok(if is_yaml {
            ServerConfig::Ejabberd(EjabberdConfig::load(path)?)
        } else {
            ServerConfig::Prosody(Config::load(path)?)
        })
    }
}

/// A configuration file to read, and whether the user named it.
pub struct Found {
    pub path: PathBuf,
    /// Named by `--config` or `INVITECTL_CONFIG`, rather than found at
    /// [`DEFAULT_CONFIG`].
    pub explicit: bool,
}

/// The configuration to read: `--config`, else `INVITECTL_CONFIG`, else
/// [`DEFAULT_CONFIG`] when it exists, else [`DEFAULT_EJABBERD_CONFIG`] when
/// it exists. An empty value (either way) means none, so that scripts and
/// tests can turn discovery off.
pub fn find(named: Option<PathBuf>) -> Option<Found> {
    let named = named.or_else(|| std::env::var_os("INVITECTL_CONFIG").map(PathBuf::from));
    match named {
        Some(path) if path.as_os_str().is_empty() => None,
        Some(path) => Some(Found {
            path,
            explicit: true,
        }),
        None => [DEFAULT_CONFIG, DEFAULT_EJABBERD_CONFIG]
            .into_iter()
            .map(PathBuf::from)
            .find(|path| path.is_file())
            .map(|path| Found {
                path,
                explicit: false,
            }),
    }
}

/// The `VirtualHost` named `name`; a host the configuration does not
/// declare is a usage error, as in prosodyctl.
pub fn host<'a>(config: &'a Config, name: &str) -> Result<HostConfig<'a>> {
    if let Some(host) = config
        .host(name)
        .or_else(|| config.host_in_unresolved_section(name))
    {
        return Ok(host);
    }
    let file = config.path().display();
    let why = if config.section_kind(name).is_some() {
        format!("{name} is a Component in {file}, not a VirtualHost")
    } else {
        format!("host {name} does not exist in {file} (no VirtualHost \"{name}\")")
    };
    Err(UsageError(why).into())
}

/// A host of ejabberd's `hosts`; any other is a usage error.
pub fn ejabberd_host<'a>(config: &'a EjabberdConfig, name: &str) -> Result<EjabberdHost<'a>> {
    config.host(name).ok_or_else(|| {
        UsageError(format!(
            "host {name} is not in the hosts of {}",
            config.path().display()
        ))
        .into()
    })
}

/// `invite_expiry` as a lifetime (forever is capped like `--ttl`).
pub fn invite_expiry(host: &HostConfig<'_>) -> Result<Option<Duration>> {
    Ok(host.invite_expiry()?.map(|p| match p.value {
        Period::Seconds(s) => Duration::from_secs(s).min(MAX_TTL),
        Period::Never => MAX_TTL,
    }))
}

/// `invites_page` with `invites_page_supports`, checked.
pub fn landing_page(host: &HostConfig<'_>) -> Result<Option<LandingPage>> {
    let Some(page) = host.invites_page()? else {
        return Ok(None);
    };
    let mut page = LandingPage::parse(&page.value)?;
    if let Some(kinds) = host.invites_page_supports()? {
        page = page.with_supports(kinds.value);
    }
    Ok(Some(page))
}
