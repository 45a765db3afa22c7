//! The reader never panics, whatever the input.

use proptest::prelude::*;

use crate::config::reader::read;

/// Fragments of configuration files, to reach the reader's corners.
const FRAGMENTS: [&str; 44] = [
    "VirtualHost",
    "Component",
    "Include",
    "RunScript",
    "host",
    "\"x\"",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "=",
    ",",
    ";",
    ".",
    ":",
    "..",
    "+",
    "-",
    "not",
    "and",
    "local",
    "function",
    "end",
    "if",
    "then",
    "else",
    "elseif",
    "while",
    "do",
    "for",
    "in",
    "repeat",
    "until",
    "return",
    "goto",
    "::",
    "x",
    "1",
    "nil",
    "\n",
    " ",
    "--",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn read_never_panics_on_bytes(input in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = read(&input);
    }

    #[test]
    fn read_never_panics_on_config_like_text(
        parts in prop::collection::vec(prop::sample::select(FRAGMENTS.to_vec()), 0..64)
    ) {
        let _ = read(parts.join(" ").as_bytes());
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep_blocks = format!("{}{}", "do ".repeat(10_000), "end ".repeat(10_000));
    assert!(read(deep_blocks.as_bytes()).is_err());
    let deep_tables = format!("x = {}{}", "{".repeat(100_000), "}".repeat(100_000));
    let events = read(deep_tables.as_bytes()).expect("reads as an unreadable value");
    assert_eq!(events.len(), 1);
    let deep_parens = format!("x = {}1{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(read(deep_parens.as_bytes()).is_ok());
}
