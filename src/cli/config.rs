//! Prosody's configuration: finding it, its host, and reading from it
//! the defaults `generate` uses. The host's store is the library's
//! [`invitectl::Location::from_config`].

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use invitectl::config::{Config, HostConfig, Period};
use invitectl::duration::MAX_TTL;
use invitectl::uri::LandingPage;

use super::UsageError;

/// Where Debian's (and most distributions') Prosody keeps its
/// configuration.
pub const DEFAULT_CONFIG: &str = "/etc/prosody/prosody.cfg.lua";

/// A configuration file to read, and whether the user named it.
pub struct Found {
    pub path: PathBuf,
    /// Named by `--config` or `INVITECTL_CONFIG`, rather than found at
    /// [`DEFAULT_CONFIG`].
    pub explicit: bool,
}

/// The configuration to read: `--config`, else `INVITECTL_CONFIG`, else
/// [`DEFAULT_CONFIG`] when it exists. An empty value (either way) means
/// none, so that scripts and tests can turn discovery off.
pub fn find(named: Option<PathBuf>) -> Option<Found> {
    let named = named.or_else(|| std::env::var_os("INVITECTL_CONFIG").map(PathBuf::from));
    match named {
        Some(path) if path.as_os_str().is_empty() => None,
        Some(path) => Some(Found {
            path,
            explicit: true,
        }),
        None => {
            let path = PathBuf::from(DEFAULT_CONFIG);
            path.is_file().then_some(Found {
                path,
                explicit: false,
            })
        }
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
