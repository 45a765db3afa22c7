//! One setting as read from the file: its value, as far as it can be read
//! without running the file, and where it was set.

use std::fmt;
use std::path::PathBuf;

use crate::lua::{Key, Table, Value};

/// Where a setting (or section, or Include) is in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, as it was opened (the main file's path as given, included
    /// files resolved against the including file's folder).
    pub file: PathBuf,
    /// The line (from 1).
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A value together with where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was set.
    pub origin: Origin,
}

/// Why the value of a setting is unknown to a reader that runs no code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// It is an expression (a variable such as `ENV_DOMAIN`, a call, a
    /// concatenation, ...), not a literal value.
    Expression,
    /// It is set inside an `if` block or a loop, so it may or may not apply.
    Conditional,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unreadable::Expression => "set by an expression that invitectl does not evaluate",
            Unreadable::Conditional => {
                "set inside an `if` block or loop that invitectl does not run"
            }
        })
    }
}

/// The right-hand side of an assignment, as far as it is known.
#[derive(Clone, PartialEq)]
pub(crate) enum SettingValue {
    /// `nil`: the setting is removed (the global one shows through again).
    Nil,
    /// A literal value.
    Known(Value),
    /// A table constructor with some fields that are not literals: the
    /// literal fields, and the keys of the others.
    Partial { table: Table, unreadable: Vec<Key> },
    /// Not known at all.
    Unreadable(Unreadable),
}

// Values stay out of Debug output: `sql` holds a password.
impl fmt::Debug for SettingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingValue::Nil => f.write_str("Nil"),
            SettingValue::Known(_) => f.write_str("Known(..)"),
            SettingValue::Partial { .. } => f.write_str("Partial(..)"),
            SettingValue::Unreadable(why) => write!(f, "Unreadable({why:?})"),
        }
    }
}

/// A setting and where it was set.
#[derive(Clone, PartialEq)]
pub(crate) struct Setting {
    pub value: SettingValue,
    pub origin: Origin,
}

impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Setting({:?} at {})", self.value, self.origin)
    }
}
