//! Reads literal Lua values (and table constructors of them) from tokens.
//! Nothing is ever evaluated: anything that is not a literal is an error.

use std::collections::HashSet;

use super::error::ParseError;
use super::lexer::{tokenize, Tok, Token};
use super::{Key, Table, Value, MAX_DEPTH};

/// Reads a data file as Prosody writes it: `return <value>;`. The value may
/// be of any kind (per-user records are a bare number). Comments and white
/// space are allowed anywhere, and the `;` is optional.
///
/// # Errors
///
/// Anything that is not a literal value (variables, function calls,
/// operators) and any syntax error, with its position.
pub fn parse(src: &[u8]) -> Result<Value, ParseError> {
    let tokens = tokenize(src)?;
    let mut p = Parser::new(src, &tokens, 0);
    p.expect(&Tok::Keyword("return"), "'return'")?;
    let value = p.top_value()?;
    p.eat(&Tok::Symbol(";"));
    p.expect(&Tok::Eof, "the end of the file after the returned value")?;
    Ok(value)
}

/// Reads one literal value (e.g. a table constructor) that makes up all of
/// `src`, without the `return`.
///
/// # Errors
///
/// As [`parse`].
pub fn parse_value(src: &[u8]) -> Result<Value, ParseError> {
    let tokens = tokenize(src)?;
    let mut p = Parser::new(src, &tokens, 0);
    let value = p.top_value()?;
    p.expect(&Tok::Eof, "the end of the input after the value")?;
    Ok(value)
}

/// A cursor over tokens that reads literal values.
pub(crate) struct Parser<'a> {
    src: &'a [u8],
    tokens: &'a [Token],
    pos: usize,
}

impl<'a> Parser<'a> {
    /// A parser of `tokens` (which end with [`Tok::Eof`]), from token `pos`.
    pub(crate) fn new(src: &'a [u8], tokens: &'a [Token], pos: usize) -> Self {
        Self { src, tokens, pos }
    }

    /// The index of the next token.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    fn peek(&self) -> &'a Token {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> &'a Token {
        // The last token is always Eof, so clamp to it.
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[(self.pos + ahead).min(last)]
    }

    fn bump(&mut self) -> &'a Token {
        let t = self.peek();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let hit = &self.peek().tok == tok;
        if hit {
            self.bump();
        }
        hit
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), ParseError> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("expected {what}")))
        }
    }

    fn error_at(&self, token: &Token, message: impl Into<String>) -> ParseError {
        ParseError::new(self.src, token.start, message)
    }

    fn unexpected(&self, expected: &str) -> ParseError {
        let t = self.peek();
        self.error_at(t, format!("{expected}, found {}", describe(self.src, t)))
    }

    fn top_value(&mut self) -> Result<Value, ParseError> {
        let start = self.peek();
        match self.value(0)? {
            Some(v) => Ok(v),
            None => Err(self.error_at(start, "the value is nil")),
        }
    }

    /// Reads one literal value; `None` for `nil`. `depth` is the number of
    /// tables around it.
    pub(crate) fn value(&mut self, depth: usize) -> Result<Option<Value>, ParseError> {
        let t = self.bump();
        let value = match &t.tok {
            Tok::Keyword("nil") => None,
            Tok::Keyword("true") => Some(Value::Bool(true)),
            Tok::Keyword("false") => Some(Value::Bool(false)),
            Tok::Int(i) => Some(Value::Int(*i)),
            Tok::Float(f) => Some(Value::Float(*f)),
            Tok::Str(s) => Some(Value::Str(s.clone().into())),
            Tok::Symbol("{") => Some(Value::Table(self.table(t, depth + 1)?)),
            Tok::Symbol("-") => Some(self.negative(t)?),
            Tok::Symbol("(") => Some(self.special_float(t)?),
            _ => return Err(self.unsupported(t)),
        };
        self.check_value_ends()?;
        Ok(value)
    }

    /// A number after a unary minus. As in Lua, `-9223372036854775808` is a
    /// float: the numeral is read first and overflows.
    fn negative(&mut self, minus: &Token) -> Result<Value, ParseError> {
        match self.bump().tok {
            Tok::Int(i) => Ok(Value::Int(i.wrapping_neg())),
            Tok::Float(f) => Ok(Value::Float(-f)),
            _ => Err(self.error_at(minus, "only a number may follow a unary '-'")),
        }
    }

    /// `(1/0)`, `(-1/0)` and `(0/0)`: how Prosody writes infinities and NaN.
    fn special_float(&mut self, open: &Token) -> Result<Value, ParseError> {
        let negative = self.eat(&Tok::Symbol("-"));
        let numerator = self.bump().tok.clone();
        let rest = [Tok::Symbol("/"), Tok::Int(0), Tok::Symbol(")")];
        let matches_rest = rest.iter().all(|t| self.eat(t));
        let value = match (negative, numerator, matches_rest) {
            (false, Tok::Int(1), true) => f64::INFINITY,
            (true, Tok::Int(1), true) => f64::NEG_INFINITY,
            (false, Tok::Int(0), true) => f64::NAN,
            _ => return Err(self.error_at(
                open,
                "parenthesised expressions are not supported (only (1/0), (-1/0) and (0/0) are)",
            )),
        };
        Ok(Value::Float(value))
    }

    /// After a value, an operator or call would make it an expression.
    fn check_value_ends(&self) -> Result<(), ParseError> {
        let t = self.peek();
        match &t.tok {
            Tok::Symbol(s) if is_binary_operator(s) => Err(self.error_at(
                t,
                format!("operator '{s}' is not supported: only literal values are read"),
            )),
            Tok::Symbol("(" | "[" | "." | ":") | Tok::Str(_) => Err(self.error_at(
                t,
                "indexing and function calls are not supported: only literal values are read",
            )),
            Tok::Keyword(k @ ("and" | "or")) => Err(self.error_at(
                t,
                format!("operator '{k}' is not supported: only literal values are read"),
            )),
            _ => Ok(()),
        }
    }

    fn unsupported(&self, t: &Token) -> ParseError {
        let what = match &t.tok {
            Tok::Name(n) => {
                format!("variable '{n}' is not supported: only literal values are read")
            }
            Tok::Keyword("function") => "functions are not supported".to_owned(),
            Tok::Symbol("...") => "'...' is not supported".to_owned(),
            Tok::Keyword("not") | Tok::Symbol("#" | "~") => {
                "operators are not supported: only literal values are read".to_owned()
            }
            _ => format!("expected a value, found {}", describe(self.src, t)),
        };
        self.error_at(t, what)
    }

    /// The fields of a table constructor whose `{` was `open`. A field whose
    /// value is `nil` is left out, as in Lua (a positional `nil` still uses
    /// up its index). A key given twice is an error: Lua would silently
    /// keep one of the values, depending on the kind of field.
    fn table(&mut self, open: &Token, depth: usize) -> Result<Table, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error_at(
                open,
                format!("tables are nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let mut table = Table::new();
        // Keys whose value was nil: given again, they are duplicates too.
        let mut nil_keys = HashSet::new();
        let mut next_index: i64 = 1;
        loop {
            if self.eat(&Tok::Symbol("}")) {
                return Ok(table);
            }
            let field = self.peek();
            let (key, value) = self.field(depth, &mut next_index)?;
            if table.get_key(&key).is_some() || nil_keys.contains(&key) {
                return Err(self.error_at(field, format!("duplicate key {}", show_key(&key))));
            }
            match value {
                Some(value) => {
                    table.insert(key, value);
                }
                None => {
                    nil_keys.insert(key);
                }
            }
            if !self.eat(&Tok::Symbol(",")) && !self.eat(&Tok::Symbol(";")) {
                self.expect(&Tok::Symbol("}"), "',', ';' or '}'")?;
                return Ok(table);
            }
        }
    }

    fn field(
        &mut self,
        depth: usize,
        next_index: &mut i64,
    ) -> Result<(Key, Option<Value>), ParseError> {
        let t = self.peek();
        let key = match (&t.tok, &self.peek_at(1).tok) {
            (Tok::Symbol("["), _) => {
                self.bump();
                let key_token = self.peek();
                let key = self.value(depth)?;
                self.expect(&Tok::Symbol("]"), "']'")?;
                self.expect(&Tok::Symbol("="), "'='")?;
                match key {
                    None => return Err(self.error_at(key_token, "table index is nil")),
                    Some(Value::Table(_)) => {
                        return Err(self.error_at(key_token, "tables as keys are not supported"))
                    }
                    Some(value) => match to_key(value) {
                        Some(key) => key,
                        None => return Err(self.error_at(key_token, "table index is NaN")),
                    },
                }
            }
            (Tok::Name(name), Tok::Symbol("=")) => {
                self.pos += 2;
                Key::from(name.as_str())
            }
            _ => {
                let key = Key::Int(*next_index);
                *next_index = next_index.wrapping_add(1);
                return Ok((key, self.value(depth)?));
            }
        };
        Ok((key, self.value(depth)?))
    }
}

/// The key Lua makes of a value; `None` for NaN and for tables (valid Lua
/// keys, but with an identity no data file can express).
pub(crate) fn to_key(value: Value) -> Option<Key> {
    match value {
        Value::Bool(b) => Some(Key::Bool(b)),
        Value::Int(i) => Some(Key::Int(i)),
        Value::Float(f) => Key::from_float(f),
        Value::Str(s) => Some(Key::Str(s)),
        Value::Table(_) => None,
    }
}

fn show_key(key: &Key) -> String {
    match key {
        Key::Str(s) => format!("\"{}\"", s.as_bytes().escape_ascii()),
        Key::Int(i) => i.to_string(),
        Key::Float(f) => f.get().to_string(),
        Key::Bool(b) => b.to_string(),
    }
}

/// Whether a symbol is one of Lua's binary operators.
pub(crate) fn is_binary_operator(s: &str) -> bool {
    matches!(
        s,
        "+" | "-"
            | "*"
            | "/"
            | "//"
            | "%"
            | "^"
            | ".."
            | "=="
            | "~="
            | "<"
            | "<="
            | ">"
            | ">="
            | "&"
            | "|"
            | "~"
            | "<<"
            | ">>"
    )
}

/// A token for an error message: its source text, shortened.
pub(crate) fn describe(src: &[u8], t: &Token) -> String {
    if t.tok == Tok::Eof {
        return "the end of the input".to_owned();
    }
    let text = src.get(t.start..t.end).unwrap_or_default();
    let shown: Vec<u8> = text.iter().copied().take(40).collect();
    let more = if text.len() > 40 { "..." } else { "" };
    format!("'{}{more}'", String::from_utf8_lossy(&shown))
}
