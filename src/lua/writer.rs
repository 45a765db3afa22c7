//! Writes values exactly as Prosody's `util.serialization` (default
//! options) and `util.datamanager` do.

use super::error::WriteError;
use super::format::format_float;
use super::{Key, Table, Value, MAX_DEPTH};

/// The content of a Prosody data file holding `value`: `return `, the
/// value, `;` and a line break, byte for byte as `util.datamanager` writes
/// it (given the same entry order: Prosody's own order is whatever Lua's
/// `pairs` yields, here it is the table's order).
///
/// # Errors
///
/// [`WriteError::TooDeep`] when tables nest deeper than [`MAX_DEPTH`].
pub fn to_prosody_string(value: &Value) -> Result<String, WriteError> {
    let mut out = String::from("return ");
    write_value(&mut out, value, 1)?;
    out.push_str(";\n");
    Ok(out)
}

/// One value as `util.serialization.serialize` writes it.
///
/// # Errors
///
/// As [`to_prosody_string`].
pub fn serialize(value: &Value) -> Result<String, WriteError> {
    let mut out = String::new();
    write_value(&mut out, value, 1)?;
    Ok(out)
}

/// `depth` is the depth a table written here would have (1 at the top).
fn write_value(out: &mut String, value: &Value, depth: usize) -> Result<(), WriteError> {
    match value {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::Str(s) => write_string(out, s.as_bytes()),
        Value::Table(t) => write_table(out, t, depth)?,
    }
    Ok(())
}

/// Entries on their own lines, indented with one tab per level, each ended
/// by `;`. An entry whose key is the next array index (1, 2, ... counted in
/// the order written) is written without its key.
fn write_table(out: &mut String, table: &Table, depth: usize) -> Result<(), WriteError> {
    if depth > MAX_DEPTH {
        return Err(WriteError::TooDeep);
    }
    out.push('{');
    let mut next_index: i64 = 1;
    for (key, value) in table.iter() {
        out.push('\n');
        push_tabs(out, depth);
        if *key == Key::Int(next_index) {
            next_index = next_index.wrapping_add(1);
        } else {
            out.push('[');
            write_key(out, key);
            out.push_str("] = ");
        }
        write_value(out, value, depth + 1)?;
        out.push(';');
    }
    if !table.is_empty() {
        out.push('\n');
        push_tabs(out, depth - 1);
    }
    out.push('}');
    Ok(())
}

fn push_tabs(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n('\t', n));
}

fn write_key(out: &mut String, key: &Key) {
    match key {
        Key::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Key::Int(i) => out.push_str(&i.to_string()),
        Key::Float(f) => out.push_str(&format_float(f.get())),
        Key::Str(s) => write_string(out, s.as_bytes()),
    }
}

/// Double quotes; `\a \b \f \n \r \t \v \\ \" \'` as named escapes, every
/// other byte below 32 and every byte from 127 as a three-digit decimal
/// escape. The result is plain ASCII.
fn write_string(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for &b in bytes {
        match b {
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x0b => out.push_str("\\v"),
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\'' => out.push_str("\\'"),
            0..=31 | 127..=255 => out.push_str(&format!("\\{b:03}")),
            _ => out.push(char::from(b)),
        }
    }
    out.push('"');
}
