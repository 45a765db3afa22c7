//! Reading the main file and every file it includes into a [`Config`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::include;
use super::model::{Config, Section, SectionKind, Settings};
use super::reader::{self, Event};
use super::setting::{Origin, Setting, SettingValue};

/// How deep `Include`s may nest (Prosody itself has no limit but Lua's).
const MAX_INCLUDE_DEPTH: usize = 16;

impl Config {
    /// Reads Prosody's configuration from `path` and the files it includes.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, a statement the reader cannot get past
    /// (with file and line), an `Include` that cannot be followed, or a
    /// host name Prosody would refuse.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let mut loader = Loader {
            config: Config {
                path: path.to_path_buf(),
                files: Vec::new(),
                global: Settings::new(),
                sections: Default::default(),
                unresolved: Vec::new(),
                warnings: Vec::new(),
            },
            stack: Vec::new(),
        };
        loader.file(path, None)?;
        Ok(loader.config)
    }
}

struct Loader {
    config: Config,
    /// The files being read, outermost first (canonical paths).
    stack: Vec<PathBuf>,
}

/// Which section settings go to.
enum Current {
    Global,
    Host(String),
    /// A section whose name the reader cannot know: settings are dropped.
    Unknown,
}

impl Loader {
    fn file(&mut self, path: &Path, included_from: Option<&Origin>) -> Result<(), ConfigError> {
        let io_error = |source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        };
        let canonical = std::fs::canonicalize(path).map_err(io_error)?;
        if let Some(origin) = included_from {
            if self.stack.contains(&canonical) {
                return Err(ConfigError::Include {
                    origin: origin.clone(),
                    message: format!("{} includes itself (an Include cycle)", path.display()),
                });
            }
            if self.stack.len() >= MAX_INCLUDE_DEPTH {
                return Err(ConfigError::Include {
                    origin: origin.clone(),
                    message: format!("Includes nest deeper than {MAX_INCLUDE_DEPTH} files"),
                });
            }
        }
        let src = std::fs::read(path).map_err(io_error)?;
        let origin = |line| Origin {
            file: path.to_path_buf(),
            line,
        };
        let events = reader::read(&src).map_err(|e| ConfigError::Syntax {
            origin: origin(e.line),
            message: e.message,
        })?;
        self.config.files.push(path.to_path_buf());
        self.stack.push(canonical);
        // Each file starts in the global section, as in Prosody, where every
        // file runs in an environment of its own.
        let mut current = Current::Global;
        let mut set_here: HashSet<(Option<String>, String)> = HashSet::new();
        for event in events {
            match event {
                Event::Set { key, value, line } => {
                    let section = match &current {
                        Current::Global => None,
                        Current::Host(name) => Some(name.clone()),
                        Current::Unknown => continue,
                    };
                    if !set_here.insert((section.clone(), key.clone())) {
                        self.config
                            .warnings
                            .push(format!("{}: duplicate option '{key}'", origin(line)));
                    }
                    let settings = match &section {
                        None => &mut self.config.global,
                        Some(name) => match self.config.sections.get_mut(name) {
                            Some(s) => &mut s.settings,
                            None => continue,
                        },
                    };
                    set(settings, key, value, origin(line));
                }
                Event::Host { name, line } => {
                    current = self.section(name, SectionKind::VirtualHost, origin(line))?;
                }
                Event::Component { name, module, line } => {
                    current =
                        self.section(name, SectionKind::Component { module }, origin(line))?;
                }
                Event::Global => current = Current::Global,
                Event::Include { target, line } => self.include(target, origin(line))?,
                Event::Warning { message, line } => {
                    self.config
                        .warnings
                        .push(format!("{}: {message}", origin(line)));
                }
            }
        }
        self.stack.pop();
        Ok(())
    }

    /// Enters the section `name`, creating it on first sight.
    fn section(
        &mut self,
        name: Option<String>,
        kind: SectionKind,
        origin: Origin,
    ) -> Result<Current, ConfigError> {
        let Some(name) = name else {
            if kind == SectionKind::VirtualHost {
                self.config.unresolved.push(origin);
            }
            return Ok(Current::Unknown);
        };
        let prepped = stringprep::nameprep(&name)
            .map_err(|_| ConfigError::Host {
                origin: origin.clone(),
                message: format!("the name of host {name:?} contains forbidden characters"),
            })?
            .into_owned();
        match self.config.sections.get_mut(&prepped) {
            Some(existing) => {
                let host_now = kind == SectionKind::VirtualHost;
                let host_before = existing.kind == SectionKind::VirtualHost;
                if host_now != host_before {
                    return Err(ConfigError::Host {
                        origin,
                        message: format!(
                            "{prepped:?} is declared both as VirtualHost and as Component (first at {})",
                            existing.origin
                        ),
                    });
                }
                if let SectionKind::Component { module: Some(m) } = kind {
                    existing.kind = SectionKind::Component { module: Some(m) };
                }
            }
            None => {
                let section = Section {
                    kind,
                    origin,
                    settings: Settings::new(),
                };
                self.config.sections.insert(prepped.clone(), section);
            }
        }
        Ok(Current::Host(prepped))
    }

    fn include(&mut self, target: Option<String>, origin: Origin) -> Result<(), ConfigError> {
        let Some(target) = target else {
            return Err(ConfigError::Include {
                origin,
                message: "the Include path is an expression that invitectl does not evaluate"
                    .into(),
            });
        };
        let files =
            include::resolve(&origin.file, &target).map_err(|message| ConfigError::Include {
                origin: origin.clone(),
                message,
            })?;
        for file in files {
            if !file.exists() {
                return Err(ConfigError::Include {
                    origin,
                    message: format!("included file {} does not exist", file.display()),
                });
            }
            self.file(&file, Some(&origin))?;
        }
        Ok(())
    }
}

/// Assigns a setting; `nil` removes it, as assigning `nil` in Lua does.
fn set(settings: &mut Settings, key: String, value: SettingValue, origin: Origin) {
    if value == SettingValue::Nil {
        settings.remove(&key);
    } else {
        settings.insert(key, Setting { value, origin });
    }
}
