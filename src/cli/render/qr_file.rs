//! Where `--qr-file` writes QR images, and writing them so that none
//! appears unless every one was made.
//!
//! A destination is a file (one invite), a folder (one `TOKEN.png` per
//! invite) or a pattern naming each file with `{n}` (the invite's number,
//! from 1, zero-padded) and `{token}`. Images are first written as hidden
//! temporary files beside their final names; [`Staged::publish`] renames
//! them into place, and dropping a [`Staged`] removes them.

use std::io::Write;
use std::path::{Path, PathBuf};

use invitectl::{Error, Token};
use tempfile::TempPath;

use super::qr::{ImageFormat, Qr};
use crate::cli::UsageError;

/// Where QR images go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// One file, for one invite.
    File(PathBuf, ImageFormat),
    /// A folder: one PNG per invite, named by its token.
    Folder(PathBuf),
    /// A file name with `{n}` or `{token}` in it.
    Pattern(String, ImageFormat),
}

impl Destination {
    /// Reads a `--qr-file` argument for `count` invites. A path that is a
    /// folder, or ends in `/`, is a folder; one with `{n}` or `{token}` is
    /// a pattern; any other is one file, which only suits one invite.
    pub fn parse(path: &Path, count: u64) -> Result<Destination, UsageError> {
        let refuse = |reason: &str| UsageError(format!("{}: {reason}", path.display()));
        if path.as_os_str().is_empty() {
            return Err(refuse("an empty file name"));
        }
        let text = path.to_str();
        if path.is_dir() || text.is_some_and(|t| t.ends_with('/')) {
            return Ok(Destination::Folder(path.to_owned()));
        }
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let named = folder
                .to_str()
                .is_some_and(|f| f.contains("{n}") || f.contains("{token}"));
            if !named && !folder.is_dir() {
                return Err(refuse(&format!("no folder {}", folder.display())));
            }
        }
        if let Some(text) = text.filter(|t| t.contains("{n}") || t.contains("{token}")) {
            let format = ImageFormat::from_path(Path::new(text))?;
            return Ok(Destination::Pattern(text.to_owned(), format));
        }
        if count > 1 {
            return Err(refuse(
                "with --count, give a folder or a pattern with {n} or {token}, e.g. qr/invite-{n}.png",
            ));
        }
        Ok(Destination::File(
            path.to_owned(),
            ImageFormat::from_path(path)?,
        ))
    }

    /// The file for invite number `n` (from 1) of `count`.
    pub fn path_for(&self, n: u64, count: u64, token: &Token) -> PathBuf {
        match self {
            Destination::File(path, _) => path.clone(),
            Destination::Folder(folder) => folder.join(format!("{token}.png")),
            Destination::Pattern(pattern, _) => {
                let digits = count.to_string().len();
                PathBuf::from(
                    pattern
                        .replace("{n}", &format!("{n:0digits$}"))
                        .replace("{token}", token.as_str()),
                )
            }
        }
    }

    /// The image format.
    pub fn format(&self) -> ImageFormat {
        match self {
            Destination::File(_, format) | Destination::Pattern(_, format) => *format,
            Destination::Folder(_) => ImageFormat::Png,
        }
    }

    /// The folders the images go into, made when a folder destination
    /// does not exist yet.
    pub fn prepare(&self) -> invitectl::Result<()> {
        if let Destination::Folder(folder) = self {
            std::fs::create_dir_all(folder).map_err(|source| Error::Io {
                path: folder.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// Images written under temporary names, waiting to be published.
#[derive(Default)]
pub struct Staged {
    files: Vec<(TempPath, PathBuf)>,
}

impl Staged {
    /// Draws `link` and writes it beside `path` under a temporary name.
    pub fn stage(&mut self, link: &str, path: PathBuf, format: ImageFormat) -> anyhow::Result<()> {
        let bytes = Qr::new(link)?.image(format)?;
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            return Err(UsageError(format!(
                "{}: no folder {}",
                path.display(),
                folder.display()
            ))
            .into());
        }
        let mut file = tempfile::Builder::new()
            .prefix(".invitectl-qr-")
            .suffix(".tmp")
            .tempfile_in(folder)
            .map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        // Closed now: a thousand images must not hold a thousand files open.
        self.files.push((file.into_temp_path(), path));
        Ok(())
    }

    /// Renames every staged image to its name, replacing what was there.
    pub fn publish(self) -> invitectl::Result<()> {
        for (temp, path) in self.files {
            temp.persist(&path).map_err(|e| Error::Io {
                path,
                source: e.error,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Token {
        Token::parse("ukwQ_kgBSGa5rFmRZCz62XxG").unwrap()
    }

    #[test]
    fn destinations() {
        let parse = |p: &str, n| Destination::parse(Path::new(p), n);
        assert_eq!(
            parse("a.png", 1).unwrap(),
            Destination::File("a.png".into(), ImageFormat::Png)
        );
        assert_eq!(
            parse("a.png", 2).unwrap_err().0,
            "a.png: with --count, give a folder or a pattern with {n} or {token}, e.g. qr/invite-{n}.png"
        );
        assert!(parse("a.gif", 1).is_err());
        assert!(parse("", 1).is_err());
        assert!(parse("i-{n}.gif", 2).is_err());
        assert!(parse("no/such/folder/a.png", 1).is_err());
        let folder = parse("out/", 3).unwrap();
        assert_eq!(folder.format(), ImageFormat::Png);
        assert_eq!(
            folder.path_for(2, 3, &token()),
            Path::new("out/ukwQ_kgBSGa5rFmRZCz62XxG.png")
        );
        let pattern = parse("{n}/i-{n}-{token}.SVG", 100).unwrap();
        assert_eq!(pattern.format(), ImageFormat::Svg);
        assert_eq!(
            pattern.path_for(7, 100, &token()),
            Path::new("007/i-007-ukwQ_kgBSGa5rFmRZCz62XxG.SVG")
        );
    }

    #[test]
    fn staged_images_appear_only_when_published() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.svg");
        let mut staged = Staged::default();
        staged
            .stage("xmpp:example.com", path.clone(), ImageFormat::Svg)
            .unwrap();
        assert!(!path.exists());
        staged.publish().unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("<?xml"));
        let mut dropped = Staged::default();
        dropped
            .stage(
                "xmpp:example.com",
                dir.path().join("b.png"),
                ImageFormat::Png,
            )
            .unwrap();
        drop(dropped);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "only a.svg is left");
    }
}
