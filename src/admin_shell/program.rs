//! The Lua programs invitectl sends to the admin shell, built so that no
//! value is ever spliced into code.
//!
//! A program's text is `>` (run with the server's globals), then
//! `local args = <literal>`, where the literal is written by invitectl's
//! own Lua writer ([`crate::lua::serialize`]: quoted strings with every
//! byte outside printable ASCII escaped, so nothing in a value can end
//! the string or start code), then fixed code: the shared prelude and the
//! body of one program, both constant text compiled into invitectl. The
//! code only ever reads `args`.
//!
//! The text never parses as an expression (it starts with `local`), so
//! the shell's first try, `return <text>`, fails to compile and it runs
//! the text as a chunk.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::connection::{Connection, MAX_REQUEST};
use super::error::{AdminShellError, Result};
use super::framing;
use crate::lua::{serialize, Table, Value};

const PRELUDE: &str = include_str!("lua/prelude.lua");

/// The constant bodies, one per program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    Ping,
    Version,
    SetRecords,
    GetRecords,
    DeleteIfUnchanged,
    KeysPage,
    CountKeys,
    RemoveKeys,
    SqlRows,
    SqlExtent,
    SqlDeleteRows,
    SqlInsertRows,
}

impl Body {
    fn text(self) -> &'static str {
        match self {
            Body::Ping => include_str!("lua/ping.lua"),
            Body::Version => include_str!("lua/version.lua"),
            Body::SetRecords => include_str!("lua/set_records.lua"),
            Body::GetRecords => include_str!("lua/get_records.lua"),
            Body::DeleteIfUnchanged => include_str!("lua/delete_if_unchanged.lua"),
            Body::KeysPage => include_str!("lua/keys_page.lua"),
            Body::CountKeys => include_str!("lua/count_keys.lua"),
            Body::RemoveKeys => include_str!("lua/remove_keys.lua"),
            Body::SqlRows => include_str!("lua/sql_rows.lua"),
            Body::SqlExtent => include_str!("lua/sql_extent.lua"),
            Body::SqlDeleteRows => include_str!("lua/sql_delete_rows.lua"),
            Body::SqlInsertRows => include_str!("lua/sql_insert_rows.lua"),
        }
    }
}

/// A program ready to send: its arguments as one literal, then fixed code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    text: String,
}

impl Program {
    /// `args` as the literal of the prologue, then the prelude and `body`.
    pub(crate) fn new(args: Table, body: Body) -> Result<Program> {
        let literal = serialize(&Value::Table(args))?;
        let mut text = String::with_capacity(literal.len() + PRELUDE.len() + 2048);
        text.push_str(">local args = ");
        text.push_str(&literal);
        text.push('\n');
        text.push_str(PRELUDE);
        text.push_str(body.text());
        Ok(Program { text })
    }

    /// The text sent, starting with `>`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The size of the request on the wire, escaping included.
    pub fn wire_len(&self) -> usize {
        // The literal is ASCII and the code is constant, so the text holds
        // nothing `repl_input` refuses.
        framing::repl_input(&self.text).map_or(usize::MAX, |s| s.len())
    }

    /// Whether the server accepts it: [`Program::wire_len`] is at most
    /// [`MAX_REQUEST`].
    pub fn fits(&self) -> bool {
        self.wire_len() <= MAX_REQUEST
    }

    /// Runs the program and decodes its JSON answer as `T`.
    ///
    /// # Errors
    ///
    /// Those of [`Connection::request`]; [`AdminShellError::Failed`] when
    /// the server reports an error (the text of its result);
    /// [`AdminShellError::UnknownHost`] and [`AdminShellError::Storage`]
    /// when the program says so; [`AdminShellError::BadAnswer`] for an
    /// answer that is not `T`.
    pub fn run<T: DeserializeOwned>(&self, connection: &mut Connection, host: &str) -> Result<T> {
        let result = self.result(connection)?;
        let value: serde_json::Value =
            serde_json::from_str(&result).map_err(|e| AdminShellError::BadAnswer(e.to_string()))?;
        if let Ok(refusal) = Refusal::deserialize(&value) {
            return Err(refusal.into_error(host));
        }
        T::deserialize(value).map_err(|e| AdminShellError::BadAnswer(e.to_string()))
    }

    /// Sends the program; the text of its result, after `Result: `.
    fn result(&self, connection: &mut Connection) -> Result<String> {
        let reply = connection.request(&self.text)?;
        if reply.failed {
            return Err(AdminShellError::Failed(reply.result));
        }
        match reply.result.strip_prefix("Result: ") {
            Some(text) => Ok(text.to_owned()),
            None => Err(AdminShellError::BadAnswer(reply.result)),
        }
    }
}

impl Program {
    /// Runs a program that answers with one Lua literal (`answer_literal`)
    /// and reads it with invitectl's reader of literals; a refusal still
    /// comes as JSON.
    ///
    /// # Errors
    ///
    /// As [`Program::run`].
    pub(crate) fn run_literal(&self, connection: &mut Connection, host: &str) -> Result<Table> {
        let text = self.result(connection)?;
        // A literal of a table with only named fields never starts so.
        if text.starts_with("{\"") {
            let refusal: Refusal = serde_json::from_str(&text)
                .map_err(|e| AdminShellError::BadAnswer(e.to_string()))?;
            return Err(refusal.into_error(host));
        }
        match crate::lua::parse_value(text.as_bytes()) {
            Ok(Value::Table(t)) => Ok(t),
            Ok(other) => Err(AdminShellError::BadAnswer(format!(
                "a {} where a table was expected",
                other.type_name()
            ))),
            Err(e) => Err(AdminShellError::BadAnswer(e.to_string())),
        }
    }
}

/// The answer of a program that could not do its work.
#[derive(Deserialize)]
struct Refusal {
    error: String,
    message: Option<String>,
}

impl Refusal {
    fn into_error(self, host: &str) -> AdminShellError {
        match self.error.as_str() {
            "unknown-host" => AdminShellError::UnknownHost(host.to_owned()),
            _ => AdminShellError::Storage(self.message.unwrap_or(self.error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lua::parse_value;

    #[test]
    fn values_reach_the_code_only_as_one_literal() {
        let hostile = "\"); os.exit(1) --]] ]==] \\ \n\0 <&> \u{e9}";
        let mut args = Table::new();
        args.insert("host", hostile);
        args.insert("bytes", vec![0xffu8, b'"', 0]);
        let program = Program::new(args.clone(), Body::Ping).unwrap();
        // The prologue reads back as exactly `args`; the rest is the
        // constant code, whatever the values.
        let code = format!("\n{PRELUDE}{}", Body::Ping.text());
        let literal = program
            .text()
            .strip_prefix(">local args = ")
            .and_then(|t| t.strip_suffix(code.as_str()))
            .unwrap();
        assert_eq!(parse_value(literal.as_bytes()).unwrap(), Value::Table(args));
        assert!(
            literal
                .bytes()
                .all(|b| (32..127).contains(&b) || b == b'\n' || b == b'\t'),
            "{literal}"
        );
        assert!(program.fits());
    }

    #[test]
    fn every_program_is_the_prologue_then_constant_code() {
        let mut args = Table::new();
        args.insert("host", "example.com");
        for body in [
            Body::Ping,
            Body::Version,
            Body::SetRecords,
            Body::GetRecords,
            Body::DeleteIfUnchanged,
            Body::KeysPage,
            Body::CountKeys,
            Body::RemoveKeys,
            Body::SqlRows,
            Body::SqlExtent,
            Body::SqlDeleteRows,
            Body::SqlInsertRows,
        ] {
            let program = Program::new(args.clone(), body).unwrap();
            // Starting with `local`, the text never compiles as the
            // expression the shell tries first (`return <text>`).
            let literal = serialize(&Value::Table(args.clone())).unwrap();
            assert_eq!(
                program.text(),
                format!(">local args = {literal}\n{PRELUDE}{}", body.text())
            );
        }
    }
}
