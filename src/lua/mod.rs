//! Prosody's Lua data files: a value model, a reader and a writer.
//!
//! Prosody's file storage (`mod_storage_internal`) keeps each record as a
//! Lua file, `return <value>;`, that it loads as Lua code in an empty
//! environment. This module reads such files **without executing
//! anything**: it accepts literal values only (booleans, numbers, strings,
//! and table constructors of them, in any syntax Lua accepts for them), and
//! writes them back byte for byte the way Prosody does.
//!
//! ```
//! use invitectl::lua::{parse, to_prosody_string, Table, Value};
//!
//! let value = parse(b"return {\n\t[\"jid\"] = \"alice@example.com\";\n};\n").unwrap();
//! let table = value.as_table().unwrap();
//! assert_eq!(table.get("jid").and_then(Value::as_str), Some("alice@example.com"));
//!
//! let mut record = Table::new();
//! record.insert("expires", 1795876775);
//! assert_eq!(
//!     to_prosody_string(&record.into()).unwrap(),
//!     "return {\n\t[\"expires\"] = 1795876775;\n};\n"
//! );
//! ```
//!
//! How the reader treats what Lua would accept but a data file never holds:
//! - a `nil` field value drops the field, as Lua does (a positional `nil`
//!   still takes its index); a value that is `nil` as a whole is an error;
//! - a key given twice in one constructor is an error (Lua keeps one of the
//!   values, which one depending on the kind of field);
//! - variables, calls, operators and functions are errors, except Prosody's
//!   own `(1/0)`, `(-1/0)` and `(0/0)` for infinities and NaN;
//! - tables nested deeper than [`MAX_DEPTH`] are an error.
//!
//! And what the writer inherits from Prosody: an integral float below 1e18
//! is written without a fraction (`1.0` as `1`), so it reads back as an
//! integer; `i64::MIN` is written as `-9223372036854775808`, which Lua reads
//! as a float.

mod error;
mod format;
mod key;
pub(crate) mod lexer;
mod lua_string;
mod numeral;
pub(crate) mod parser;
mod string_literal;
mod table;
mod value;
mod writer;

#[cfg(test)]
mod tests;

pub use error::{ParseError, WriteError};
pub use key::{FloatKey, Key};
pub use lua_string::LuaString;
pub use parser::{parse, parse_value};
pub use table::Table;
pub use value::Value;
pub(crate) use writer::to_prosody_bytes;
pub use writer::{serialize, to_prosody_string};

/// The deepest nesting of tables read or written. Prosody's serializer
/// refuses to go deeper than this too.
pub const MAX_DEPTH: usize = 127;
