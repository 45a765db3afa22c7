//! Walks the statements of one configuration file and reports what matters
//! to Prosody's configuration: assignments to global names, section
//! headers (`VirtualHost`, `Component`) and `Include`s. Everything else is
//! stepped over without being run.

mod calls;
mod statements;

use std::collections::HashSet;

use super::lines::LineIndex;
use super::setting::SettingValue;
use super::skip;
use crate::lua::lexer::{tokenize, Tok, Token};
use crate::lua::parser::describe;

/// Something in a file that shapes the configuration, in file order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    /// `key = value` for a global name: a setting of the current section.
    Set {
        key: String,
        value: SettingValue,
        line: usize,
    },
    /// `VirtualHost "name"` (also `Host`, `host`); `None` when the name is
    /// an expression.
    Host { name: Option<String>, line: usize },
    /// `Component "name" ["module"]` (also `component`).
    Component {
        name: Option<String>,
        module: Option<String>,
        line: usize,
    },
    /// Back to the global section, after `VirtualHost "x" { options }`.
    Global,
    /// `Include "path"`; `None` when the path is an expression.
    Include { target: Option<String>, line: usize },
    /// Something Prosody runs that the reader does not follow.
    Warning { message: String, line: usize },
}

/// Why a file cannot be read, and on which line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadError {
    pub line: usize,
    pub message: String,
}

/// How deep `if`, loops and `do` blocks may nest.
const MAX_BLOCK_DEPTH: usize = 64;

/// Reads the statements of a configuration file.
pub(crate) fn read(src: &[u8]) -> Result<Vec<Event>, ReadError> {
    let tokens = tokenize(src).map_err(|e| ReadError {
        line: e.line(),
        message: e.message().to_owned(),
    })?;
    let mut reader = Reader {
        src,
        tokens: &tokens,
        lines: LineIndex::new(src),
        pos: 0,
        scopes: Vec::new(),
        events: Vec::new(),
    };
    reader.block(false, 0)?;
    if reader.tok() != &Tok::Eof {
        return Err(reader.error("unexpected statement"));
    }
    Ok(reader.events)
}

struct Reader<'a> {
    src: &'a [u8],
    tokens: &'a [Token],
    lines: LineIndex,
    pos: usize,
    /// Names declared `local` in each enclosing block: assigning to them
    /// sets no option.
    scopes: Vec<HashSet<String>>,
    events: Vec<Event>,
}

impl Reader<'_> {
    fn token(&self, i: usize) -> &Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[i.min(last)]
    }

    fn tok(&self) -> &Tok {
        &self.token(self.pos).tok
    }

    fn line(&self) -> usize {
        self.lines.line(self.token(self.pos).start)
    }

    fn error(&self, what: &str) -> ReadError {
        let t = self.token(self.pos);
        ReadError {
            line: self.lines.line(t.start),
            message: format!("{what} near {}", describe(self.src, t)),
        }
    }

    fn eat(&mut self, t: &Tok) -> bool {
        let hit = self.tok() == t;
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect(&mut self, t: &Tok, what: &str) -> Result<(), ReadError> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    fn name(&mut self) -> Result<String, ReadError> {
        match self.tok().clone() {
            Tok::Name(n) => {
                self.pos += 1;
                Ok(n)
            }
            _ => Err(self.error("expected a name")),
        }
    }

    /// Steps over something with a `skip` function, or fails with `what`.
    fn skip_with(
        &mut self,
        skipper: fn(&[Token], usize) -> Option<usize>,
        what: &str,
    ) -> Result<(), ReadError> {
        match skipper(self.tokens, self.pos) {
            Some(end) => {
                self.pos = end;
                Ok(())
            }
            None => Err(self.error(&format!("cannot read {what}"))),
        }
    }

    fn expression(&mut self) -> Result<(), ReadError> {
        self.skip_with(skip::expression, "this expression")
    }

    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.contains(name))
    }

    fn declare(&mut self, names: impl IntoIterator<Item = String>) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.extend(names);
        }
    }

    fn at_block_end(&self) -> bool {
        matches!(
            self.tok(),
            Tok::Eof | Tok::Keyword("end" | "else" | "elseif" | "until")
        )
    }
}
