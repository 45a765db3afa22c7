//! Typed access to settings: global ones on [`Config`], per-host ones on
//! [`HostConfig`] (a host's own setting, else the global one).

use std::path::PathBuf;

use super::convert;
use super::error::ConfigError;
use super::model::{Config, Section, SectionKind};
use super::period::Period;
use super::setting::{Located, Origin, Setting};
use super::sql::SqlConfig;
use crate::lua::Value;

/// The storage driver Prosody uses when nothing is configured.
pub const DEFAULT_STORAGE: &str = "internal";

/// Modules Prosody loads on every VirtualHost whatever the configuration
/// says (`posix` is `prosody.platform` on Unix).
const AUTOLOAD_MODULES: [&str; 8] = [
    "posix",
    "presence",
    "message",
    "iq",
    "offline",
    "c2s",
    "s2s",
    "s2s_auth_certs",
];

type Getter<T> = Result<Option<Located<T>>, ConfigError>;

impl Config {
    /// The `VirtualHost` named `name` (after nameprep, so case does not
    /// matter), or `None` when there is none: Prosody then has no such host
    /// (but see [`Config::unresolved_hosts`]). Components are not hosts.
    pub fn host(&self, name: &str) -> Option<HostConfig<'_>> {
        let prepped = stringprep::nameprep(name).ok()?;
        let (name, section) = self.sections.get_key_value(prepped.as_ref())?;
        (section.kind == SectionKind::VirtualHost).then(|| HostConfig {
            config: self,
            name: name.clone(),
            section: Some(section),
            origin: &section.origin,
        })
    }

    /// A view of host `name` with the global settings only, for a host that
    /// is declared by a `VirtualHost` line whose name is an expression (see
    /// [`Config::unresolved_hosts`]): `None` unless there is such a line and
    /// `name` has no section of its own. The host's own settings are
    /// unknown, so use it only when the caller is sure the host exists
    /// (e.g. the user named it).
    pub fn host_in_unresolved_section(&self, name: &str) -> Option<HostConfig<'_>> {
        let prepped = stringprep::nameprep(name).ok()?;
        if self.sections.contains_key(prepped.as_ref()) {
            return None;
        }
        let origin = self.unresolved.first()?;
        Some(HostConfig {
            config: self,
            name: prepped.into_owned(),
            section: None,
            origin,
        })
    }

    /// The kind of section `name` has, if any (`VirtualHost` or
    /// `Component`).
    pub fn section_kind(&self, name: &str) -> Option<&SectionKind> {
        let prepped = stringprep::nameprep(name).ok()?;
        self.sections.get(prepped.as_ref()).map(|s| &s.kind)
    }

    fn global(&self, key: &str) -> Option<&Setting> {
        self.global.get(key)
    }

    /// `data_path` (global only, as in Prosody), as written. Unset means
    /// the build's default (`/var/lib/prosody` on Debian); a relative path
    /// is relative to the directory Prosody was started in.
    pub fn data_path(&self) -> Getter<PathBuf> {
        self.global("data_path")
            .map(|s| convert::path("data_path", s))
            .transpose()
    }

    /// `plugin_paths` (global only), as written.
    pub fn plugin_paths(&self) -> Getter<Vec<PathBuf>> {
        let list = self
            .global("plugin_paths")
            .map(|s| convert::string_list("plugin_paths", s));
        Ok(list.transpose()?.map(|l| Located {
            value: l.value.into_iter().map(PathBuf::from).collect(),
            origin: l.origin,
        }))
    }

    /// `admin_socket` (global only: mod_admin_socket is a global module),
    /// as written; Prosody resolves a relative one against the data path.
    pub fn admin_socket(&self) -> Getter<PathBuf> {
        self.global("admin_socket")
            .map(|s| convert::path("admin_socket", s))
            .transpose()
    }

    /// `pidfile` (global only), as written; Prosody resolves a relative one
    /// against the data path.
    pub fn pidfile(&self) -> Getter<PathBuf> {
        self.global("pidfile")
            .map(|s| convert::path("pidfile", s))
            .transpose()
    }
}

/// One `VirtualHost`'s view of the configuration: its own settings, falling
/// back to the global ones, as Prosody's `module:get_option` sees them.
#[derive(Clone)]
pub struct HostConfig<'a> {
    config: &'a Config,
    name: String,
    /// `None` for a host in a section whose name is an expression.
    section: Option<&'a Section>,
    origin: &'a Origin,
}

impl std::fmt::Debug for HostConfig<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostConfig")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .finish()
    }
}

impl<'a> HostConfig<'a> {
    /// The host name (after nameprep).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the host's section starts (its first `VirtualHost` line).
    pub fn origin(&self) -> &'a Origin {
        self.origin
    }

    /// The whole configuration.
    pub fn config(&self) -> &'a Config {
        self.config
    }

    fn setting(&self, key: &str) -> Option<&'a Setting> {
        self.own_setting(key)
            .or_else(|| self.config.global.get(key))
    }

    fn own_setting(&self, key: &str) -> Option<&'a Setting> {
        self.section.and_then(|s| s.settings.get(key))
    }

    /// Any setting's literal value, for settings without a getter here.
    /// Note that this returns values as written, secrets included.
    pub fn raw(&self, key: &str) -> Getter<&'a Value> {
        self.setting(key)
            .map(|s| {
                convert::known(key, s).map(|value| Located {
                    value,
                    origin: s.origin.clone(),
                })
            })
            .transpose()
    }

    /// Whether Prosody activates this host: unless `enabled = false`.
    pub fn enabled(&self) -> Result<bool, ConfigError> {
        Ok(self.boolean("enabled")?.is_none_or(|b| b.value))
    }

    /// The storage driver for `store` (e.g. `"invite_token"`), as Prosody's
    /// storagemanager picks it: `storage` if it is a string, or its entry for
    /// `store` if it is a table, else `default_storage`; `None` means
    /// [`DEFAULT_STORAGE`]. The old name `sql2` is read as `sql`.
    pub fn storage_driver(&self, store: &str) -> Getter<String> {
        let chosen = match self.setting("storage") {
            Some(setting) => match convert::known("storage", setting)? {
                Value::Str(_) => Some(convert::string("storage", setting)?),
                Value::Table(table) => match table.get(store) {
                    Some(Value::Str(s)) => match s.to_str() {
                        Some(driver) => Some(Located {
                            value: driver.to_owned(),
                            origin: setting.origin.clone(),
                        }),
                        None => {
                            return Err(convert::wrong(
                                "storage",
                                setting,
                                "driver names",
                                "a string of other bytes",
                            ))
                        }
                    },
                    Some(other) => {
                        return Err(convert::wrong(
                            "storage",
                            setting,
                            "driver names",
                            &format!("a {} for {store}", other.type_name()),
                        ))
                    }
                    None => None,
                },
                other => {
                    return Err(convert::wrong(
                        "storage",
                        setting,
                        "a string or a table",
                        other.type_name(),
                    ))
                }
            },
            None => None,
        };
        let chosen = match chosen {
            Some(c) => Some(c),
            None => self.string("default_storage")?,
        };
        Ok(chosen.map(|mut c| {
            if c.value == "sql2" {
                c.value = "sql".to_owned();
            }
            c
        }))
    }

    /// `sql`: how `mod_storage_sql` connects. `None` means Prosody's
    /// default, SQLite at `prosody.sqlite` in the data path (see
    /// [`SqlConfig::sqlite_path`]).
    pub fn sql(&self) -> Getter<SqlConfig> {
        let Some(setting) = self.setting("sql") else {
            return Ok(None);
        };
        let sql = SqlConfig::from_setting(&setting.value, &setting.origin)?;
        Ok(Some(Located {
            value: sql,
            origin: setting.origin.clone(),
        }))
    }

    /// `invite_expiry`: how long new invites last (a number of seconds, or
    /// with Prosody 13 a period such as `"1 week"`; see
    /// [`parse_period`](super::parse_period)). `None` means Prosody's
    /// default of 7 days.
    pub fn invite_expiry(&self) -> Getter<Period> {
        self.setting("invite_expiry")
            .map(|s| convert::period("invite_expiry", s))
            .transpose()
    }

    /// `invites_page`: the landing page URL template.
    pub fn invites_page(&self) -> Getter<String> {
        self.string("invites_page")
    }

    /// `invites_page_supports` (Prosody 13): the invite kinds that get a
    /// landing page.
    pub fn invites_page_supports(&self) -> Getter<Vec<String>> {
        self.string_list("invites_page_supports")
    }

    /// `modules_enabled` as written for this host, else globally.
    pub fn modules_enabled(&self) -> Getter<Vec<String>> {
        self.string_list("modules_enabled")
    }

    /// `modules_disabled` as written for this host, else globally.
    pub fn modules_disabled(&self) -> Getter<Vec<String>> {
        self.string_list("modules_disabled")
    }

    /// Whether Prosody loads `module` on this host by configuration: the
    /// modules it always loads, plus global `modules_enabled`, minus global
    /// `modules_disabled`, plus the host's own `modules_enabled`, minus its
    /// own `modules_disabled`. Modules pulled in as dependencies of other
    /// modules are not counted.
    pub fn is_module_enabled(&self, module: &str) -> Result<bool, ConfigError> {
        let list = |setting: Option<&Setting>, key: &str| -> Result<Vec<String>, ConfigError> {
            Ok(setting
                .map(|s| convert::string_list(key, s))
                .transpose()?
                .map(|l| l.value)
                .unwrap_or_default())
        };
        let has = |l: &[String]| l.iter().any(|m| m == module);
        let global_enabled = list(self.config.global.get("modules_enabled"), "modules_enabled")?;
        let global_disabled = list(
            self.config.global.get("modules_disabled"),
            "modules_disabled",
        )?;
        let host_enabled = list(self.own_setting("modules_enabled"), "modules_enabled")?;
        let host_disabled = list(self.own_setting("modules_disabled"), "modules_disabled")?;
        let global =
            (AUTOLOAD_MODULES.contains(&module) || has(&global_enabled)) && !has(&global_disabled);
        Ok((global || has(&host_enabled)) && !has(&host_disabled))
    }

    /// `allow_registration`.
    pub fn allow_registration(&self) -> Getter<bool> {
        self.boolean("allow_registration")
    }

    /// `registration_invite_only` (Prosody's default is `true` once
    /// `mod_invites_register` is loaded).
    pub fn registration_invite_only(&self) -> Getter<bool> {
        self.boolean("registration_invite_only")
    }

    /// `allow_user_invites`.
    pub fn allow_user_invites(&self) -> Getter<bool> {
        self.boolean("allow_user_invites")
    }

    fn string(&self, key: &str) -> Getter<String> {
        self.setting(key)
            .map(|s| convert::string(key, s))
            .transpose()
    }

    fn string_list(&self, key: &str) -> Getter<Vec<String>> {
        self.setting(key)
            .map(|s| convert::string_list(key, s))
            .transpose()
    }

    fn boolean(&self, key: &str) -> Getter<bool> {
        self.setting(key)
            .map(|s| convert::boolean(key, s))
            .transpose()
    }
}
