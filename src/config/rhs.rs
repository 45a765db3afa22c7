//! Right-hand sides of assignments: literal values through the Lua data
//! reader, table constructors field by field, anything else stepped over.

use super::setting::{SettingValue, Unreadable};
use super::skip;
use crate::lua::lexer::{Tok, Token};
use crate::lua::parser::{to_key, Parser};
use crate::lua::{Key, Table, Value};

/// Reads the expression starting at token `i`; returns what is known of
/// its value and the index after it, or `None` if no expression starts
/// there.
pub(crate) fn read(src: &[u8], tokens: &[Token], i: usize) -> Option<(SettingValue, usize)> {
    if let Some((value, end)) = literal(src, tokens, i) {
        let value = value.map_or(SettingValue::Nil, SettingValue::Known);
        return Some((value, end));
    }
    if tok(tokens, i) == &Tok::Symbol("{") {
        if let Some((value, end)) = table_fields(src, tokens, i) {
            if !continues(tok(tokens, end)) {
                return Some((value, end));
            }
        }
    }
    let end = skip::expression(tokens, i)?;
    Some((SettingValue::Unreadable(Unreadable::Expression), end))
}

fn tok(tokens: &[Token], i: usize) -> &Tok {
    tokens.get(i).map_or(&Tok::Eof, |t| &t.tok)
}

/// A whole literal value (`None` inside for `nil`) and the index after it.
fn literal(src: &[u8], tokens: &[Token], i: usize) -> Option<(Option<Value>, usize)> {
    let mut parser = Parser::new(src, tokens, i);
    let value = parser.value(0).ok()?;
    Some((value, parser.pos()))
}

/// Whether an expression goes on after a table constructor ending before `t`.
fn continues(t: &Tok) -> bool {
    skip::is_binary_operator(t)
        || matches!(t, Tok::Symbol("." | "[" | ":" | "(" | "{") | Tok::Str(_))
}

/// A table constructor whose fields are not all literals: the literal
/// fields are kept, the others recorded by key. `None` when even the shape
/// is unclear (a computed key, for instance).
fn table_fields(src: &[u8], tokens: &[Token], open: usize) -> Option<(SettingValue, usize)> {
    let mut table = Table::new();
    let mut unreadable: Vec<Key> = Vec::new();
    let mut next_index: i64 = 1;
    let mut i = open + 1;
    loop {
        if tok(tokens, i) == &Tok::Symbol("}") {
            i += 1;
            break;
        }
        let key = match (tok(tokens, i), tok(tokens, i + 1)) {
            (Tok::Symbol("["), _) => {
                let (key, end) = literal(src, tokens, i + 1)?;
                if tok(tokens, end) != &Tok::Symbol("]")
                    || tok(tokens, end + 1) != &Tok::Symbol("=")
                {
                    return None;
                }
                i = end + 2;
                to_key(key?)?
            }
            (Tok::Name(name), Tok::Symbol("=")) => {
                i += 2;
                Key::from(name.as_str())
            }
            _ => {
                next_index = next_index.wrapping_add(1);
                Key::Int(next_index.wrapping_sub(1))
            }
        };
        // A key given twice: which value wins depends on Lua's evaluation
        // order, so call it unknown.
        let seen = table.remove(key.clone()).is_some() || unreadable.contains(&key);
        match literal(src, tokens, i) {
            Some((value, end)) => {
                i = end;
                match value {
                    Some(value) if !seen => {
                        table.insert(key, value);
                    }
                    _ if seen => mark(&mut unreadable, key),
                    _ => {}
                }
            }
            None => {
                i = skip::expression(tokens, i)?;
                mark(&mut unreadable, key);
            }
        }
        match tok(tokens, i) {
            Tok::Symbol("," | ";") => i += 1,
            Tok::Symbol("}") => {
                i += 1;
                break;
            }
            _ => return None,
        }
    }
    let value = if unreadable.is_empty() {
        SettingValue::Known(Value::Table(table))
    } else {
        SettingValue::Partial { table, unreadable }
    };
    Some((value, i))
}

fn mark(unreadable: &mut Vec<Key>, key: Key) {
    if !unreadable.contains(&key) {
        unreadable.push(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lua::lexer::tokenize;

    fn rhs(src: &str) -> (SettingValue, String) {
        let tokens = tokenize(src.as_bytes()).expect("tokenizes");
        let (value, end) = read(src.as_bytes(), &tokens, 0).expect("an expression");
        let start = tokens.get(end).map_or(src.len(), |t| t.start);
        (value, src[start..].to_owned())
    }

    #[test]
    fn literals() {
        let (v, rest) = rhs("\"internal\" next = 1");
        assert!(v == SettingValue::Known(Value::from("internal")));
        assert_eq!(rest, "next = 1");
        let (v, _) = rhs("nil");
        assert!(v == SettingValue::Nil);
        let (v, rest) = rhs("{ \"a\"; \"b\" }; x");
        assert!(v == SettingValue::Known(Table::from_sequence(["a", "b"]).into()));
        assert_eq!(rest, "; x");
    }

    #[test]
    fn expressions_are_unreadable() {
        for src in [
            "ENV_X or 5280",
            "\"a\"..B",
            "1024 * 1024",
            "f(x)",
            "{ 1 } .. x",
            "a.b",
        ] {
            let (v, rest) = rhs(&format!("{src} next"));
            assert!(
                v == SettingValue::Unreadable(Unreadable::Expression),
                "{src}"
            );
            assert_eq!(rest, "next", "{src}");
        }
    }

    #[test]
    fn tables_with_some_expressions() {
        let (v, rest) =
            rhs("{ driver = \"PostgreSQL\", password = Credential \"db\"; ENV_X, 2 } y");
        assert_eq!(rest, "y");
        let SettingValue::Partial { table, unreadable } = v else {
            panic!("partial");
        };
        assert_eq!(
            table.get("driver").and_then(Value::as_str),
            Some("PostgreSQL")
        );
        assert_eq!(table.get(2), Some(&Value::Int(2)));
        assert_eq!(unreadable, [Key::from("password"), Key::Int(1)]);
    }

    #[test]
    fn computed_keys_make_the_table_unreadable() {
        let (v, rest) = rhs("{ [ENV_LEVEL or \"info\"] = \"*stdout\" } z");
        assert!(v == SettingValue::Unreadable(Unreadable::Expression));
        assert_eq!(rest, "z");
    }

    #[test]
    fn repeated_keys_are_unreadable() {
        let (v, _) = rhs("{ a = 1, a = 2, b = x }");
        let SettingValue::Partial { table, unreadable } = v else {
            panic!("partial");
        };
        assert!(table.is_empty());
        assert_eq!(unreadable, [Key::from("a"), Key::from("b")]);
    }
}
