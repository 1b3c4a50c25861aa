//! Crash-safe file replacement: after a crash at any instant the path holds the old bytes or the
//! new bytes, never a mix and never nothing.

use crate::error::VaultError;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Suffix of our temporary files, so that a later writer can sweep up after a crash.
pub(crate) const TMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to a fresh temp file beside `path`, fsyncs it, renames it over `path`, then
/// fsyncs the directory so that the rename itself is durable.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let dir = parent(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}{TMP_SUFFIX}",
        uuid::Uuid::new_v4().simple()
    ));
    let result = write_tmp(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| VaultError::io(format!("could not write {}", path.display()), e));
    if result.is_err() {
        // Best effort: the temp file is garbage whether or not this succeeds.
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(dir)
}

fn write_tmp(tmp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes renames and unlinks in `dir` durable. A no-op where directories cannot be opened (Windows).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| VaultError::io(format!("could not sync {}", dir.display()), e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// fsyncs one file (used for files another library wrote).
pub(crate) fn sync_file(path: &Path) -> Result<(), VaultError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| VaultError::io(format!("could not sync {}", path.display()), e))
}

fn parent(path: &Path) -> Result<&Path, VaultError> {
    path.parent().ok_or_else(|| {
        VaultError::InvalidInput(format!("{} has no parent directory", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write(&path, b"old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("f")]);
    }

    #[test]
    fn failed_write_keeps_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write(&path, b"old").unwrap();
        // A directory in the way makes the rename fail after the temp file was written.
        let blocked = dir.path().join("sub");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("x"), b"x").unwrap();
        assert!(write(&blocked, b"new").is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert!(fs::read_dir(dir.path()).unwrap().all(|e| {
            !e.unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(TMP_SUFFIX)
        }));
    }
}
