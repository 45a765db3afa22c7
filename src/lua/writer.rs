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
    to_prosody_bytes(value).map(ascii_text)
}

/// [`to_prosody_string`] as bytes, ready for the file.
pub(crate) fn to_prosody_bytes(value: &Value) -> Result<Vec<u8>, WriteError> {
    let mut out = b"return ".to_vec();
    write_value(&mut out, value, 1)?;
    out.extend_from_slice(b";\n");
    Ok(out)
}

/// One value as `util.serialization.serialize` writes it.
///
/// # Errors
///
/// As [`to_prosody_string`].
pub fn serialize(value: &Value) -> Result<String, WriteError> {
    let mut out = Vec::new();
    write_value(&mut out, value, 1)?;
    Ok(ascii_text(out))
}

/// The writer's output, which is plain ASCII, as text.
fn ascii_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `depth` is the depth a table written here would have (1 at the top).
fn write_value(out: &mut Vec<u8>, value: &Value, depth: usize) -> Result<(), WriteError> {
    match value {
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => write_int(out, *i),
        Value::Float(f) => out.extend_from_slice(format_float(*f).as_bytes()),
        Value::Str(s) => write_string(out, s.as_bytes()),
        Value::Table(t) => write_table(out, t, depth)?,
    }
    Ok(())
}

/// Entries on their own lines, indented with one tab per level, each ended
/// by `;`. An entry whose key is the next array index (1, 2, ... counted in
/// the order written) is written without its key.
fn write_table(out: &mut Vec<u8>, table: &Table, depth: usize) -> Result<(), WriteError> {
    if depth > MAX_DEPTH {
        return Err(WriteError::TooDeep);
    }
    out.push(b'{');
    let mut next_index: i64 = 1;
    for (key, value) in table.iter() {
        out.push(b'\n');
        push_tabs(out, depth);
        if *key == Key::Int(next_index) {
            next_index = next_index.wrapping_add(1);
        } else {
            out.push(b'[');
            write_key(out, key);
            out.extend_from_slice(b"] = ");
        }
        write_value(out, value, depth + 1)?;
        out.push(b';');
    }
    if !table.is_empty() {
        out.push(b'\n');
        push_tabs(out, depth - 1);
    }
    out.push(b'}');
    Ok(())
}

fn push_tabs(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, b'\t');
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    use std::io::Write;
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{i}");
}

fn write_key(out: &mut Vec<u8>, key: &Key) {
    match key {
        Key::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Key::Int(i) => write_int(out, *i),
        Key::Float(f) => out.extend_from_slice(format_float(f.get()).as_bytes()),
        Key::Str(s) => write_string(out, s.as_bytes()),
    }
}

/// Double quotes; `\a \b \f \n \r \t \v \\ \" \'` as named escapes, every
/// other byte below 32 and every byte from 127 as a three-digit decimal
/// escape. The result is plain ASCII.
fn write_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let mut rest = bytes;
    loop {
        // The bytes written as they are, copied in one go.
        let plain = rest
            .iter()
            .position(|&b| !(32..127).contains(&b) || matches!(b, b'\\' | b'"' | b'\''))
            .unwrap_or(rest.len());
        let (run, after) = rest.split_at(plain);
        out.extend_from_slice(run);
        let Some((&b, after)) = after.split_first() else {
            break;
        };
        let named: &[u8] = match b {
            0x07 => b"\\a",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x0b => b"\\v",
            b'\\' => b"\\\\",
            b'"' => b"\\\"",
            b'\'' => b"\\'",
            _ => &[b'\\', b'0' + b / 100, b'0' + b / 10 % 10, b'0' + b % 10],
        };
        out.extend_from_slice(named);
        rest = after;
    }
    out.push(b'"');
}
