//! Snapshot images as files beside the segment files: `snapshot-<entry number>.json`, the
//! image of the state after that entry.
//!
//! Since the twenty-second round an image is binary after a JSON head (`server::image`), but
//! keeps this name: versions before look only for it, and under another name they would not
//! see the image and would rebuild from the journal alone, without the entries it covered. Under
//! this one they refuse it, naming the file.
//!
//! An image is streamed to its file as it is encoded. Held as one string first, a 375 MB image
//! (500 k orders) spent most of its encoding in the kernel zeroing fresh pages for the growing
//! string, and SQLite copied it once more to store it, all beside an exchange under load.
//!
//! A file is written under a `.partial` name, synced, then renamed (and its directory synced):
//! an image is whole or absent, since the segment files it covers are deleted once it is saved.
//! Older images and `.partial` files left by a crash are deleted after a newer one is in place.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::StoreError;
use super::io_error as io;

const PREFIX: &str = "snapshot-";
const SUFFIX: &str = ".json";
const PARTIAL: &str = ".partial";
/// The encoder's writes (many, small) are gathered into this much before each `write`.
const BUFFER: usize = 1 << 20;

fn name(seq: i64) -> String {
    format!("{PREFIX}{seq:020}{SUFFIX}")
}

fn parse_name(name: &str) -> Option<i64> {
    super::numbered(name, PREFIX, SUFFIX)
}

/// Where the image covering entries up to `seq` is (or would be) saved.
pub(super) fn path(dir: &Path, seq: i64) -> PathBuf {
    dir.join(name(seq))
}

/// The saved images in `dir` and the entry each covers, oldest first.
pub(super) fn list(dir: &Path) -> Result<Vec<(i64, PathBuf)>, StoreError> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        if let Some(seq) = entry.file_name().to_str().and_then(parse_name) {
            found.push((seq, entry.path()));
        }
    }
    found.sort_by_key(|(seq, _)| *seq);
    Ok(found)
}

/// The newest saved image: the entry it covers and its bytes.
pub(super) fn newest(dir: &Path) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
    let Some((seq, path)) = list(dir)?.pop() else {
        return Ok(None);
    };
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    Ok(Some((seq, bytes)))
}

/// Writes the image covering entries up to `seq` with `encode`, durably, then deletes older
/// images and leftovers. An error from `encode` leaves no image behind.
pub(super) fn save(
    dir: &Path,
    seq: i64,
    encode: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), StoreError> {
    let done = path(dir, seq);
    let partial = dir.join(format!("{}{PARTIAL}", name(seq)));
    let written = File::create(&partial).and_then(|file| {
        let mut out = BufWriter::with_capacity(BUFFER, file);
        encode(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(io(&partial)(e));
    }
    std::fs::rename(&partial, &done).map_err(io(&done))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    remove_older(dir, seq);
    Ok(())
}

/// Deletes images older than `seq` and every `.partial` file (a crash's, or a failed save's).
/// Left over, an old image is only disk space: the newest one is read.
pub(super) fn remove_older(dir: &Path, seq: i64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let stale = match parse_name(file_name) {
            Some(s) => s < seq,
            None => file_name.starts_with(PREFIX) && file_name.ends_with(PARTIAL),
        };
        if stale && let Err(e) = std::fs::remove_file(entry.path()) {
            tracing::warn!(path = %entry.path().display(), error = %e, "old snapshot not deleted");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_strangers_are_ignored() {
        assert_eq!(parse_name(&name(42)), Some(42));
        assert_eq!(parse_name("snapshot-.json"), None);
        assert_eq!(parse_name("snapshot-12a.json"), None);
        assert_eq!(parse_name(&format!("{}{PARTIAL}", name(3))), None);
        assert_eq!(parse_name("journal-00000000000000000001.log"), None);
    }

    #[test]
    fn the_newest_image_wins_and_older_ones_go() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(newest(dir.path()).unwrap(), None);
        save(dir.path(), 5, |w| w.write_all(b"{\"a\":5}")).unwrap();
        save(dir.path(), 9, |w| w.write_all(b"{\"a\":9}")).unwrap();
        assert_eq!(
            newest(dir.path()).unwrap(),
            Some((9, b"{\"a\":9}".to_vec()))
        );
        let seqs: Vec<i64> = list(dir.path())
            .unwrap()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(seqs, vec![9]);
    }

    /// An encoder that fails halfway (or a crash) leaves the last whole image as the newest,
    /// and the half-written file is not taken for one.
    #[test]
    fn a_failed_save_leaves_the_previous_image() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), 5, |w| w.write_all(b"{}")).unwrap();
        let failed = save(dir.path(), 9, |w| {
            w.write_all(&[b'x'; 3 * BUFFER])?;
            Err(std::io::Error::other("the encoder gave up"))
        });
        assert!(matches!(failed, Err(StoreError::Io { .. })), "{failed:?}");
        assert_eq!(newest(dir.path()).unwrap(), Some((5, b"{}".to_vec())));
        // What a crash mid-write leaves: a partial file, skipped, then removed.
        let crashed = dir.path().join(format!("{}{PARTIAL}", name(12)));
        std::fs::write(&crashed, b"{\"cut").unwrap();
        assert_eq!(newest(dir.path()).unwrap(), Some((5, b"{}".to_vec())));
        remove_older(dir.path(), 5);
        assert!(!crashed.exists());
        assert_eq!(list(dir.path()).unwrap().len(), 1);
    }
}
