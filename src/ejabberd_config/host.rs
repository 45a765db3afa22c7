//! One host's view of the configuration: its `host_config` over the
//! global options, with `append_host_config` joined in, as ejabberd's
//! `set_host_config` builds it.

use std::path::PathBuf;

use yaml_rust2::yaml::Hash;
use yaml_rust2::Yaml;

use super::error::EjabberdConfigError;
use super::keywords::Keywords;
use super::{EjabberdConfig, InviteDb, InvitesModule, LandingPage, Password, SqlSettings, SqlType};

/// ejabberd's default lifetime of an invite, `token_expire_seconds`: 5
/// days (include/mod_invites.hrl).
pub const DEFAULT_TOKEN_EXPIRE_SECONDS: u64 = 5 * 86_400;

/// A host the configuration serves.
#[derive(Debug, Clone, Copy)]
pub struct EjabberdHost<'c> {
    pub(super) config: &'c EjabberdConfig,
    pub(super) name: &'c str,
}

impl<'c> EjabberdHost<'c> {
    /// The host's name.
    pub fn name(&self) -> &'c str {
        self.name
    }

    /// The configuration's main file.
    pub fn config_path(&self) -> &'c std::path::Path {
        &self.config.path
    }

    /// The whole configuration.
    pub fn config(&self) -> &'c EjabberdConfig {
        self.config
    }

    /// An option as this host sees it.
    fn option(&self, key: &str) -> Option<Yaml> {
        let key_yaml = Yaml::String(key.to_owned());
        let per_host = |section: &str| -> Option<Yaml> {
            let hosts = self.config.options.get(&Yaml::String(section.to_owned()))?;
            hosts
                .as_hash()?
                .get(&Yaml::String(self.name.to_owned()))?
                .as_hash()?
                .get(&key_yaml)
                .cloned()
        };
        let mut value =
            per_host("host_config").or_else(|| self.config.options.get(&key_yaml).cloned());
        if let Some(extra) = per_host("append_host_config") {
            value = Some(match (value, extra) {
                (Some(Yaml::Array(mut a)), Yaml::Array(b)) => {
                    a.extend(b);
                    Yaml::Array(a)
                }
                (Some(Yaml::Hash(mut a)), Yaml::Hash(b)) => {
                    for (k, v) in b {
                        a.entry(k).or_insert(v);
                    }
                    Yaml::Hash(a)
                }
                (_, extra) => extra,
            });
        }
        value
    }

    fn wrong(&self, key: &str, expected: &'static str) -> EjabberdConfigError {
        EjabberdConfigError::WrongType {
            path: self.config.path.clone(),
            key: key.to_owned(),
            expected,
        }
    }

    /// A text option with its keywords replaced.
    fn text(&self, key: &str, value: &Yaml) -> Result<String, EjabberdConfigError> {
        let text = match value {
            Yaml::String(s) => s.clone(),
            Yaml::Integer(i) => i.to_string(),
            Yaml::Real(r) => r.clone(),
            Yaml::Boolean(b) => b.to_string(),
            _ => return Err(self.wrong(key, "a text")),
        };
        self.keywords()
            .expand(&text)
            .map_err(|keyword| EjabberdConfigError::Unknowable {
                path: self.config.path.clone(),
                key: key.to_owned(),
                keyword,
            })
    }

    fn keywords(&self) -> Keywords<'c> {
        let mut defined = Vec::new();
        if let Some(Yaml::Hash(hash)) = self.option("define_keyword") {
            for (k, v) in hash {
                if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                    defined.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        Keywords {
            defined,
            host: self.name,
            config_dir: self
                .config
                .path
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            database_path: self.config.database_path.display().to_string(),
        }
    }

    /// The host's modules and their options.
    fn modules(&self) -> Result<Hash, EjabberdConfigError> {
        match self.option("modules") {
            None | Some(Yaml::Null) => Ok(Hash::new()),
            Some(Yaml::Hash(modules)) => Ok(modules),
            Some(_) => Err(self.wrong("modules", "a mapping of modules to options")),
        }
    }

    /// A module's options: `None` when the host does not load it.
    fn module(&self, name: &str) -> Result<Option<Hash>, EjabberdConfigError> {
        Ok(
            match self.modules()?.remove(&Yaml::String(name.to_owned())) {
                None => None,
                Some(Yaml::Hash(options)) => Some(options),
                Some(_) => Some(Hash::new()),
            },
        )
    }

    /// `mod_invites` as the host loads it, or `None` when it does not.
    ///
    /// # Errors
    ///
    /// An option of the wrong kind.
    pub fn invites(&self) -> Result<Option<InvitesModule>, EjabberdConfigError> {
        let Some(options) = self.module("mod_invites")? else {
            return Ok(None);
        };
        let get = |k: &str| options.get(&Yaml::String(k.to_owned()));
        let token_expire_seconds = match get("token_expire_seconds") {
            None => DEFAULT_TOKEN_EXPIRE_SECONDS,
            Some(Yaml::Integer(n)) if *n > 0 => *n as u64,
            Some(_) => {
                return Err(self.wrong(
                    "mod_invites.token_expire_seconds",
                    "a positive number of seconds",
                ))
            }
        };
        let landing_page = match get("landing_page") {
            None => LandingPage::None,
            Some(Yaml::String(s)) if s == "none" => LandingPage::None,
            Some(Yaml::String(s)) if s == "auto" => LandingPage::Auto,
            Some(value @ Yaml::String(_)) => {
                LandingPage::Template(self.text("mod_invites.landing_page", value)?)
            }
            Some(_) => {
                return Err(self.wrong("mod_invites.landing_page", "none, auto or a URL template"))
            }
        };
        let access_create_account = match get("access_create_account") {
            None => "none".to_owned(),
            Some(Yaml::String(s)) => s.clone(),
            Some(_) => {
                return Err(self.wrong("mod_invites.access_create_account", "an access rule"))
            }
        };
        let max_invites = match get("max_invites") {
            None => None,
            Some(Yaml::String(s)) if s == "infinity" => None,
            Some(Yaml::Integer(n)) if *n >= 0 => Some(*n as u64),
            Some(_) => return Err(self.wrong("mod_invites.max_invites", "a number or infinity")),
        };
        let db_type = match get("db_type") {
            None => None,
            Some(Yaml::String(s)) => Some(s.clone()),
            Some(_) => return Err(self.wrong("mod_invites.db_type", "sql or mnesia")),
        };
        Ok(Some(InvitesModule {
            token_expire_seconds,
            landing_page,
            access_create_account,
            max_invites,
            db_type,
        }))
    }

    /// Whether `mod_register` lets invites register accounts: `None` when
    /// the host does not load it, else whether its `allow_modules` (by
    /// default all) has `mod_invites`.
    ///
    /// # Errors
    ///
    /// An option of the wrong kind.
    pub fn register_allows_invites(&self) -> Result<Option<bool>, EjabberdConfigError> {
        let Some(options) = self.module("mod_register")? else {
            return Ok(None);
        };
        Ok(Some(
            match options.get(&Yaml::String("allow_modules".into())) {
                None => true,
                Some(Yaml::String(s)) if s == "all" => true,
                Some(Yaml::Array(modules)) => {
                    modules.iter().any(|m| m.as_str() == Some("mod_invites"))
                }
                Some(_) => {
                    return Err(self.wrong("mod_register.allow_modules", "all or a list of modules"))
                }
            },
        ))
    }

    /// Where the host's invites are: `mod_invites`' `db_type`, else the
    /// host's `default_db` (ejabberd's default: Mnesia).
    ///
    /// # Errors
    ///
    /// An option of the wrong kind, or one whose value only the running
    /// server knows.
    pub fn invite_db(&self) -> Result<InviteDb, EjabberdConfigError> {
        let module_db = self.invites()?.and_then(|m| m.db_type);
        let db = match module_db {
            Some(db) => db,
            None => match self.option("default_db") {
                None => "mnesia".to_owned(),
                Some(Yaml::String(s)) => s,
                Some(_) => return Err(self.wrong("default_db", "sql or mnesia")),
            },
        };
        match db.as_str() {
            "sql" => self.sql().map(InviteDb::Sql),
            "mnesia" => Ok(InviteDb::Mnesia),
            other => Ok(InviteDb::Other(other.to_owned())),
        }
    }

    /// The host's SQL connection options, with ejabberd's defaults.
    ///
    /// # Errors
    ///
    /// As [`EjabberdHost::invite_db`].
    pub fn sql(&self) -> Result<SqlSettings, EjabberdConfigError> {
        let sql_type = match self.option("sql_type") {
            None => SqlType::Odbc,
            Some(Yaml::String(s)) => match s.as_str() {
                "sqlite" => SqlType::Sqlite,
                "pgsql" => SqlType::Pgsql,
                "mysql" => SqlType::Mysql,
                "mssql" => SqlType::Mssql,
                "odbc" => SqlType::Odbc,
                _ => return Err(self.wrong("sql_type", "sqlite, pgsql, mysql, mssql or odbc")),
            },
            Some(_) => return Err(self.wrong("sql_type", "sqlite, pgsql, mysql, mssql or odbc")),
        };
        let text = |key: &str| -> Result<Option<String>, EjabberdConfigError> {
            self.option(key).map(|v| self.text(key, &v)).transpose()
        };
        let port = match self.option("sql_port") {
            None => match sql_type {
                SqlType::Pgsql => Some(5432),
                SqlType::Mysql => Some(3306),
                SqlType::Mssql => Some(1433),
                SqlType::Sqlite | SqlType::Odbc => None,
            },
            Some(Yaml::Integer(p)) if (1..=65_535).contains(&p) => Some(p as u16),
            Some(_) => return Err(self.wrong("sql_port", "a port number")),
        };
        let multihost = match self
            .option("sql_schema_multihost")
            .or_else(|| self.option("new_sql_schema"))
        {
            None => None,
            Some(Yaml::Boolean(b)) => Some(b),
            Some(_) => return Err(self.wrong("sql_schema_multihost", "true or false")),
        };
        let database = text("sql_database")?;
        let sqlite_file = match (sql_type, &database) {
            (SqlType::Sqlite, Some(file)) => Some(PathBuf::from(file)),
            // ejabberd_sql:sqlite_file/1.
            (SqlType::Sqlite, None) => Some(PathBuf::from(
                self.keywords()
                    .expand("@DATABASE_PATH@/sqlite/@HOST@.sqlite")
                    .unwrap_or_default(),
            )),
            _ => None,
        };
        Ok(SqlSettings {
            sql_type,
            server: text("sql_server")?.unwrap_or_else(|| "localhost".into()),
            port,
            database: database.unwrap_or_else(|| "ejabberd".into()),
            username: text("sql_username")?.unwrap_or_else(|| "ejabberd".into()),
            password: Password::new(text("sql_password")?.unwrap_or_default()),
            sqlite_file,
            multihost,
        })
    }
}
