//! The configuration as read: global settings and sections per host.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::setting::{Origin, Setting};

/// Settings by name.
pub(crate) type Settings = HashMap<String, Setting>;

/// What kind of section a host name has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionKind {
    /// `VirtualHost "name"`.
    VirtualHost,
    /// `Component "name" ["module"]`; the module is `None` for an external
    /// component.
    Component {
        /// The component module, e.g. `muc`.
        module: Option<String>,
    },
}

/// One host's section (all its `VirtualHost` or `Component` blocks).
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub kind: SectionKind,
    /// The first line that declared it.
    pub origin: Origin,
    pub settings: Settings,
}

/// Prosody's configuration, read without running it: see the
/// [module documentation](crate::config).
#[derive(Clone)]
pub struct Config {
    pub(crate) path: PathBuf,
    pub(crate) files: Vec<PathBuf>,
    pub(crate) global: Settings,
    pub(crate) sections: HashMap<String, Section>,
    pub(crate) unresolved: Vec<Origin>,
    pub(crate) warnings: Vec<String>,
}

impl Config {
    /// The main file, as given to [`Config::load`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every file read, main file first, in the order they were read.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The names of all `VirtualHost`s, sorted.
    pub fn host_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .sections
            .iter()
            .filter(|(_, s)| s.kind == SectionKind::VirtualHost)
            .map(|(n, _)| n.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// `VirtualHost` lines whose name is an expression (Snikket's
    /// `VirtualHost (DOMAIN)`, for instance): hosts that exist but that
    /// [`Config::host`] cannot find (see
    /// [`Config::host_in_unresolved_section`]). Settings in those sections,
    /// and in components named by expressions, are not kept.
    pub fn unresolved_hosts(&self) -> &[Origin] {
        &self.unresolved
    }

    /// Things Prosody would run that the reader did not follow (such as
    /// `RunScript`), and options set twice in one section of one file
    /// (which Prosody warns about too), as `file:line: message`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

// Settings stay out of Debug output: `sql` holds a password.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sections: Vec<(&String, &SectionKind)> =
            self.sections.iter().map(|(n, s)| (n, &s.kind)).collect();
        sections.sort_by(|a, b| a.0.cmp(b.0));
        f.debug_struct("Config")
            .field("path", &self.path)
            .field("files", &self.files)
            .field("global_settings", &self.global.len())
            .field("sections", &sections)
            .field("unresolved", &self.unresolved)
            .field("warnings", &self.warnings)
            .finish()
    }
}
