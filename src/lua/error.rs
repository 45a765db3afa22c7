//! Errors of the reader and the writer.

use super::MAX_DEPTH;

/// Why a Lua data file or table constructor could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    message: String,
    offset: usize,
    line: usize,
    column: usize,
}

impl ParseError {
    /// An error at byte `offset` of `src`.
    pub(crate) fn new(src: &[u8], offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_column(src, offset);
        Self {
            message: message.into(),
            offset,
            line,
            column,
        }
    }

    /// What went wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte offset in the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The line (from 1) of [`ParseError::offset`].
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column (from 1, counted in bytes) of [`ParseError::offset`].
    pub fn column(&self) -> usize {
        self.column
    }
}

/// Why a value could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// Tables nest deeper than [`MAX_DEPTH`], which Prosody refuses too.
    #[error("tables are nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// Line and column (both from 1) of byte `offset`, counting line breaks the
/// way Lua does: `\n`, `\r`, `\r\n` and `\n\r` are one break each.
fn line_column(src: &[u8], offset: usize) -> (usize, usize) {
    let end = offset.min(src.len());
    let mut line = 1;
    let mut line_start = 0;
    let mut i = 0;
    while i < end {
        let b = src[i];
        if b == b'\n' || b == b'\r' {
            let pair = if b == b'\n' { b'\r' } else { b'\n' };
            if i + 1 < end && src[i + 1] == pair {
                i += 1;
            }
            line += 1;
            line_start = i + 1;
        }
        i += 1;
    }
    (line, offset - line_start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let src = b"ab\ncd\r\nef\n\rg";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 4), (2, 2));
        assert_eq!(line_column(src, 7), (3, 1));
        assert_eq!(line_column(src, 11), (4, 1));
        // Past the end: still a position, never a panic.
        assert_eq!(line_column(src, 99).0, 4);
    }

    #[test]
    fn display_names_the_position() {
        let e = ParseError::new(b"x\n  y", 4, "unexpected 'y'");
        assert_eq!(e.to_string(), "line 2, column 3: unexpected 'y'");
        assert_eq!((e.offset(), e.line(), e.column()), (4, 2, 3));
    }
}
