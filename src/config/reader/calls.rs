//! The calls Prosody's configuration provides: `VirtualHost`, `Component`,
//! `Include` and `RunScript`.

use super::{Event, ReadError, Reader};
use crate::config::rhs;
use crate::config::setting::{SettingValue, Unreadable};
use crate::config::skip;
use crate::lua::lexer::Tok;
use crate::lua::Value;

impl Reader<'_> {
    /// `VirtualHost`, `Component`, `Include` and `RunScript` calls.
    pub(super) fn special_call(&mut self, kind: Special) -> Result<(), ReadError> {
        let line = self.line();
        let called = match self.tok() {
            Tok::Name(n) => n.clone(),
            _ => String::new(),
        };
        self.pos += 1;
        let first = self.string_argument(&called)?;
        match kind {
            Special::Host => {
                self.events.push(Event::Host { name: first, line });
                self.section_options(line)?;
            }
            Special::Component => {
                let module = if matches!(self.tok(), Tok::Str(_) | Tok::Symbol("(")) {
                    Some(self.string_argument(&called)?)
                } else {
                    None
                };
                self.events.push(Event::Component {
                    name: first,
                    module: module.flatten(),
                    line,
                });
                self.section_options(line)?;
            }
            Special::Include => self.events.push(Event::Include {
                target: first,
                line,
            }),
            Special::RunScript => self.events.push(Event::Warning {
                message: "RunScript is not followed".into(),
                line,
            }),
        }
        // Anything chained after that is Prosody's business (and usually
        // an error there); step over it.
        self.skip_with(skip::suffixed_tail, "the rest of this call")
    }

    /// A call argument that should be a string: `"x"` or `("x")`; `None`
    /// for any other expression in parentheses.
    fn string_argument(&mut self, called: &str) -> Result<Option<String>, ReadError> {
        match self.tok().clone() {
            Tok::Str(s) => {
                self.pos += 1;
                self.text(s).map(Some)
            }
            Tok::Symbol("(") => {
                let start = self.pos;
                self.skip_with(skip::balanced, "the arguments")?;
                match (&self.token(start + 1).tok, self.pos == start + 3) {
                    (Tok::Str(s), true) => self.text(s.clone()).map(Some),
                    _ => Ok(None),
                }
            }
            _ => Err(self.error(&format!("expected a quoted name after '{called}'"))),
        }
    }

    fn text(&self, bytes: Vec<u8>) -> Result<String, ReadError> {
        String::from_utf8(bytes).map_err(|_| self.error("a name that is not UTF-8"))
    }

    /// `VirtualHost "x" { options }`: the options belong to the section,
    /// after which the global section resumes.
    fn section_options(&mut self, line: usize) -> Result<(), ReadError> {
        if self.tok() != &Tok::Symbol("{") {
            return Ok(());
        }
        let Some((value, end)) = rhs::read(self.src, self.tokens, self.pos) else {
            return Err(self.error("cannot read these options"));
        };
        self.pos = end;
        let (table, unreadable) = match value {
            SettingValue::Known(Value::Table(table)) => (table, Vec::new()),
            SettingValue::Partial { table, unreadable } => (table, unreadable),
            _ => {
                self.events.push(Event::Warning {
                    message: "options given as an expression are not read".into(),
                    line,
                });
                self.events.push(Event::Global);
                return Ok(());
            }
        };
        for (key, value) in table {
            if let Some(key) = key.as_str() {
                self.events.push(Event::Set {
                    key: key.to_owned(),
                    value: SettingValue::Known(value),
                    line,
                });
            }
        }
        for key in unreadable.iter().filter_map(|k| k.as_str()) {
            self.events.push(Event::Set {
                key: key.to_owned(),
                value: SettingValue::Unreadable(Unreadable::Expression),
                line,
            });
        }
        self.events.push(Event::Global);
        Ok(())
    }
}

/// The functions Prosody's configuration environment provides.
#[derive(Debug, Clone, Copy)]
pub(super) enum Special {
    Host,
    Component,
    Include,
    RunScript,
}

impl Special {
    pub(super) fn of(name: &str) -> Option<Special> {
        Some(match name {
            "VirtualHost" | "Host" | "host" => Special::Host,
            "Component" | "component" => Special::Component,
            "Include" | "include" => Special::Include,
            "RunScript" => Special::RunScript,
            _ => return None,
        })
    }
}
