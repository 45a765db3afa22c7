//! Lua statements: blocks, control structures, `local`, function
//! definitions, assignments and calls.

use super::calls::Special;
use super::{Event, ReadError, Reader, MAX_BLOCK_DEPTH};
use crate::config::rhs;
use crate::config::setting::{SettingValue, Unreadable};
use crate::config::skip;
use crate::lua::lexer::Tok;

impl Reader<'_> {
    /// Statements up to the end of a block (which is left unconsumed).
    /// `conditional` says whether the block may not run exactly once.
    pub(super) fn block(&mut self, conditional: bool, depth: usize) -> Result<(), ReadError> {
        self.block_with(conditional, depth, Vec::new())
    }

    fn block_with(
        &mut self,
        conditional: bool,
        depth: usize,
        locals: Vec<String>,
    ) -> Result<(), ReadError> {
        if depth > MAX_BLOCK_DEPTH {
            return Err(self.error("blocks nested too deeply"));
        }
        self.scopes.push(locals.into_iter().collect());
        let result = self.statements(conditional, depth);
        self.scopes.pop();
        result
    }

    fn statements(&mut self, conditional: bool, depth: usize) -> Result<(), ReadError> {
        while !self.at_block_end() {
            if self.tok() == &Tok::Keyword("return") {
                self.pos += 1;
                if !self.at_block_end() && self.tok() != &Tok::Symbol(";") {
                    self.skip_with(skip::expression_list, "the returned values")?;
                }
                self.eat(&Tok::Symbol(";"));
                if !self.at_block_end() {
                    return Err(self.error("'return' must end its block"));
                }
                return Ok(());
            }
            self.statement(conditional, depth)?;
        }
        Ok(())
    }

    fn statement(&mut self, conditional: bool, depth: usize) -> Result<(), ReadError> {
        let inner = depth + 1;
        match self.tok().clone() {
            Tok::Symbol(";") | Tok::Keyword("break") => self.pos += 1,
            Tok::Keyword("goto") => {
                self.pos += 1;
                self.name()?;
            }
            Tok::Symbol("::") => {
                self.pos += 1;
                self.name()?;
                self.expect(&Tok::Symbol("::"), "'::'")?;
            }
            Tok::Keyword("do") => {
                self.pos += 1;
                self.block(conditional, inner)?;
                self.expect(&Tok::Keyword("end"), "'end'")?;
            }
            Tok::Keyword("while") => {
                self.pos += 1;
                self.expression()?;
                self.expect(&Tok::Keyword("do"), "'do'")?;
                self.block(true, inner)?;
                self.expect(&Tok::Keyword("end"), "'end'")?;
            }
            Tok::Keyword("repeat") => {
                self.pos += 1;
                self.block(true, inner)?;
                self.expect(&Tok::Keyword("until"), "'until'")?;
                self.expression()?;
            }
            Tok::Keyword("if") => self.if_statement(inner)?,
            Tok::Keyword("for") => self.for_statement(inner)?,
            Tok::Keyword("function") => self.function_statement()?,
            Tok::Keyword("local") => self.local_statement()?,
            _ => self.expression_statement(conditional)?,
        }
        Ok(())
    }

    fn if_statement(&mut self, depth: usize) -> Result<(), ReadError> {
        self.pos += 1;
        self.expression()?;
        self.expect(&Tok::Keyword("then"), "'then'")?;
        self.block(true, depth)?;
        loop {
            if self.eat(&Tok::Keyword("elseif")) {
                self.expression()?;
                self.expect(&Tok::Keyword("then"), "'then'")?;
                self.block(true, depth)?;
            } else if self.eat(&Tok::Keyword("else")) {
                self.block(true, depth)?;
            } else {
                return self.expect(&Tok::Keyword("end"), "'end'");
            }
        }
    }

    fn for_statement(&mut self, depth: usize) -> Result<(), ReadError> {
        self.pos += 1;
        let mut names = vec![self.name()?];
        if self.eat(&Tok::Symbol("=")) {
            self.skip_with(skip::expression_list, "the loop range")?;
        } else {
            while self.eat(&Tok::Symbol(",")) {
                names.push(self.name()?);
            }
            self.expect(&Tok::Keyword("in"), "'=' or 'in'")?;
            self.skip_with(skip::expression_list, "the loop iterator")?;
        }
        self.expect(&Tok::Keyword("do"), "'do'")?;
        self.block_with(true, depth, names)?;
        self.expect(&Tok::Keyword("end"), "'end'")
    }

    /// `function a.b:c() ... end`: the body is not run while loading, so
    /// it is stepped over. A plain global name is set to a function.
    fn function_statement(&mut self) -> Result<(), ReadError> {
        let line = self.line();
        self.pos += 1;
        let first = self.name()?;
        let mut plain = true;
        while matches!(self.tok(), Tok::Symbol("." | ":")) {
            self.pos += 1;
            self.name()?;
            plain = false;
        }
        self.skip_with(skip::function_body, "the function")?;
        if plain && !self.is_local(&first) {
            self.events.push(Event::Set {
                key: first,
                value: SettingValue::Unreadable(Unreadable::Expression),
                line,
            });
        }
        Ok(())
    }

    fn local_statement(&mut self) -> Result<(), ReadError> {
        self.pos += 1;
        if self.eat(&Tok::Keyword("function")) {
            let name = self.name()?;
            self.declare([name]);
            return self.skip_with(skip::function_body, "the function");
        }
        let mut names = Vec::new();
        loop {
            names.push(self.name()?);
            // Lua 5.4 attributes: `<const>`, `<close>`.
            if self.eat(&Tok::Symbol("<")) {
                self.name()?;
                self.expect(&Tok::Symbol(">"), "'>'")?;
            }
            if !self.eat(&Tok::Symbol(",")) {
                break;
            }
        }
        if self.eat(&Tok::Symbol("=")) {
            self.skip_with(skip::expression_list, "the values")?;
        }
        // Declared after the values: `local x = x` reads the outer `x`.
        self.declare(names);
        Ok(())
    }

    /// An assignment or a call.
    fn expression_statement(&mut self, conditional: bool) -> Result<(), ReadError> {
        if let Tok::Name(name) = self.tok().clone() {
            let next = &self.token(self.pos + 1).tok;
            let assigned = matches!(next, Tok::Symbol("=" | ","));
            if !assigned && !self.is_local(&name) {
                if let Some(kind) = Special::of(&name) {
                    if conditional {
                        return Err(self.error(&format!(
                            "'{name}' inside an `if` block or loop is not supported"
                        )));
                    }
                    return self.special_call(kind);
                }
            }
        }
        let start = self.pos;
        let mut targets = vec![self.target()?];
        if !matches!(self.tok(), Tok::Symbol("=" | ",")) {
            // Lua allows no other statement than a call here.
            let last = &self.token(self.pos.saturating_sub(1)).tok;
            let call = self.pos > start + 1 && matches!(last, Tok::Symbol(")" | "}") | Tok::Str(_));
            return if call {
                Ok(())
            } else {
                Err(self.error("syntax error: expected '=' or a function call"))
            };
        }
        while self.eat(&Tok::Symbol(",")) {
            targets.push(self.target()?);
        }
        self.expect(&Tok::Symbol("="), "'='")?;
        let mut values = Vec::new();
        loop {
            match rhs::read(self.src, self.tokens, self.pos) {
                Some((value, end)) => {
                    values.push(value);
                    self.pos = end;
                }
                None => return Err(self.error("cannot read this value")),
            }
            if !self.eat(&Tok::Symbol(",")) {
                break;
            }
        }
        // Extra targets get nil, unless the last value is a call that may
        // return several values.
        let extra = match values.last() {
            Some(SettingValue::Unreadable(why)) => SettingValue::Unreadable(*why),
            _ => SettingValue::Nil,
        };
        for (i, (target, line)) in targets.into_iter().enumerate() {
            let Some(key) = target else { continue };
            let value = if conditional {
                SettingValue::Unreadable(Unreadable::Conditional)
            } else {
                values.get(i).cloned().unwrap_or_else(|| extra.clone())
            };
            self.events.push(Event::Set { key, value, line });
        }
        Ok(())
    }

    /// One target of an assignment (or the whole of a call statement): the
    /// global name it sets, if it is one, and its line.
    fn target(&mut self) -> Result<(Option<String>, usize), ReadError> {
        let start = self.pos;
        let line = self.line();
        self.skip_with(skip::suffixed, "this statement")?;
        let key = match &self.token(start).tok {
            Tok::Name(name) if self.pos == start + 1 && !self.is_local(name) => Some(name.clone()),
            _ => None,
        };
        Ok((key, line))
    }
}
