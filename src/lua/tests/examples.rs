//! Files as Prosody writes them, and the syntax Lua accepts besides.

use crate::lua::{parse, parse_value, to_prosody_string, Key, LuaString, Table, Value};

/// A host-level file as Prosody 0.12.3 wrote it (see the README, "Prosody's
/// file storage").
const HOST_FILE: &str = r#"return {
	["zpEFMWvMjTRqIawWAPZce_Ps"] = {
		["jid"] = "alice@example.com";
		["expires"] = 1795358368;
		["additional_data"] = {
			["allow_reset"] = "alice";
		};
		["created_at"] = 1795271968;
		["allow_registration"] = true;
		["type"] = "register";
		["uri"] = "xmpp:alice@example.com?register;preauth=zpEFMWvMjTRqIawWAPZce_Ps";
		["token"] = "zpEFMWvMjTRqIawWAPZce_Ps";
	};
};
"#;

fn table(v: &Value) -> &Table {
    v.as_table().expect("a table")
}

#[test]
fn reads_the_host_level_example() {
    let value = parse(HOST_FILE.as_bytes()).expect("parses");
    let invites = table(&value);
    assert_eq!(invites.len(), 1);
    let invite = table(invites.get("zpEFMWvMjTRqIawWAPZce_Ps").expect("the token"));
    assert_eq!(
        invite.get("jid").and_then(Value::as_str),
        Some("alice@example.com")
    );
    assert_eq!(invite.get("expires"), Some(&Value::Int(1_795_358_368)));
    assert_eq!(invite.get("allow_registration"), Some(&Value::Bool(true)));
    let extra = table(invite.get("additional_data").expect("additional_data"));
    assert_eq!(
        extra.get("allow_reset").and_then(Value::as_str),
        Some("alice")
    );
    let keys: Vec<_> = invite.keys().filter_map(Key::as_str).collect();
    assert_eq!(
        keys,
        [
            "jid",
            "expires",
            "additional_data",
            "created_at",
            "allow_registration",
            "type",
            "uri",
            "token"
        ]
    );
}

#[test]
fn rewrites_the_host_level_example_byte_for_byte() {
    let value = parse(HOST_FILE.as_bytes()).expect("parses");
    assert_eq!(to_prosody_string(&value).expect("writes"), HOST_FILE);
}

#[test]
fn per_user_records_are_bare_numbers() {
    let value = parse(b"return 1795876775;\n").expect("parses");
    assert_eq!(value, Value::Int(1_795_876_775));
    assert_eq!(
        to_prosody_string(&value).expect("writes"),
        "return 1795876775;\n"
    );
}

#[test]
fn writes_empty_and_positional_tables_like_prosody() {
    let mut t = Table::new();
    t.insert("groups", Table::new());
    t.insert("roles", Table::from_sequence(["prosody:member", "x"]));
    t.insert(5, 1.5);
    t.insert(true, "\u{e9}'\"\\\n\0\x7f");
    assert_eq!(
        to_prosody_string(&t.into()).expect("writes"),
        "return {\n\t[\"groups\"] = {};\n\t[\"roles\"] = {\n\t\t\"prosody:member\";\n\t\t\"x\";\n\t};\n\t[5] = 1.5;\n\t[true] = \"\\195\\169\\'\\\"\\\\\\n\\000\\127\";\n};\n"
    );
}

#[test]
fn reads_any_table_constructor_syntax() {
    let src = r#"
        -- a comment
        return --[[ another ]] {
            plain = 1, ["quoted"] = 'single', [10] = 0x1F;
            "positional", nil, [[long
string]], [==[with ]] inside]==];
            nested = { { deep = true, }, },
            [-2] = -1.5e3, [1.5] = false, [20.0] = "twenty",
            esc = "\65\x42\u{43}\z
                   D",
        } ;  -- trailing comment
    "#;
    let value = parse(src.as_bytes()).expect("parses");
    let t = table(&value);
    assert_eq!(t.get("plain"), Some(&Value::Int(1)));
    assert_eq!(t.get("quoted").and_then(Value::as_str), Some("single"));
    assert_eq!(t.get(10), Some(&Value::Int(31)));
    assert_eq!(t.get(1).and_then(Value::as_str), Some("positional"));
    assert_eq!(t.get(2), None, "a positional nil leaves a hole");
    assert_eq!(t.get(3).and_then(Value::as_str), Some("long\nstring"));
    assert_eq!(t.get(4).and_then(Value::as_str), Some("with ]] inside"));
    assert_eq!(t.get(-2), Some(&Value::Float(-1500.0)));
    assert_eq!(
        t.get_key(&Key::from_float(1.5).expect("key")),
        Some(&Value::Bool(false))
    );
    assert_eq!(
        t.get(20).and_then(Value::as_str),
        Some("twenty"),
        "20.0 is key 20"
    );
    assert_eq!(t.get("esc").and_then(Value::as_str), Some("ABCD"));
    let nested = table(t.get("nested").expect("nested"));
    assert_eq!(
        table(nested.get(1).expect("inner")).get("deep"),
        Some(&Value::Bool(true))
    );
}

#[test]
fn nil_fields_are_dropped() {
    let value = parse_value(b"{ a = nil, b = 1, [\"c\"] = nil }").expect("parses");
    assert_eq!(table(&value).len(), 1);
    assert!(parse(b"return nil;").is_err());
}

#[test]
fn prosody_special_floats() {
    let value = parse_value(b"{ (1/0), (-1/0), (0/0), [(1/0)] = 1 }").expect("parses");
    let t = table(&value);
    assert_eq!(t.get(1), Some(&Value::Float(f64::INFINITY)));
    assert_eq!(t.get(2), Some(&Value::Float(f64::NEG_INFINITY)));
    assert!(t.get(3).and_then(Value::as_f64).is_some_and(f64::is_nan));
    assert_eq!(
        t.get_key(&Key::from_float(f64::INFINITY).expect("key")),
        Some(&Value::Int(1))
    );
}

#[test]
fn negative_numbers_follow_lua() {
    assert_eq!(
        parse_value(b"-9223372036854775807").expect("parses"),
        Value::Int(-i64::MAX)
    );
    // The numeral overflows before it is negated, so this is a float.
    assert_eq!(
        parse_value(b"-9223372036854775808").expect("parses"),
        Value::Float(-9_223_372_036_854_775_808.0)
    );
    assert_eq!(parse_value(b"- 0x10").expect("parses"), Value::Int(-16));
}

#[test]
fn non_utf8_strings_survive() {
    let bytes = LuaString::new(vec![0xff, 0xfe, b'a']);
    let written = to_prosody_string(&Value::Str(bytes.clone())).expect("writes");
    assert_eq!(written, "return \"\\255\\254a\";\n");
    assert_eq!(
        parse(written.as_bytes()).expect("parses"),
        Value::Str(bytes)
    );
}

#[test]
fn refuses_code_with_a_position() {
    let cases: [(&str, &str, (usize, usize)); 14] = [
        ("return {\n  a = os.exit() }", "variable 'os'", (2, 7)),
        ("return { a = f() }", "variable 'f'", (1, 14)),
        ("return {\n a = 1 + 2 }", "operator '+'", (2, 8)),
        ("return { a = \"x\" .. \"y\" }", "operator '..'", (1, 18)),
        ("return { a = 1 or 2 }", "operator 'or'", (1, 16)),
        ("return function() end", "functions", (1, 8)),
        ("return { a = 1, a = 2 }", "duplicate key \"a\"", (1, 17)),
        ("return { 1, [1] = 2 }", "duplicate key 1", (1, 13)),
        ("return { 1, nil, [2.0] = 2 }", "duplicate key 2", (1, 18)),
        ("return { a = nil, a = 1 }", "duplicate key \"a\"", (1, 19)),
        ("return { [nil] = 1 }", "table index is nil", (1, 11)),
        ("return { [(0/0)] = 1 }", "table index is NaN", (1, 11)),
        ("return { 1 } x", "end of the file", (1, 14)),
        ("x = 1", "'return'", (1, 1)),
    ];
    for (src, needle, (line, column)) in cases {
        let e = parse(src.as_bytes()).expect_err(src);
        assert!(e.message().contains(needle), "{src}: {e}");
        assert_eq!((e.line(), e.column()), (line, column), "{src}: {e}");
    }
}

#[test]
fn a_lexical_error_is_reported_where_it_is() {
    let cases = [
        ("return { a = 1 } $", "unexpected character '$'", (1, 18)),
        ("return {\n a = \"x\n\" }", "unfinished string", (2, 6)),
        (
            "return { a = 1, b = [==[ x",
            "unfinished long string",
            (1, 21),
        ),
    ];
    for (src, needle, (line, column)) in cases {
        let e = parse(src.as_bytes()).expect_err(src);
        assert!(e.message().contains(needle), "{src}: {e}");
        assert_eq!((e.line(), e.column()), (line, column), "{src}: {e}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("return {}{};", "{".repeat(100_000), "}".repeat(100_000));
    let e = parse(deep.as_bytes()).expect_err("too deep");
    assert!(e.message().contains("nested deeper"), "{e}");
    let ok = format!("return {}{};", "{".repeat(127), "}".repeat(127));
    let value = parse(ok.as_bytes()).expect("127 levels are fine");
    assert!(to_prosody_string(&value).is_ok());
    let too_deep = (0..128).fold(Value::Int(1), |v, _| Table::from_sequence([v]).into());
    assert!(to_prosody_string(&too_deep).is_err());
}
