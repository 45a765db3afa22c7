//! Reads literal Lua values (and table constructors of them) from tokens.
//! Nothing is ever evaluated: anything that is not a literal is an error.

use std::collections::HashSet;

use super::error::ParseError;
use super::lexer::{Lexer, Tok, Token};
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
    let mut p = Parser::streaming(src);
    let read = (|| {
        p.expect(&Tok::Keyword("return"), "'return'")?;
        let value = p.top_value()?;
        p.eat(&Tok::Symbol(";"));
        p.expect(&Tok::Eof, "the end of the file after the returned value")?;
        Ok(value)
    })();
    p.finish(read)
}

/// Reads one literal value (e.g. a table constructor) that makes up all of
/// `src`, without the `return`.
///
/// # Errors
///
/// As [`parse`].
pub fn parse_value(src: &[u8]) -> Result<Value, ParseError> {
    let mut p = Parser::streaming(src);
    let read = (|| {
        let value = p.top_value()?;
        p.expect(&Tok::Eof, "the end of the input after the value")?;
        Ok(value)
    })();
    p.finish(read)
}

/// Where a parser takes its tokens from.
pub(crate) trait Source {
    /// Makes sure the next `n` tokens (at most 2) can be looked at.
    fn fill(&mut self, n: usize);
    /// The token `ahead` places on (after `fill`); [`Tok::Eof`] past the end.
    fn get(&self, ahead: usize) -> &Token;
    /// Takes the next token.
    fn take(&mut self) -> Token;
    /// The index of the next token.
    fn pos(&self) -> usize;
}

/// Tokens already split, read from an index on.
pub(crate) struct Slice<'a> {
    tokens: &'a [Token],
    pos: usize,
}

impl Source for Slice<'_> {
    fn fill(&mut self, _: usize) {}

    fn get(&self, ahead: usize) -> &Token {
        // The last token is always Eof, so clamp to it.
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[(self.pos + ahead).min(last)]
    }

    fn take(&mut self) -> Token {
        let t = self.get(0).clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn pos(&self) -> usize {
        self.pos
    }
}

/// Tokens split as they are needed. A lexical error ends the tokens (as
/// [`Tok::Eof`]) and is kept, to be reported instead of whatever the
/// parser made of that end.
pub(crate) struct Stream<'a> {
    lexer: Lexer<'a>,
    /// The next token, always split.
    first: Token,
    /// The one after it, once looked at.
    second: Option<Token>,
    error: Option<ParseError>,
    taken: usize,
}

impl<'a> Stream<'a> {
    fn new(src: &'a [u8]) -> Self {
        let mut lexer = Lexer::new(src);
        let mut error = None;
        let first = Self::split(&mut lexer, &mut error);
        Self {
            lexer,
            first,
            second: None,
            error,
            taken: 0,
        }
    }

    /// The next token of `lexer`; after an error, [`Tok::Eof`] (the lexer
    /// stays at the error, so it keeps ending there).
    fn split(lexer: &mut Lexer<'_>, error: &mut Option<ParseError>) -> Token {
        lexer.next_token().unwrap_or_else(|e| {
            let at = e.offset();
            error.get_or_insert(e);
            Token {
                tok: Tok::Eof,
                start: at,
                end: at,
            }
        })
    }
}

impl Source for Stream<'_> {
    fn fill(&mut self, n: usize) {
        if n > 1 && self.second.is_none() {
            self.second = Some(Self::split(&mut self.lexer, &mut self.error));
        }
    }

    fn get(&self, ahead: usize) -> &Token {
        match (ahead, &self.second) {
            (0, _) | (_, None) => &self.first,
            (_, Some(second)) => second,
        }
    }

    fn take(&mut self) -> Token {
        let next = match self.second.take() {
            Some(t) => t,
            None => Self::split(&mut self.lexer, &mut self.error),
        };
        self.taken += 1;
        std::mem::replace(&mut self.first, next)
    }

    fn pos(&self) -> usize {
        self.taken
    }
}

/// A cursor over tokens that reads literal values.
pub(crate) struct Parser<'a, S: Source = Slice<'a>> {
    src: &'a [u8],
    tokens: S,
}

impl<'a> Parser<'a, Slice<'a>> {
    /// A parser of `tokens` (which end with [`Tok::Eof`]), from token `pos`.
    pub(crate) fn new(src: &'a [u8], tokens: &'a [Token], pos: usize) -> Self {
        Self {
            src,
            tokens: Slice { tokens, pos },
        }
    }
}

impl<'a> Parser<'a, Stream<'a>> {
    /// A parser of all of `src`, splitting tokens as it goes.
    fn streaming(src: &'a [u8]) -> Self {
        Self {
            src,
            tokens: Stream::new(src),
        }
    }

    /// What was read, unless splitting tokens failed on the way.
    fn finish<T>(self, read: Result<T, ParseError>) -> Result<T, ParseError> {
        match self.tokens.error {
            Some(e) => Err(e),
            None => read,
        }
    }
}

impl<'a, S: Source> Parser<'a, S> {
    /// The index of the next token.
    pub(crate) fn pos(&self) -> usize {
        self.tokens.pos()
    }

    fn peek(&mut self) -> &Token {
        self.tokens.fill(1);
        self.tokens.get(0)
    }

    fn bump(&mut self) -> Token {
        self.tokens.take()
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let hit = same(&self.peek().tok, tok);
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

    fn unexpected(&mut self, expected: &str) -> ParseError {
        self.tokens.fill(1);
        let t = self.tokens.get(0);
        self.error_at(t, format!("{expected}, found {}", describe(self.src, t)))
    }

    fn top_value(&mut self) -> Result<Value, ParseError> {
        let start = self.peek().start;
        match self.value(0)? {
            Some(v) => Ok(v),
            None => Err(ParseError::new(self.src, start, "the value is nil")),
        }
    }

    /// Reads one literal value; `None` for `nil`. `depth` is the number of
    /// tables around it.
    pub(crate) fn value(&mut self, depth: usize) -> Result<Option<Value>, ParseError> {
        let t = self.bump();
        let value = match t.tok {
            Tok::Keyword("nil") => None,
            Tok::Keyword("true") => Some(Value::Bool(true)),
            Tok::Keyword("false") => Some(Value::Bool(false)),
            Tok::Int(i) => Some(Value::Int(i)),
            Tok::Float(f) => Some(Value::Float(f)),
            Tok::Str(s) => Some(Value::Str(s.into())),
            Tok::Symbol("{") => Some(Value::Table(self.table(&t, depth + 1)?)),
            Tok::Symbol("-") => Some(self.negative(&t)?),
            Tok::Symbol("(") => Some(self.special_float(&t)?),
            _ => return Err(self.unsupported(&t)),
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
        let numerator = self.bump().tok;
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
    fn check_value_ends(&mut self) -> Result<(), ParseError> {
        self.tokens.fill(1);
        let t = self.tokens.get(0);
        let message = match &t.tok {
            // What follows nearly every value: no operator.
            Tok::Symbol(s) if matches!(s.as_bytes(), [b';' | b',' | b'}' | b']']) => return Ok(()),
            Tok::Symbol(s) if is_binary_operator(s) => {
                format!("operator '{s}' is not supported: only literal values are read")
            }
            Tok::Symbol("(" | "[" | "." | ":") | Tok::Str(_) => {
                "indexing and function calls are not supported: only literal values are read"
                    .to_owned()
            }
            Tok::Keyword(k @ ("and" | "or")) => {
                format!("operator '{k}' is not supported: only literal values are read")
            }
            _ => return Ok(()),
        };
        Err(self.error_at(t, message))
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
            let field = self.peek().start;
            let (key, value) = self.field(depth, &mut next_index)?;
            let taken = match value {
                Some(_) if nil_keys.contains(&key) => Some(key),
                Some(value) => table.insert_new(key, value).err().map(|(key, _)| key),
                None if table.get_key(&key).is_some() => Some(key),
                None => nil_keys.replace(key),
            };
            if let Some(key) = taken {
                let message = format!("duplicate key {}", show_key(&key));
                return Err(ParseError::new(self.src, field, message));
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
        self.tokens.fill(2);
        let key = match (&self.tokens.get(0).tok, &self.tokens.get(1).tok) {
            (Tok::Symbol("["), _) => {
                self.bump();
                let key_start = self.peek().start;
                let key = self.value(depth)?;
                self.expect(&Tok::Symbol("]"), "']'")?;
                self.expect(&Tok::Symbol("="), "'='")?;
                let at = |message| Err(ParseError::new(self.src, key_start, message));
                match key {
                    None => return at("table index is nil"),
                    Some(Value::Table(_)) => return at("tables as keys are not supported"),
                    Some(value) => match to_key(value) {
                        Some(key) => key,
                        None => return at("table index is NaN"),
                    },
                }
            }
            (Tok::Name(_), Tok::Symbol("=")) => {
                let Tok::Name(name) = self.bump().tok else {
                    unreachable!("looked at above")
                };
                self.bump();
                Key::from(name)
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

/// Whether two tokens are the same; one-byte symbols, the most common
/// tokens, are compared without a call to `memcmp`.
fn same(a: &Tok, b: &Tok) -> bool {
    match (a, b) {
        (Tok::Symbol(x), Tok::Symbol(y)) => match (x.as_bytes(), y.as_bytes()) {
            ([p], [q]) => p == q,
            (p, q) => p == q,
        },
        _ => a == b,
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
