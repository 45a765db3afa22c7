//! ejabberd's configuration (`ejabberd.yml`), read as the server reads it
//! for what invitectl needs: the hosts, where each host's invites are
//! (`default_db`, `mod_invites`' `db_type`, the `sql_*` options), and
//! `mod_invites`' and `mod_register`'s options.
//!
//! What ejabberd does before it looks at an option is done here too:
//! `include_config_file` (a path, a list, or paths with `allow_only` and
//! `disallow`), repeated options grouped, `define_macro` and
//! `EJABBERD_MACRO_*` macros replaced, `host_config` over the global
//! options with `append_host_config` joined in, and the keywords `@HOST@`,
//! `@HOST_URL_ENCODE@`, `@CONFIG_PATH@`, `@DATABASE_PATH@` and
//! `define_keyword`'s in the values read. `@DATABASE_PATH@` is the
//! server's Mnesia folder, which its start script sets (Debian's:
//! `/var/lib/ejabberd`, [`DEFAULT_DATABASE_PATH`]); other keywords only the
//! running server knows are an error that names them.
//!
//! ```no_run
//! use invitectl::ejabberd_config::{EjabberdConfig, InviteDb};
//!
//! # fn main() -> Result<(), invitectl::ejabberd_config::EjabberdConfigError> {
//! let config = EjabberdConfig::load("/etc/ejabberd/ejabberd.yml")?;
//! let host = config.host("example.com").expect("a host it serves");
//! if let InviteDb::Sql(sql) = host.invite_db()? {
//!     println!("{:?} on {}", sql.sql_type, sql.server);
//! }
//! # Ok(())
//! # }
//! ```

mod error;
mod host;
mod keywords;
mod landing;
mod listen;
mod load;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use yaml_rust2::yaml::Hash;
use yaml_rust2::Yaml;

pub use crate::config::Password;
pub use error::EjabberdConfigError;
pub use host::{EjabberdHost, DEFAULT_TOKEN_EXPIRE_SECONDS};
pub use landing::{InvitesHandler, LandingTemplate};
pub use listen::HttpListener;

/// Where ejabberd's packages keep its databases: `@DATABASE_PATH@`.
pub const DEFAULT_DATABASE_PATH: &str = "/var/lib/ejabberd";

/// Where ejabberd's packages keep its configuration.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/ejabberd/ejabberd.yml";

/// A configuration read from its files.
#[derive(Debug, Clone)]
pub struct EjabberdConfig {
    path: PathBuf,
    options: Hash,
    hosts: Vec<String>,
    database_path: PathBuf,
}

impl EjabberdConfig {
    /// Reads the configuration at `path` and what it includes.
    ///
    /// # Errors
    ///
    /// A file that cannot be read or is not YAML, an include that cannot
    /// be followed, or `hosts` missing or not a list of names.
    pub fn load(path: impl AsRef<Path>) -> Result<EjabberdConfig, EjabberdConfigError> {
        let path = path.as_ref().to_path_buf();
        let options = load::options(&path)?;
        let wrong = || EjabberdConfigError::WrongType {
            path: path.clone(),
            key: "hosts".into(),
            expected: "a list of host names",
        };
        let hosts = match options.get(&Yaml::String("hosts".into())) {
            Some(Yaml::Array(hosts)) => hosts
                .iter()
                .map(|h| h.as_str().map(str::to_owned).ok_or_else(wrong))
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(wrong()),
        };
        Ok(EjabberdConfig {
            path,
            options,
            hosts,
            database_path: PathBuf::from(DEFAULT_DATABASE_PATH),
        })
    }

    /// The server's Mnesia folder, for `@DATABASE_PATH@`, when it is not
    /// [`DEFAULT_DATABASE_PATH`] (ejabberdctl's `SPOOL_DIR`).
    pub fn with_database_path(mut self, path: impl Into<PathBuf>) -> EjabberdConfig {
        self.database_path = path.into();
        self
    }

    /// The main file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The hosts it serves (`hosts`), in order.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// A host it serves, by name (ASCII case does not matter).
    pub fn host(&self, name: &str) -> Option<EjabberdHost<'_>> {
        self.hosts
            .iter()
            .find(|h| h.eq_ignore_ascii_case(name))
            .map(|h| EjabberdHost {
                config: self,
                name: h,
            })
    }
}

/// Where a host's invites are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteDb {
    /// An SQL database.
    Sql(SqlSettings),
    /// Mnesia, inside the server's Erlang node: only the server can write
    /// it.
    Mnesia,
    /// Another backend, by its name.
    Other(String),
}

/// The SQL connection options of a host, with ejabberd's defaults filled
/// in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlSettings {
    /// `sql_type` (default `odbc`).
    pub sql_type: SqlType,
    /// `sql_server` (default `localhost`).
    pub server: String,
    /// `sql_port`, or the engine's default.
    pub port: Option<u16>,
    /// `sql_database` (default `ejabberd`).
    pub database: String,
    /// `sql_username` (default `ejabberd`).
    pub username: String,
    /// `sql_password` (default empty).
    pub password: Password,
    /// On SQLite, the database file: `sql_database`, else
    /// `@DATABASE_PATH@/sqlite/@HOST@.sqlite`.
    pub sqlite_file: Option<PathBuf>,
    /// `sql_schema_multihost` (before 25.10 `new_sql_schema`), when set;
    /// the store itself tells by its columns.
    pub multihost: Option<bool>,
}

/// `sql_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// `sqlite`.
    Sqlite,
    /// `pgsql`.
    Pgsql,
    /// `mysql` (MySQL or MariaDB).
    Mysql,
    /// `mssql`.
    Mssql,
    /// `odbc`.
    Odbc,
}

/// `mod_invites`' options, with ejabberd's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitesModule {
    /// `token_expire_seconds` (default 5 days).
    pub token_expire_seconds: u64,
    /// `landing_page` (default `none`).
    pub landing_page: LandingPage,
    /// `access_create_account` (default `none`: users may not make
    /// account invites).
    pub access_create_account: String,
    /// `max_invites`; `None` for `infinity`, the default.
    pub max_invites: Option<u64>,
    /// `db_type`, when the module sets its own.
    pub db_type: Option<String>,
}

/// `mod_invites`' `landing_page`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LandingPage {
    /// `none`: links are `xmpp:` URIs only.
    None,
    /// `auto`: the page of the `ejabberd_http` listener that serves
    /// `mod_invites`.
    Auto,
    /// A URL template with `{{ invite.token }}` and the like (see
    /// [`LandingTemplate`]).
    Template(String),
}
