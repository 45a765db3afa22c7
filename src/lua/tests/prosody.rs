//! Byte compatibility with Prosody itself: its `util.serialization` must
//! write what our writer writes, and its loader must read our output back
//! to the same values. Needs `lua5.4` and Prosody under /usr/lib/prosody;
//! without them the tests are skipped loudly, or fail when `CI=true`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use super::strategies::{normalize, ordered_value};
use crate::lua::format::format_float;
use crate::lua::{to_prosody_string, Key, Table, Value};

const LUA: &str = "lua5.4";
const PROSODY: &str = "/usr/lib/prosody";

/// Reads documents separated by NUL from stdin, loads each as
/// `util.datamanager` does (Lua code in an empty environment) and prints
/// Prosody's serialization of the result, a 0x01, a canonical dump of the
/// value, and a NUL.
const ROUND_TRIP: &str = r#"
package.path = PROSODY .. "/?.lua;" .. package.path
local serialize = require "util.serialization".serialize
local function hex(s) return (s:gsub(".", function (c) return string.format("%02x", c:byte()) end)) end
local function dump(v)
  local t = math.type(v) or type(v)
  if t == "integer" then return "I" .. string.format("%d", v)
  elseif t == "float" then
    if v ~= v then return "N" end
    return "F" .. hex(string.pack("<d", v))
  elseif t == "string" then return "S" .. hex(v)
  elseif t == "boolean" then return v and "T" or "B"
  elseif t == "table" then
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = dump(k) .. "=" .. dump(x) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  error("unexpected " .. t)
end
local out = {}
for doc in io.read("a"):gmatch("([^%z]*)%z") do
  local f = assert(load(doc, "=doc", "t", {}))
  local v = f()
  out[#out + 1] = "return " .. serialize(v) .. ";\n\1" .. dump(v) .. "\0"
end
io.write(table.concat(out))
"#;

/// Serializes values that Lua builds from its own source text (one
/// constructor per line of stdin), as Prosody would store them.
const SERIALIZE: &str = r#"
package.path = PROSODY .. "/?.lua;" .. package.path
local serialize = require "util.serialization".serialize
local all_bytes = {}
for i = 0, 255 do all_bytes[#all_bytes + 1] = string.char(i) end
local env = { all_bytes = table.concat(all_bytes), math = math }
local out = {}
for line in io.read("a"):gmatch("[^\n]+") do
  local v = assert(load("return " .. line, "=case", "t", env))()
  out[#out + 1] = "return " .. serialize(v) .. ";\n\0"
end
io.write(table.concat(out))
"#;

/// Prints `string.format("%.18g", x)` for each float given as 16 hex digits
/// (its bits) per line.
const FORMAT: &str = r#"
local out = {}
for line in io.read("a"):gmatch("[^\n]+") do
  local x = string.unpack("<d", string.pack("<I8", tonumber(line, 16)))
  out[#out + 1] = string.format("%.18g", x)
end
io.write(table.concat(out, "\n"), "\n")
"#;

/// Whether lua5.4 and Prosody are there; without them, skip loudly (or
/// fail when running in CI).
fn prosody_available() -> bool {
    let lua = Command::new(LUA)
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    let prosody = Path::new(PROSODY).join("util/serialization.lua").exists();
    if lua && prosody {
        return true;
    }
    let why = format!("needs {LUA} (found: {lua}) and {PROSODY} (found: {prosody})");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("Prosody compatibility test cannot run in CI: {why}");
    }
    eprintln!("SKIPPED Prosody compatibility test: {why}");
    false
}

fn run_lua(script: &str, input: &[u8]) -> String {
    let script = format!("local PROSODY = {PROSODY:?}\n{script}");
    let mut child = Command::new(LUA)
        .arg("-e")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lua starts");
    // The scripts read all input before writing anything, so writing all
    // of it first cannot deadlock on full pipes.
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("lua reads");
    let out = child.wait_with_output().expect("lua runs");
    assert!(
        out.status.success(),
        "lua failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("ASCII output")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The same canonical dump as the Lua script makes, in our table order.
fn dump(v: &Value) -> String {
    match v {
        Value::Int(i) => format!("I{i}"),
        Value::Float(f) if f.is_nan() => "N".to_owned(),
        Value::Float(f) => format!("F{}", hex(&f.to_le_bytes())),
        Value::Str(s) => format!("S{}", hex(s.as_bytes())),
        Value::Bool(b) => (if *b { "T" } else { "B" }).to_owned(),
        Value::Table(t) => {
            let parts: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{}={}", dump(&key_value(k)), dump(v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
    }
}

fn key_value(k: &Key) -> Value {
    match k {
        Key::Bool(b) => Value::Bool(*b),
        Key::Int(i) => Value::Int(*i),
        Key::Float(f) => Value::Float(f.get()),
        Key::Str(s) => Value::Str(s.clone()),
    }
}

fn one(key: impl Into<Key>, value: impl Into<Value>) -> Value {
    let mut t = Table::new();
    t.insert(key, value);
    t.into()
}

/// Tables built by Lua from source, and the same values built here. Every
/// table has at most one entry or is a sequence, so `pairs` order is known.
fn cases() -> Vec<(&'static str, Value)> {
    let all_bytes: Vec<u8> = (0..=255).collect();
    vec![
        ("1795876775", Value::Int(1_795_876_775)),
        ("\"a string\"", Value::from("a string")),
        ("true", Value::Bool(true)),
        ("{}", Table::new().into()),
        ("{ groups = {} }", one("groups", Table::new())),
        ("{ k = \"plain\" }", one("k", "plain")),
        (
            "{ a = { b = { c = 1795876775 } } }",
            one("a", one("b", one("c", 1_795_876_775))),
        ),
        ("{ s = all_bytes }", one("s", all_bytes.clone())),
        ("{ [all_bytes] = 1 }", one(all_bytes, 1)),
        ("{ f = 0.1 }", one("f", 0.1)),
        ("{ f = -0.0 }", one("f", -0.0)),
        ("{ f = 1.5e300 }", one("f", 1.5e300)),
        ("{ f = 5e-324 }", one("f", 5e-324)),
        ("{ f = 2^63 }", one("f", 9_223_372_036_854_775_808.0)),
        ("{ f = 1/0 }", one("f", f64::INFINITY)),
        ("{ f = -1/0 }", one("f", f64::NEG_INFINITY)),
        ("{ f = 0/0 }", one("f", f64::NAN)),
        ("{ i = math.mininteger }", one("i", i64::MIN)),
        ("{ i = math.maxinteger }", one("i", i64::MAX)),
        ("{ [1.5] = 1 }", one(Key::from_float(1.5).expect("key"), 1)),
        (
            "{ [2^63] = 1 }",
            one(
                Key::from_float(9_223_372_036_854_775_808.0).expect("key"),
                1,
            ),
        ),
        (
            "{ [1/0] = 1 }",
            one(Key::from_float(f64::INFINITY).expect("key"), 1),
        ),
        ("{ [true] = false }", one(true, false)),
        ("{ [-3] = \"x\" }", one(-3, "x")),
        ("{ [2] = \"not first\" }", one(2, "not first")),
        ("{ \"a\", \"b\", { \"c\" }, true, 42 }", {
            let mut t = Table::from_sequence(["a", "b"]);
            t.push(Table::from_sequence(["c"]));
            t.push(true);
            t.push(42);
            t.into()
        }),
        (
            "{ \"a\", nil, \"c\" }",
            [(1, "a"), (3, "c")].into_iter().collect::<Table>().into(),
        ),
        (
            "{ roles = { \"prosody:member\" } }",
            one("roles", Table::from_sequence(["prosody:member"])),
        ),
    ]
}

#[test]
fn prosody_serializes_like_our_writer() {
    if !prosody_available() {
        return;
    }
    let cases = cases();
    let input: String = cases.iter().map(|(lua, _)| format!("{lua}\n")).collect();
    let output = run_lua(SERIALIZE, input.as_bytes());
    let theirs: Vec<&str> = output.split_terminator('\0').collect();
    assert_eq!(theirs.len(), cases.len());
    for ((lua, value), theirs) in cases.iter().zip(theirs) {
        let ours = to_prosody_string(value).expect("writes");
        assert_eq!(ours, theirs, "for {lua}");
    }
}

#[test]
fn prosody_loads_what_we_write() {
    if !prosody_available() {
        return;
    }
    let mut runner = TestRunner::deterministic();
    let strategy = ordered_value();
    let values: Vec<Value> = (0..400)
        .map(|_| strategy.new_tree(&mut runner).expect("generates").current())
        .chain(cases().into_iter().map(|(_, v)| v))
        .collect();
    let mut input = Vec::new();
    for v in &values {
        input.extend_from_slice(to_prosody_string(v).expect("writes").as_bytes());
        input.push(0);
    }
    let output = run_lua(ROUND_TRIP, &input);
    let results: Vec<&str> = output.split_terminator('\0').collect();
    assert_eq!(results.len(), values.len());
    for (v, result) in values.iter().zip(results) {
        let (theirs, their_dump) = result.split_once('\u{1}').expect("two parts");
        let expected = normalize(v);
        let ours = to_prosody_string(v).expect("writes");
        assert_eq!(their_dump, dump(&expected), "Lua read {ours:?} differently");
        assert_eq!(
            theirs,
            to_prosody_string(&expected).expect("writes"),
            "Prosody rewrites {ours:?} differently"
        );
    }
}

#[test]
fn floats_format_like_lua() {
    if !prosody_available() {
        return;
    }
    // A fixed xorshift sequence of bit patterns, plus values near the
    // switches between fixed and exponent notation and halfway cases.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut floats: Vec<f64> = (0..20_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            f64::from_bits(state)
        })
        .filter(|f| f.is_finite())
        .collect();
    for e in -330..=310 {
        let p = 10f64.powi(e);
        floats.extend([
            p,
            p * 0.999_999_999_999_999_9,
            p * 1.000_000_000_000_000_2,
            -p,
        ]);
    }
    floats.extend((0..2000).map(|i| 1.0 + f64::from(i) * 2f64.powi(-18)));
    floats.extend([
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
    ]);
    floats.retain(|f| f.is_finite());
    let input: String = floats
        .iter()
        .map(|f| format!("{:016x}\n", f.to_bits()))
        .collect();
    let output = run_lua(FORMAT, input.as_bytes());
    let theirs: Vec<&str> = output.lines().collect();
    assert_eq!(theirs.len(), floats.len());
    for (f, theirs) in floats.iter().zip(theirs) {
        assert_eq!(format_float(*f), theirs, "{:016x}", f.to_bits());
    }
}
