//! Reading `ejabberd.yml` as ejabberd does before it validates anything:
//! the YAML files (the main one and every `include_config_file`, each at
//! most once), their options grouped, and macros replaced.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlLoader};

use super::error::EjabberdConfigError;

/// How deep includes may nest: ejabberd has no limit, but a cycle would
/// never end, and no real configuration comes near this.
const MAX_DEPTH: usize = 16;

/// The options of a configuration, after includes and macros, in order.
pub(super) fn options(path: &Path) -> Result<Hash, EjabberdConfigError> {
    let mut seen = HashSet::new();
    let mut options = Hash::new();
    read_into(path, &mut options, &mut seen, 0)?;
    let macros = macros(path, &options)?;
    if !macros.is_empty() {
        for (_, value) in options.iter_mut() {
            replace_macros(value, &macros);
        }
    }
    Ok(options)
}

/// Reads one file and what it includes; the file's own options come
/// first, then the included ones, as ejabberd appends them.
fn read_into(
    path: &Path,
    options: &mut Hash,
    seen: &mut HashSet<PathBuf>,
    depth: usize,
) -> Result<(), EjabberdConfigError> {
    let file_options = read_file(path)?;
    seen.insert(fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
    let mut includes = Vec::new();
    for (key, value) in file_options {
        if key.as_str() == Some("include_config_file") {
            includes.extend(includes_of(path, &value)?);
            continue;
        }
        group(path, options, key, value)?;
    }
    for include in includes {
        if depth >= MAX_DEPTH {
            return Err(EjabberdConfigError::Include {
                path: path.to_path_buf(),
                message: format!("includes nest deeper than {MAX_DEPTH} files"),
            });
        }
        let canonical = fs::canonicalize(&include.path).unwrap_or_else(|_| include.path.clone());
        if seen.contains(&canonical) {
            continue;
        }
        let mut included = Hash::new();
        read_into(&include.path, &mut included, seen, depth + 1)?;
        for (key, value) in included {
            if include.admits(&key) {
                group(path, options, key, value)?;
            }
        }
    }
    Ok(())
}

/// A file's top-level mapping.
fn read_file(path: &Path) -> Result<Hash, EjabberdConfigError> {
    let text = fs::read_to_string(path).map_err(|source| EjabberdConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let syntax = |message: String| EjabberdConfigError::Syntax {
        path: path.to_path_buf(),
        message,
    };
    let mut documents = YamlLoader::load_from_str(&text).map_err(|e| syntax(e.to_string()))?;
    match documents.len() {
        0 => Ok(Hash::new()),
        1 => match documents.remove(0) {
            Yaml::Hash(hash) => Ok(hash),
            Yaml::Null => Ok(Hash::new()),
            _ => Err(syntax("the file is not a mapping of options".into())),
        },
        _ => Err(syntax("the file holds more than one YAML document".into())),
    }
}

/// One `include_config_file` entry: a file, and which of its options count.
struct Include {
    path: PathBuf,
    allow_only: Option<Vec<String>>,
    disallow: Vec<String>,
}

impl Include {
    fn admits(&self, key: &Yaml) -> bool {
        let Some(key) = key.as_str() else {
            return false;
        };
        let allowed = self
            .allow_only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| o == key));
        allowed && !self.disallow.iter().any(|d| d == key)
    }
}

/// The files an `include_config_file` names: one path, a list of paths,
/// or a mapping of paths to `allow_only` and `disallow` lists. A relative
/// path is relative to the including file's folder.
fn includes_of(path: &Path, value: &Yaml) -> Result<Vec<Include>, EjabberdConfigError> {
    let wrong = || EjabberdConfigError::WrongType {
        path: path.to_path_buf(),
        key: "include_config_file".into(),
        expected: "a path, a list of paths or a mapping of paths to options",
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let plain = |name: &str| Include {
        path: base.join(name),
        allow_only: None,
        disallow: Vec::new(),
    };
    match value {
        Yaml::String(name) => Ok(vec![plain(name)]),
        Yaml::Array(names) => names
            .iter()
            .map(|n| n.as_str().map(plain).ok_or_else(wrong))
            .collect(),
        Yaml::Hash(files) => files
            .iter()
            .map(|(name, rules)| {
                let name = name.as_str().ok_or_else(wrong)?;
                let list = |key: &str| -> Result<Option<Vec<String>>, EjabberdConfigError> {
                    match &rules[key] {
                        Yaml::BadValue | Yaml::Null => Ok(None),
                        Yaml::Array(items) => items
                            .iter()
                            .map(|i| i.as_str().map(str::to_owned).ok_or_else(wrong))
                            .collect::<Result<Vec<_>, _>>()
                            .map(Some),
                        _ => Err(wrong()),
                    }
                };
                Ok(Include {
                    allow_only: list("allow_only")?,
                    disallow: list("disallow")?.unwrap_or_default(),
                    ..plain(name)
                })
            })
            .collect(),
        _ => Err(wrong()),
    }
}

/// Adds an option as ejabberd groups repeated ones: two lists (YAML
/// sequences, or mappings, which are lists of pairs to ejabberd) are
/// joined, the first one's items first; any other repeat is refused, as
/// ejabberd refuses it.
fn group(
    path: &Path,
    options: &mut Hash,
    key: Yaml,
    value: Yaml,
) -> Result<(), EjabberdConfigError> {
    let Some(existing) = options.get_mut(&key) else {
        options.insert(key, value);
        return Ok(());
    };
    match (existing, value) {
        (Yaml::Array(first), Yaml::Array(more)) => first.extend(more),
        (Yaml::Hash(first), Yaml::Hash(more)) => {
            for (k, v) in more {
                first.entry(k).or_insert(v);
            }
        }
        _ => {
            return Err(EjabberdConfigError::Syntax {
                path: path.to_path_buf(),
                message: format!(
                    "option `{}` is set more than once",
                    key.as_str().unwrap_or("?")
                ),
            })
        }
    }
    Ok(())
}

/// The macros: `define_macro`, and `EJABBERD_MACRO_NAME=value` in the
/// environment, whose value is YAML too.
fn macros(path: &Path, options: &Hash) -> Result<Vec<(String, Yaml)>, EjabberdConfigError> {
    let mut macros = Vec::new();
    for (name, text) in std::env::vars() {
        if let Some(name) = name.strip_prefix("EJABBERD_MACRO_") {
            if let Ok(mut docs) = YamlLoader::load_from_str(&text) {
                if docs.len() == 1 {
                    macros.push((name.to_owned(), docs.remove(0)));
                }
            }
        }
    }
    match options.get(&Yaml::String("define_macro".into())) {
        None => {}
        Some(Yaml::Hash(defined)) => {
            for (name, value) in defined {
                let name = name
                    .as_str()
                    .ok_or_else(|| EjabberdConfigError::WrongType {
                        path: path.to_path_buf(),
                        key: "define_macro".into(),
                        expected: "a mapping of names to values",
                    })?;
                macros.push((name.to_owned(), value.clone()));
            }
        }
        Some(_) => {
            return Err(EjabberdConfigError::WrongType {
                path: path.to_path_buf(),
                key: "define_macro".into(),
                expected: "a mapping of names to values",
            })
        }
    }
    Ok(macros)
}

/// Replaces every value that is exactly a macro's name (not a mapping's
/// key, and not part of a longer text) by the macro's value.
fn replace_macros(value: &mut Yaml, macros: &[(String, Yaml)]) {
    match value {
        Yaml::String(text) => {
            if let Some((_, replacement)) = macros.iter().find(|(name, _)| name == text) {
                *value = replacement.clone();
            }
        }
        Yaml::Array(items) => items.iter_mut().for_each(|i| replace_macros(i, macros)),
        Yaml::Hash(hash) => hash.iter_mut().for_each(|(_, v)| replace_macros(v, macros)),
        _ => {}
    }
}
