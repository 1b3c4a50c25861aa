//! A file's identity and version as the file system reports it, without reading the file.
//!
//! Every vault file is replaced by an atomic rename, so a changed file is a new inode with a new
//! change time: two equal stamps mean the same bytes. The vault keeps what it last decoded in
//! memory under these stamps, so a call that finds them unchanged (the common case: the app asks
//! "may I read?" many times a second) neither reads nor decrypts, and a file another process
//! (the CLI) replaced is still seen at once.

use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified_ns: i128,
    #[cfg(unix)]
    device: u64,
    #[cfg(unix)]
    inode: u64,
    #[cfg(unix)]
    changed_ns: i128,
}

/// The stamp of `path`, or `None` when it cannot be read (then nothing is trusted from memory).
pub(crate) fn of(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    let modified_ns = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            len: meta.len(),
            modified_ns: i128::try_from(modified_ns).ok()?,
            device: meta.dev(),
            inode: meta.ino(),
            changed_ns: i128::from(meta.ctime())
                .checked_mul(1_000_000_000)?
                .checked_add(i128::from(meta.ctime_nsec()))?,
        })
    }
    #[cfg(not(unix))]
    {
        Some(Stamp {
            len: meta.len(),
            modified_ns: i128::try_from(modified_ns).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_has_another_stamp_even_with_the_same_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"aaaa").unwrap();
        let first = of(&path).unwrap();
        assert_eq!(of(&path), Some(first), "unchanged file, same stamp");
        let tmp = dir.path().join("f.tmp");
        std::fs::write(&tmp, b"bbbb").unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        assert_ne!(of(&path), Some(first));
        assert_eq!(of(&dir.path().join("missing")), None);
    }
}
