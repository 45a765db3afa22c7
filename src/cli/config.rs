//! Prosody's configuration: finding it, and reading from it the host's
//! store and the defaults `generate` uses.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Result};
use invitectl::config::{Config, HostConfig, Located, Period, DEFAULT_STORAGE};
use invitectl::duration::MAX_TTL;
use invitectl::invite::RolesFormat;
use invitectl::store::{MyTarget, PgTarget};
use invitectl::uri::LandingPage;
use invitectl::{Location, Store};

use super::UsageError;

/// Where Debian's (and most distributions') Prosody keeps its
/// configuration.
pub const DEFAULT_CONFIG: &str = "/etc/prosody/prosody.cfg.lua";

/// `data_path` when the configuration sets none: Debian's build default.
pub const DEFAULT_DATA_PATH: &str = "/var/lib/prosody";

/// The installed Prosody's version, as Debian's package ships it.
const VERSION_FILE: &str = "/usr/lib/prosody/prosody.version";

/// The store Prosody's mod_invites keeps invites in.
const INVITE_STORE: &str = "invite_token";

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

/// `data_path`, or [`DEFAULT_DATA_PATH`] when unset.
pub fn data_path(config: &Config) -> Result<PathBuf> {
    Ok(config
        .data_path()?
        .map_or_else(|| PathBuf::from(DEFAULT_DATA_PATH), |d| d.value))
}

/// The store Prosody uses for the host's invites, and the setting that
/// chose it (for messages).
pub fn store(host: &HostConfig<'_>) -> Result<(Location, String)> {
    let driver = host.storage_driver(INVITE_STORE)?;
    let data_path = data_path(host.config())?;
    let (name, chosen_at) = match &driver {
        Some(Located { value, origin }) => (value.as_str(), format!("storage at {origin}")),
        None => (DEFAULT_STORAGE, "storage unset: internal".to_owned()),
    };
    match name {
        "internal" => Ok((Location::Files(data_path), chosen_at)),
        "sql" => sql_database(host, &data_path).map(|l| (l, chosen_at)),
        other => {
            let at = driver.as_ref().map(|d| d.origin.to_string());
            Err(anyhow!(
                "{}: storage \"{other}\" is not supported: invitectl works on \"internal\" and \"sql\" (SQLite3, PostgreSQL, MySQL)",
                at.unwrap_or_default()
            ))
        }
    }
}

/// The database of `storage = "sql"`: a SQLite file, or a PostgreSQL or
/// MySQL database (messages never show the password).
fn sql_database(host: &HostConfig<'_>, data_path: &Path) -> Result<Location> {
    let Some(sql) = host.sql()? else {
        // mod_storage_sql's default: SQLite at prosody.sqlite.
        return Ok(Location::Sqlite(
            data_path.join(invitectl::config::DEFAULT_SQLITE_DATABASE),
        ));
    };
    sql.value.require_readable("driver", &sql.origin)?;
    match sql.value.driver.as_deref() {
        Some("SQLite3") => {
            sql.value.require_readable("database", &sql.origin)?;
            sql.value
                .sqlite_path(data_path)
                .map(Location::Sqlite)
                .ok_or_else(|| {
                    anyhow!(
                        "{}: sql.database is an in-memory database, which no other program can open",
                        sql.origin
                    )
                })
        }
        Some("PostgreSQL") => {
            // The password may be set by an expression invitectl does not
            // evaluate (13's Credential): PGPASSWORD or ~/.pgpass serve then.
            for field in ["database", "host", "port", "username"] {
                sql.value.require_readable(field, &sql.origin)?;
            }
            Ok(Location::Postgres(PgTarget::from_prosody(&sql.value)?))
        }
        Some("MySQL") => {
            // As for PostgreSQL: an unreadable password leaves MYSQL_PWD.
            for field in ["database", "host", "port", "username"] {
                sql.value.require_readable(field, &sql.origin)?;
            }
            Ok(Location::Mysql(MyTarget::from_prosody(&sql.value)?))
        }
        Some(_) => Err(anyhow!(
            "{}: sql.driver is not one of SQLite3, PostgreSQL, MySQL",
            sql.origin
        )),
        None => Err(anyhow!("{}: sql has no driver", sql.origin)),
    }
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

/// How the server reads roles: a SQL store's indexes tell 0.12 (its plain
/// `prosody_index`, or no unique index) from 13; file storage has no such mark, so the installed
/// Prosody's version file decides. List (13) when unknown.
pub fn roles_format(store: &Store) -> RolesFormat {
    let is_012 = store.made_for_012().unwrap_or_else(|| {
        std::fs::read_to_string(VERSION_FILE).is_ok_and(|v| v.trim_start().starts_with("0."))
    });
    if is_012 {
        RolesFormat::Map
    } else {
        RolesFormat::List
    }
}
