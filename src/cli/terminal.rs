//! What the binary knows about where its output goes: which streams are
//! terminals, how big they are, and whether to colour them.

use std::io::{self, BufWriter, IsTerminal, Write};

use super::args::ColorChoice;

/// Output settings, decided once from the terminal and the environment.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether stdout is a terminal: tables for people, else lines.
    pub terminal: bool,
    /// Whether to colour stdout.
    pub color: bool,
    /// Whether stderr is a terminal: progress bars only go there.
    pub stderr_terminal: bool,
    /// Whether to colour stderr.
    pub stderr_color: bool,
}

/// One of the two output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Style {
    /// Colour follows `--color`; `auto` means a terminal with `NO_COLOR`
    /// unset or empty (no-color.org), decided for each stream.
    pub fn detect(choice: ColorChoice) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = |terminal: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        let terminal = io::stdout().is_terminal();
        let stderr_terminal = io::stderr().is_terminal();
        Style {
            terminal,
            color: color(terminal),
            stderr_terminal,
            stderr_color: color(stderr_terminal),
        }
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

    /// Whether `stream` is a terminal.
    pub fn is_terminal(&self, stream: Stream) -> bool {
        match stream {
            Stream::Stdout => self.terminal,
            Stream::Stderr => self.stderr_terminal,
        }
    }

    /// Whether to colour `stream`.
    pub fn color_for(&self, stream: Stream) -> bool {
        match stream {
            Stream::Stdout => self.color,
            Stream::Stderr => self.stderr_color,
        }
    }
}

/// The size of the terminal `stream` is, as (columns, rows); `None` when
/// it is no terminal or does not say.
pub fn size(stream: Stream) -> Option<(u16, u16)> {
    let size = match stream {
        Stream::Stdout => terminal_size::terminal_size_of(io::stdout()),
        Stream::Stderr => terminal_size::terminal_size_of(io::stderr()),
    };
    size.map(|(w, h)| (w.0, h.0))
        .filter(|&(w, h)| w > 0 && h > 0)
}
