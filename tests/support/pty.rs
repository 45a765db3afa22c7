//! Running the binary on a pseudo-terminal, with util-linux's `script`,
//! to see what an admin at a terminal sees.

use std::process::Command;

use super::binary;
use super::store::{Store, HOST};
use super::tools::{need, sh_quote};

/// A pseudo-terminal session: its size, environment, and shell text
/// after the command (a redirection or a pipe).
pub struct Pty {
    columns: u16,
    rows: u16,
    env: Vec<(String, String)>,
    after: String,
}

/// What the terminal showed, and the command's exit status.
pub struct Screen {
    /// Everything written to the terminal, with `\r\n` as `\n`.
    pub text: String,
    pub code: i32,
}

impl Pty {
    /// A 100×40 terminal, or `None` (the test skipped) without `script`.
    pub fn new(test: &str) -> Option<Pty> {
        need("script", "bsdutils", test).then(|| Pty {
            columns: 100,
            rows: 40,
            env: vec![("TERM".into(), "xterm-256color".into())],
            after: String::new(),
        })
    }

    pub fn size(mut self, columns: u16, rows: u16) -> Pty {
        self.columns = columns;
        self.rows = rows;
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Pty {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Shell text after the command, e.g. `2>/tmp/err` or `| wc -l`.
    pub fn then(mut self, shell: &str) -> Pty {
        self.after = shell.into();
        self
    }

    /// Runs `invitectl --store STORE HOST args...` on the terminal.
    pub fn run(&self, store: &Store, args: &[&str]) -> Screen {
        let (store, env) = store.store_arg();
        let mut words = vec![
            binary::BIN.to_owned(),
            "--store".into(),
            store.to_string_lossy().into_owned(),
            HOST.into(),
        ];
        words.extend(args.iter().map(|a| a.to_string()));
        let command: Vec<String> = words.iter().map(|w| sh_quote(w)).collect();
        let script = format!(
            "stty cols {} rows {}; {} {}",
            self.columns,
            self.rows,
            command.join(" "),
            self.after
        );
        let mut cmd = Command::new("script");
        cmd.args(["-q", "-e", "-c", &script, "/dev/null"])
            .env("SHELL", "/bin/sh")
            .envs(env);
        // The terminal's shell passes the environment on to the binary.
        binary::clean(&mut cmd);
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        let out = cmd
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script runs");
        Screen {
            text: String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
            code: out.status.code().unwrap_or(-1),
        }
    }
}

impl Screen {
    /// Whether any SGR (colour or bold) escape sequence was written.
    pub fn has_color(&self) -> bool {
        has_sgr(&self.text)
    }
}

/// Whether `text` holds an SGR escape sequence (`ESC [ ... m`).
pub fn has_sgr(text: &str) -> bool {
    text.split('\x1b').skip(1).any(|seq| {
        seq.strip_prefix('[').is_some_and(|rest| {
            let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ';'));
            end.is_some_and(|i| rest[i..].starts_with('m'))
        })
    })
}

/// Removes escape sequences (CSI ... final byte), leaving the text.
pub fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
