//! The values Prosody stores in its data files.

use super::key::float_to_int;
use super::{LuaString, Table};

/// A Lua value as found in Prosody's data files. There is no `nil`: a table
/// entry whose value is `nil` does not exist.
#[derive(Clone, PartialEq, Debug)]
pub enum Value {
    /// `true` or `false`.
    Bool(bool),
    /// A Lua integer (Lua 5.3+ has 64-bit integers besides floats).
    Int(i64),
    /// A Lua float.
    Float(f64),
    /// A string of bytes.
    Str(LuaString),
    /// A table.
    Table(Table),
}

impl Value {
    /// The name Lua's `type()` gives this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Table(_) => "table",
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as an integer: an integer, or a float with an integral
    /// value that fits (Lua's `math.tointeger`).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) => float_to_int(*f),
            _ => None,
        }
    }

    /// The number as a float, whether stored as integer or float.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_lua_str(&self) -> Option<&LuaString> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string as UTF-8 text, if this is a string that is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        self.as_lua_str().and_then(LuaString::to_str)
    }

    /// The table, if this is one.
    pub fn as_table(&self) -> Option<&Table> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The table, if this is one, for changing it in place.
    pub fn as_table_mut(&mut self) -> Option<&mut Table> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i.into())
    }
}

impl From<u32> for Value {
    fn from(i: u32) -> Self {
        Value::Int(i.into())
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s.into())
    }
}

impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Self {
        Value::Str(b.into())
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Str(b.into())
    }
}

impl From<LuaString> for Value {
    fn from(s: LuaString) -> Self {
        Value::Str(s)
    }
}

impl From<Table> for Value {
    fn from(t: Table) -> Self {
        Value::Table(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors() {
        assert_eq!(Value::from(3).as_int(), Some(3));
        assert_eq!(Value::from(3.0).as_int(), Some(3));
        assert_eq!(Value::from(3.5).as_int(), None);
        assert_eq!(Value::from(3).as_f64(), Some(3.0));
        assert_eq!(Value::from("x").as_str(), Some("x"));
        assert_eq!(Value::from(vec![0xffu8]).as_str(), None);
        assert_eq!(Value::from(true).type_name(), "boolean");
        assert!(Value::from(Table::new()).as_table().is_some());
    }
}
