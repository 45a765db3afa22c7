//! Prosody's configuration (`prosody.cfg.lua`), read without running it.
//!
//! The configuration is a Lua program. This module reads it statically:
//! assignments of literal values to global names are settings, of the
//! global section or of the current `VirtualHost`/`Component` section
//! (each file starts global, and a section lasts until the next section
//! line), `Include "path"` pulls in more files (globs allowed in the last
//! part, paths relative to the including file's folder), and everything else
//! (function calls, `local` variables, `if` blocks, loops, function
//! definitions) is stepped over without being run.
//!
//! What cannot be known that way is reported rather than guessed:
//! - a setting assigned an expression (`ENV_DOMAIN`, `"a"..b`, a call) or
//!   assigned inside an `if` block or loop reads as
//!   [`ConfigError::Unreadable`] when asked for; a table with some
//!   expression fields keeps its literal fields (see [`SqlConfig`]);
//! - a section whose name is an expression (`VirtualHost (DOMAIN)`) is
//!   listed in [`Config::unresolved_hosts`], and its settings are dropped;
//! - an `Include` of a computed path, and a `VirtualHost`, `Component` or
//!   `Include` inside an `if` block or loop, are errors;
//! - `RunScript` is not followed (see [`Config::warnings`]).
//!
//! ```no_run
//! use invitectl::config::Config;
//!
//! # fn main() -> Result<(), invitectl::config::ConfigError> {
//! let config = Config::load("/etc/prosody/prosody.cfg.lua")?;
//! let host = config.host("example.com").expect("Host does not exist");
//! let driver = host.storage_driver("invite_token")?;
//! println!("{}", driver.map_or("internal".into(), |d| d.value));
//! # Ok(())
//! # }
//! ```

mod convert;
mod error;
mod host;
mod include;
mod lines;
mod load;
mod model;
mod period;
mod reader;
mod rhs;
mod setting;
mod skip;
mod sql;

#[cfg(test)]
mod tests;

pub use error::ConfigError;
pub use host::{HostConfig, DEFAULT_STORAGE};
pub use model::{Config, SectionKind};
pub use period::{parse_period, Period};
pub use setting::{Located, Origin, Unreadable};
pub use sql::{Password, SqlConfig, DEFAULT_SQLITE_DATABASE};
