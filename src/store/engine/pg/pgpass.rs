//! libpq's password file (`~/.pgpass`, or `PGPASSFILE`), read the way
//! libpq reads it, so that a password kept there for `psql` serves
//! invitectl too and never has to appear on a command line.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::target::{PgTarget, DEFAULT_SOCKET_DIR};
use crate::config::Password;

/// What looking in the password file found.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The first line matching the connection.
    Found(Password),
    /// No file, or no line matches.
    NotFound,
    /// The file exists but others may read it, so it was not used (libpq
    /// refuses it too).
    Ignored(PathBuf),
}

/// The password file: `PGPASSFILE`, else `~/.pgpass`.
pub fn path() -> Option<PathBuf> {
    std::env::var_os("PGPASSFILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".pgpass")))
}

/// Looks `target` up in the file at `path`.
pub fn lookup(path: &Path, target: &PgTarget) -> Lookup {
    let Ok(file) = std::fs::File::open(path) else {
        return Lookup::NotFound;
    };
    match file.metadata() {
        Ok(meta) if !meta.is_file() => return Lookup::NotFound,
        Ok(meta) if meta.mode() & 0o077 != 0 => return Lookup::Ignored(path.to_owned()),
        Ok(_) => {}
        Err(_) => return Lookup::NotFound,
    }
    // libpq matches a socket in its default folder as "localhost".
    let host = if target.is_socket() && target.host == DEFAULT_SOCKET_DIR {
        "localhost"
    } else {
        target.host.as_str()
    };
    let port = target.port.to_string();
    let wanted = [
        host,
        port.as_str(),
        target.dbname.as_str(),
        target.user.as_str(),
    ];
    for line in BufReader::new(file).lines() {
        let Ok(line) = line else {
            return Lookup::NotFound;
        };
        if line.starts_with('#') {
            continue;
        }
        let fields = split(&line);
        let [h, p, d, u, password] = fields.as_slice() else {
            continue;
        };
        let matches = [h, p, d, u]
            .iter()
            .zip(wanted)
            .all(|(field, want)| field.as_str() == "*" || field.as_str() == want);
        if matches {
            return Lookup::Found(Password::new(password.clone()));
        }
    }
    Lookup::NotFound
}

/// Splits a line at unescaped colons; `\:` is a colon and `\\` a
/// backslash. The password, last, keeps any further colons.
fn split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().unwrap().push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::store::url::ServerLocation;

    fn target(host: &str, port: u16, db: &str, user: &str) -> PgTarget {
        let mut target = PgTarget::from_url_with_env("postgres://u@h/d", |_| None).unwrap();
        target.host = host.into();
        target.port = port;
        target.dbname = db.into();
        target.user = user.into();
        target
    }

    fn file(text: &str, mode: u32) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        (dir, path)
    }

    fn found(text: &str) -> Lookup {
        Lookup::Found(Password::new(text.into()))
    }

    #[test]
    fn the_first_matching_line_wins_and_stars_match_anything() {
        let (_dir, path) = file(
            "# comment\nother:5432:prosody:prosody:no\ndb:5432:prosody:prosody:first\ndb:*:*:prosody:second\n*:*:*:*:any\n",
            0o600,
        );
        assert_eq!(
            lookup(&path, &target("db", 5432, "prosody", "prosody")),
            found("first")
        );
        assert_eq!(
            lookup(&path, &target("db", 6432, "xmpp", "prosody")),
            found("second")
        );
        assert_eq!(lookup(&path, &target("x", 1, "y", "z")), found("any"));
    }

    #[test]
    fn escapes_and_colons_in_the_password() {
        let (_dir, path) = file("h\\:x:5432:d:u:pa\\:ss:wo\\\\rd\n", 0o600);
        assert_eq!(
            lookup(&path, &target("h:x", 5432, "d", "u")),
            found("pa:ss:wo\\rd")
        );
        assert_eq!(
            lookup(&path, &target("h", 5432, "d", "u")),
            Lookup::NotFound
        );
    }

    #[test]
    fn a_socket_in_the_default_folder_is_localhost() {
        let (_dir, path) = file("localhost:5432:d:u:local\n", 0o600);
        let socket = PgTarget::from_url_with_env("postgres://u@/d", |_| None).unwrap();
        assert_eq!(lookup(&path, &socket), found("local"));
    }

    #[test]
    fn a_file_others_can_read_is_not_used() {
        let (_dir, path) = file("*:*:*:*:secret\n", 0o644);
        assert_eq!(
            lookup(&path, &target("h", 1, "d", "u")),
            Lookup::Ignored(path.clone())
        );
    }

    #[test]
    fn short_lines_and_missing_files_find_nothing() {
        let (_dir, path) = file("h:5432:d\n\n", 0o600);
        assert_eq!(
            lookup(&path, &target("h", 5432, "d", "u")),
            Lookup::NotFound
        );
        assert_eq!(
            lookup(Path::new("/nonexistent/pgpass"), &target("h", 1, "d", "u")),
            Lookup::NotFound
        );
    }
}
