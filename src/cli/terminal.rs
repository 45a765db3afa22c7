//! What the binary knows about where its output goes.

use std::io::{self, BufWriter, IsTerminal, Write};

use super::args::ColorChoice;

/// Output settings, decided once from the terminal and the environment.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether stdout is a terminal: tables for people, else lines.
    pub terminal: bool,
    /// Whether to colour.
    pub color: bool,
}

impl Style {
    /// Colour follows `--color`; `auto` means a terminal with `NO_COLOR`
    /// unset or empty (no-color.org).
    pub fn detect(choice: ColorChoice) -> Style {
        let terminal = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        Style { terminal, color }
    }

    /// Standard output: flushed per line on a terminal, block-buffered in
    /// a pipe, where a million lines would otherwise cost a million writes.
    pub fn stdout(&self) -> Box<dyn Write> {
        let out = io::stdout().lock();
        if self.terminal {
            Box::new(out)
        } else {
            Box::new(BufWriter::with_capacity(64 * 1024, out))
        }
    }
}
