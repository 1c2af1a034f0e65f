//! Which file a SQLite database is. A connection keeps writing into the file it opened even after
//! that file is deleted or replaced on disk (a restore, a `mv`), and everything written from then
//! on is lost; the device and inode recorded at connect time tell that apart from the file now at
//! the path.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The file a SQLite database was opened as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl FileIdentity {
    /// The identity of the file at `path` now; `None` when there is no such file.
    pub fn of(path: &Path) -> Option<FileIdentity> {
        let meta = std::fs::metadata(path).ok()?;
        Some(FileIdentity { path: path.to_owned(), dev: meta.dev(), ino: meta.ino() })
    }

    /// `Err` with what happened when the path no longer holds this file.
    pub fn still_there(&self) -> Result<(), String> {
        match FileIdentity::of(&self.path) {
            None => Err(format!(
                "the database file {} was deleted under b24ops: writes are refused (restart b24ops on a new file)",
                self.path.display()
            )),
            Some(now) if now != *self => Err(format!(
                "the database file {} was replaced under b24ops: writes are refused (restart b24ops to use the new file)",
                self.path.display()
            )),
            Some(_) => Ok(()),
        }
    }
}

/// The file path inside a `sqlite://` URL (`None` for an in-memory database).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split_once('?').map(|(p, _)| p).unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_or_replaced_file_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        std::fs::write(&path, b"one").unwrap();
        let id = FileIdentity::of(&path).unwrap();
        assert!(id.still_there().is_ok());
        let other = dir.path().join("b.db");
        std::fs::write(&other, b"two").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert!(id.still_there().unwrap_err().contains("replaced"));
        std::fs::remove_file(&path).unwrap();
        assert!(id.still_there().unwrap_err().contains("deleted"));
        assert_eq!(sqlite_path("sqlite:///x/y.db?mode=rw"), Some(PathBuf::from("/x/y.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
