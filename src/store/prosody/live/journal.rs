//! A SQLite database's journal mode, read from its header: no connection,
//! so no lock that could make the server's commit fail.

use std::io::Read;
use std::path::Path;

/// How a SQLite database keeps its journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalMode {
    /// Write-ahead log: readers never block the writer, nor it them.
    Wal,
    /// A rollback journal (`delete`, `truncate`, `persist`): a reader's
    /// shared lock makes a writer's commit wait, or with no busy timeout
    /// (Prosody's) fail.
    Rollback,
}

/// The journal mode of the database at `path`; a file that cannot be
/// read as one counts as rollback, the cautious answer.
pub fn mode(path: &Path) -> JournalMode {
    // Bytes 18 and 19 of the header, the file format's write and read
    // versions, are 2 in WAL mode and 1 otherwise (SQLite's file format,
    // "The Database Header").
    let mut header = [0u8; 20];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    if read.is_ok()
        && header.starts_with(b"SQLite format 3\0")
        && header[18] == 2
        && header[19] == 2
    {
        JournalMode::Wal
    } else {
        JournalMode::Rollback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_tells_wal_from_a_rollback_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch("CREATE TABLE t (x)").unwrap();
        assert_eq!(mode(&path), JournalMode::Rollback);
        let wal: String = db
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(wal, "wal");
        assert_eq!(mode(&path), JournalMode::Wal);
        drop(db);
        assert_eq!(mode(&dir.path().join("missing")), JournalMode::Rollback);
        std::fs::write(&path, b"not a database at all").unwrap();
        assert_eq!(mode(&path), JournalMode::Rollback);
    }
}
