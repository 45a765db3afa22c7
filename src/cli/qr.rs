//! Where `--qr` draws: on stdout when it is a terminal, else on stderr
//! when that is one. Never into a pipe, whose data stays as it was.

use anyhow::Result;

use super::render::qr::{Area, Qr};
use super::terminal::{self, Stream, Style};
use super::UsageError;

/// Lines kept free below a code: the link and the shell's prompt.
const RESERVED_ROWS: u16 = 2;

/// A terminal to draw QR codes on.
pub struct Screen {
    /// The stream that is the terminal.
    pub stream: Stream,
    area: Area,
}

impl Screen {
    /// The terminal to draw on, or a usage error when there is none.
    pub fn find(style: &Style) -> Result<Screen> {
        let stream = [Stream::Stdout, Stream::Stderr]
            .into_iter()
            .find(|&s| style.is_terminal(s))
            .ok_or_else(|| {
                UsageError(
                    "--qr draws on a terminal and neither stdout nor stderr is one; use --qr-file PATH"
                        .into(),
                )
            })?;
        let size = terminal::size(stream);
        Ok(Screen {
            stream,
            area: Area {
                columns: size.map(|(columns, _)| columns),
                rows: size.map(|(_, rows)| rows.saturating_sub(RESERVED_ROWS)),
                color: style.color_for(stream),
            },
        })
    }

    /// The QR code of `link`, drawn to fit.
    pub fn draw(&self, link: &str) -> Result<String, UsageError> {
        Ok(Qr::new(link)?.terminal(self.area).text)
    }

    /// Says on stderr when a code of `link` cannot fit the terminal, so
    /// that a code cut off by the edge is not a mystery.
    pub fn warn_if_too_small(&self, link: &str) -> Result<(), UsageError> {
        let drawing = Qr::new(link)?.terminal(self.area);
        if !drawing.fits {
            eprintln!(
                "invitectl: the QR code needs {} columns and {} lines; enlarge the terminal or use --qr-file",
                drawing.columns,
                usize::from(RESERVED_ROWS) + drawing.rows
            );
        }
        Ok(())
    }
}
