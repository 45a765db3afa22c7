//! Properties: writing then reading gives the value back, and reading never
//! panics, whatever the input.

use proptest::prelude::*;

use super::strategies::{normalize, value};
use crate::lua::{parse, parse_value, to_prosody_string};

/// Fragments of Lua that steer random input into the parser's corners.
const FRAGMENTS: [&str; 40] = [
    "return",
    "{",
    "}",
    "[",
    "]",
    "=",
    ",",
    ";",
    "nil",
    "true",
    "false",
    "-",
    "(",
    ")",
    "1/0",
    "0/0",
    "1",
    "0x1p4",
    "1e5",
    ".5",
    "9223372036854775808",
    "\"s\"",
    "'\\",
    "\"\\u{",
    "\\z",
    "\\x4",
    "[[",
    "]]",
    "[==[",
    "--",
    "--[[",
    "\n",
    "\r",
    " ",
    "x",
    "a.b",
    "..",
    "\\ddd",
    "\\",
    "\"",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn write_then_parse_round_trips(v in value()) {
        let written = to_prosody_string(&v).expect("writes");
        prop_assert!(written.is_ascii());
        let read = parse(written.as_bytes());
        prop_assert_eq!(read.as_ref(), Ok(&normalize(&v)), "{}", written);
        // What was read back is written identically.
        let again = to_prosody_string(&normalize(&v)).expect("writes");
        prop_assert_eq!(to_prosody_string(&read.expect("checked")).expect("writes"), again);
    }

    #[test]
    fn parse_never_panics_on_bytes(input in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse(&input);
        let _ = parse_value(&input);
    }

    #[test]
    fn parse_never_panics_on_lua_like_text(
        parts in prop::collection::vec(prop::sample::select(FRAGMENTS.to_vec()), 0..48)
    ) {
        let input = parts.concat();
        let _ = parse(input.as_bytes());
        let _ = parse_value(input.as_bytes());
    }
}
