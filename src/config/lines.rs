//! Line numbers of byte offsets, counting line breaks as Lua does.

/// The start offsets of all lines of a text.
pub(crate) struct LineIndex(Vec<usize>);

impl LineIndex {
    /// Indexes `src`, where `\n`, `\r`, `\r\n` and `\n\r` each end a line.
    pub(crate) fn new(src: &[u8]) -> Self {
        let mut starts = vec![0];
        let mut i = 0;
        while let Some(&b) = src.get(i) {
            if b == b'\n' || b == b'\r' {
                let pair = if b == b'\n' { b'\r' } else { b'\n' };
                if src.get(i + 1) == Some(&pair) {
                    i += 1;
                }
                starts.push(i + 1);
            }
            i += 1;
        }
        Self(starts)
    }

    /// The line (from 1) holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let index = LineIndex::new(b"a\nb\r\nc\rd\n\re");
        let lines: Vec<usize> = [0, 2, 5, 7, 10, 99]
            .iter()
            .map(|&o| index.line(o))
            .collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 5]);
    }
}
