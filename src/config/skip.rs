//! Steps over Lua expressions that are not literals, following Lua's
//! grammar closely enough to find where they end, without evaluating them.
//! All functions take the index of a token and return the index after what
//! they stepped over, or `None` if the tokens there are not what Lua allows.
//! None of them recurses, so hostile nesting cannot exhaust the stack.

use crate::lua::lexer::{Tok, Token};

fn tok(tokens: &[Token], i: usize) -> &Tok {
    tokens.get(i).map_or(&Tok::Eof, |t| &t.tok)
}

/// An expression: operands joined by binary operators, each with any
/// number of unary operators in front.
pub(crate) fn expression(tokens: &[Token], mut i: usize) -> Option<usize> {
    loop {
        while matches!(
            tok(tokens, i),
            Tok::Keyword("not") | Tok::Symbol("-" | "#" | "~")
        ) {
            i += 1;
        }
        i = match tok(tokens, i) {
            Tok::Keyword("nil" | "true" | "false")
            | Tok::Int(_)
            | Tok::Float(_)
            | Tok::Str(_)
            | Tok::Symbol("...") => i + 1,
            Tok::Symbol("{") => balanced(tokens, i)?,
            Tok::Keyword("function") => function_body(tokens, i + 1)?,
            Tok::Name(_) | Tok::Symbol("(") => suffixed(tokens, i)?,
            _ => return None,
        };
        if !is_binary_operator(tok(tokens, i)) {
            return Some(i);
        }
        i += 1;
    }
}

/// A comma-separated list of expressions.
pub(crate) fn expression_list(tokens: &[Token], i: usize) -> Option<usize> {
    let mut i = expression(tokens, i)?;
    while tok(tokens, i) == &Tok::Symbol(",") {
        i = expression(tokens, i + 1)?;
    }
    Some(i)
}

/// Whether `t` joins two operands.
pub(crate) fn is_binary_operator(t: &Tok) -> bool {
    match t {
        Tok::Keyword(k) => matches!(*k, "and" | "or"),
        Tok::Symbol(s) => crate::lua::parser::is_binary_operator(s),
        _ => false,
    }
}

/// A name or parenthesised expression, followed by any field accesses,
/// indexing, method calls and calls (`a.b[c]:d(e) "f" {g}`).
pub(crate) fn suffixed(tokens: &[Token], i: usize) -> Option<usize> {
    let i = match tok(tokens, i) {
        Tok::Name(_) => i + 1,
        Tok::Symbol("(") => balanced(tokens, i)?,
        _ => return None,
    };
    suffixed_tail(tokens, i)
}

/// The field accesses, indexing and calls after a name or parenthesised
/// expression (possibly none).
pub(crate) fn suffixed_tail(tokens: &[Token], mut i: usize) -> Option<usize> {
    loop {
        i = match tok(tokens, i) {
            Tok::Symbol(".") => name(tokens, i + 1)?,
            Tok::Symbol("[") => balanced(tokens, i)?,
            Tok::Symbol(":") => call_arguments(tokens, name(tokens, i + 1)?)?,
            Tok::Symbol("(" | "{") | Tok::Str(_) => call_arguments(tokens, i)?,
            _ => return Some(i),
        };
    }
}

/// The arguments of a call: `(...)`, a table constructor or a string.
pub(crate) fn call_arguments(tokens: &[Token], i: usize) -> Option<usize> {
    match tok(tokens, i) {
        Tok::Symbol("(" | "{") => balanced(tokens, i),
        Tok::Str(_) => Some(i + 1),
        _ => None,
    }
}

fn name(tokens: &[Token], i: usize) -> Option<usize> {
    matches!(tok(tokens, i), Tok::Name(_)).then_some(i + 1)
}

/// From an opening `(`, `[` or `{` to just after its matching closer.
pub(crate) fn balanced(tokens: &[Token], i: usize) -> Option<usize> {
    let mut open: Vec<&str> = Vec::new();
    let mut i = i;
    loop {
        match tok(tokens, i) {
            Tok::Symbol("(") => open.push(")"),
            Tok::Symbol("[") => open.push("]"),
            Tok::Symbol("{") => open.push("}"),
            Tok::Symbol(s @ (")" | "]" | "}")) => match open.pop() {
                Some(expected) if expected == *s => {}
                _ => return None,
            },
            Tok::Eof => return None,
            _ => {}
        }
        i += 1;
        if open.is_empty() {
            return Some(i);
        }
    }
}

/// A function's parameter list (from its `(`) and body, up to just after
/// the `end` that closes it.
pub(crate) fn function_body(tokens: &[Token], i: usize) -> Option<usize> {
    if tok(tokens, i) != &Tok::Symbol("(") {
        return None;
    }
    let mut i = balanced(tokens, i)?;
    // Blocks open with `function`, `if`, `do` (also of `while` and `for`)
    // and `repeat`, and close with `end` or (for `repeat`) `until`.
    let mut depth = 1usize;
    loop {
        match tok(tokens, i) {
            Tok::Keyword("function" | "if" | "do" | "repeat") => depth += 1,
            Tok::Keyword("end" | "until") => depth -= 1,
            Tok::Eof => return None,
            _ => {}
        }
        i += 1;
        if depth == 0 {
            return Some(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lua::lexer::tokenize;

    /// The text left after skipping an expression at the start of `src`.
    fn rest(src: &str) -> Option<String> {
        let tokens = tokenize(src.as_bytes()).expect("tokenizes");
        let end = expression(&tokens, 0)?;
        let start = tokens.get(end).map_or(src.len(), |t| t.start);
        Some(src[start..].to_owned())
    }

    #[test]
    fn steps_over_whole_expressions() {
        assert_eq!(rest("ENV_X or 5280 next").as_deref(), Some("next"));
        assert_eq!(rest("\"https://\"..DOMAIN..\"/\" x").as_deref(), Some("x"));
        assert_eq!(rest("(\"%dd\"):format(N) -- c\ny").as_deref(), Some("y"));
        assert_eq!(
            rest("assert(io.open(\"f\")):read(\"*l\"); z").as_deref(),
            Some("; z")
        );
        assert_eq!(rest("1024 * 1024 * -16 w").as_deref(), Some("w"));
        assert_eq!(rest("not a == #b k").as_deref(), Some("k"));
        assert_eq!(rest("{ [x] = f { 1 }, \"s\" } t").as_deref(), Some("t"));
        assert_eq!(
            rest("function (a) if a then return end repeat until a end u").as_deref(),
            Some("u")
        );
        assert_eq!(rest("Credential \"db\" v").as_deref(), Some("v"));
    }

    #[test]
    fn refuses_what_is_no_expression() {
        assert_eq!(rest("= 1"), None);
        assert_eq!(rest("(a"), None);
        assert_eq!(rest("{ ( }"), None);
        assert_eq!(rest("a +"), None);
        assert_eq!(rest("function () if x then"), None);
        assert_eq!(rest("a:b"), None);
    }
}
