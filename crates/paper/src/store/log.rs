//! The journal's entries: append-only segment files beside the SQLite database.
//!
//! An SQLite commit cost ~14 µs (page images into the WAL, shared-memory locks, a checkpoint
//! thread copying pages back), two thirds of what the exchange spent on an order besides the
//! network. A batch here is one `write` of one frame (and one `fdatasync` for full
//! durability). SQLite keeps what changes rarely: the engine configuration and snapshots.
//!
//! A segment `journal-<first entry number>.log` starts with `MAGIC`; each frame is
//! `len: u32 | crc32(payload): u32 | payload`, the payload
//! `version: u8 | first entry number: i64 | count: u32 | count × (cmd_len: u32 | cmd | events_len: u32 | events)`,
//! integers little-endian. A frame is one batch, so a batch is kept whole or not at all.
//!
//! A crash mid-write leaves a frame cut short (or its checksum wrong) at the end of the newest
//! segment: nothing of that batch was acknowledged, so opening cuts it off. A bad frame with
//! anything after it is damage, not a crash: opening (or replay) refuses with where it is,
//! rather than guess. Saving a snapshot starts a new segment and deletes the segments the
//! snapshot covers entirely. One process at a time: `journal.lock` is locked while open.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::StoreError;
use super::io_error as io;
use crate::bytes::{ByteReader, put_part};

const MAGIC: &[u8; 8] = b"BDJLOG1\n";
const FRAME_V1: u8 = 1;
/// Larger than any batch the exchange writes (`MAX_BATCH` commands of at most a few KiB);
/// a longer length field is damage, not data.
const MAX_FRAME: u32 = 256 << 20;
const HEADER: usize = 8;
const LOCK_WAIT: Duration = Duration::from_secs(2);
const LOCK_POLL: Duration = Duration::from_millis(20);

/// A segment and the first entry number it holds (or would hold).
#[derive(Clone, Debug)]
struct Segment {
    first: i64,
    path: PathBuf,
}

pub(super) struct Log {
    dir: PathBuf,
    sync: bool,
    /// Oldest first; the last one is `file`.
    segments: Vec<Segment>,
    file: File,
    /// Bytes of whole frames in `file`: where the next frame goes.
    len: u64,
    /// The number of the last entry in the log (`first - 1` of the newest segment if none).
    last: i64,
    frame: Vec<u8>,
    /// Held while the log is open (released when the file closes).
    _lock: File,
}

/// One entry read back: its number, command bytes and events digest.
pub(super) struct Entry {
    pub(super) seq: i64,
    pub(super) command: Vec<u8>,
    pub(super) events: Vec<u8>,
}

fn damaged(path: &Path, offset: u64, what: &str) -> StoreError {
    StoreError::Damaged {
        path: path.to_owned(),
        offset,
        what: what.to_owned(),
    }
}

fn segment_name(first: i64) -> String {
    format!("journal-{first:020}.log")
}

fn parse_segment_name(name: &str) -> Option<i64> {
    super::numbered(name, "journal-", ".log")
}

impl Log {
    /// Opens the log in `dir`; entries will be numbered after `after` if it has none yet (a
    /// new journal, or one whose entries are still in SQLite rows).
    pub(super) fn open(dir: &Path, after: i64, sync: bool) -> Result<Self, StoreError> {
        let lock_path = dir.join("journal.lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        // A sandbox that just stopped may still be closing its journal on its own thread.
        let mut waited = Duration::ZERO;
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if waited < LOCK_WAIT => {
                    std::thread::sleep(LOCK_POLL);
                    waited += LOCK_POLL;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::InUse(dir.to_owned()));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(&lock_path)(e)),
            }
        }
        let mut segments = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            if let Some(first) = entry.file_name().to_str().and_then(parse_segment_name) {
                segments.push(Segment {
                    first,
                    path: entry.path(),
                });
            }
        }
        segments.sort_by_key(|s| s.first);
        let newest = match segments.last() {
            Some(s) => s.clone(),
            None => {
                let first = after.checked_add(1).ok_or(StoreError::NumbersExhausted)?;
                let s = Segment {
                    first,
                    path: dir.join(segment_name(first)),
                };
                create_segment(&s.path, dir, sync)?;
                segments.push(s.clone());
                s
            }
        };
        let (len, last) = recover_tail(&newest, sync)?;
        let file = OpenOptions::new()
            .append(true)
            .open(&newest.path)
            .map_err(io(&newest.path))?;
        Ok(Self {
            dir: dir.to_owned(),
            sync,
            segments,
            file,
            len,
            last,
            frame: Vec::new(),
            _lock: lock,
        })
    }

    /// The number of the last entry written (`after` given to `open` if none ever was).
    pub(super) fn last(&self) -> i64 {
        self.last
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends one batch as one frame, numbered from `last() + 1`; durable once it returns.
    pub(super) fn append(&mut self, entries: &[(Vec<u8>, Vec<u8>)]) -> Result<i64, StoreError> {
        let count = u32::try_from(entries.len()).map_err(|_| StoreError::BatchTooLarge)?;
        let first = self
            .last
            .checked_add(1)
            .ok_or(StoreError::NumbersExhausted)?;
        let last = self
            .last
            .checked_add(i64::from(count))
            .ok_or(StoreError::NumbersExhausted)?;
        let frame = &mut self.frame;
        frame.clear();
        frame.extend_from_slice(&[0; HEADER]);
        frame.push(FRAME_V1);
        frame.extend_from_slice(&first.to_le_bytes());
        frame.extend_from_slice(&count.to_le_bytes());
        for (cmd, events) in entries {
            for part in [cmd, events] {
                put_part(frame, part).ok_or(StoreError::BatchTooLarge)?;
            }
        }
        let payload_len = u32::try_from(frame.len() - HEADER)
            .ok()
            .filter(|n| *n <= MAX_FRAME)
            .ok_or(StoreError::BatchTooLarge)?;
        let crc = crc32fast::hash(&frame[HEADER..]);
        frame[..4].copy_from_slice(&payload_len.to_le_bytes());
        frame[4..HEADER].copy_from_slice(&crc.to_le_bytes());
        let path = &self.segments[self.segments.len() - 1].path;
        let written = self.file.write_all(frame).and_then(|()| {
            if self.sync {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            // A frame cut short must not sit before the next one (that would read as damage):
            // take it back. If even that fails the file keeps a torn tail, which reopening
            // cuts off; the caller reopens after a failed write.
            let _ = self.file.set_len(self.len);
            return Err(io(path)(e));
        }
        self.len += frame.len() as u64;
        self.last = last;
        Ok(last)
    }

    /// Starts a new segment (unless the newest is still empty), then deletes every older
    /// segment whose entries all have numbers up to `covered` (a snapshot holds them).
    pub(super) fn rotate_and_prune(&mut self, covered: i64) -> Result<(), StoreError> {
        let newest_first = self.segments.last().map_or(self.last + 1, |s| s.first);
        if self.last >= newest_first {
            let s = Segment {
                first: self.last + 1,
                path: self.dir.join(segment_name(self.last + 1)),
            };
            create_segment(&s.path, &self.dir, self.sync)?;
            self.file = OpenOptions::new()
                .append(true)
                .open(&s.path)
                .map_err(io(&s.path))?;
            self.len = HEADER as u64;
            self.segments.push(s);
        }
        // Segment i ends where segment i + 1 begins.
        let mut drop = 0;
        while drop + 1 < self.segments.len() && self.segments[drop + 1].first - 1 <= covered {
            drop += 1;
        }
        for s in self.segments.drain(..drop) {
            if let Err(e) = std::fs::remove_file(&s.path)
                && e.kind() != ErrorKind::NotFound
            {
                // Left over, it is skipped by replay and deleted by the next snapshot.
                tracing::warn!(path = %s.path.display(), error = %e, "old journal segment not deleted");
            }
        }
        if drop > 0 && self.sync {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Every entry numbered after `after`, oldest first, to `each`. Checks that numbers run
    /// on without a gap from the first segment on.
    pub(super) fn read(
        &self,
        after: i64,
        mut each: impl FnMut(Entry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut expected: Option<i64> = None;
        for (i, s) in self.segments.iter().enumerate() {
            // The newest segment's whole frames end at `len` (its tail was checked at open).
            let size = match i + 1 == self.segments.len() {
                true => self.len,
                false => std::fs::metadata(&s.path).map_err(io(&s.path))?.len(),
            };
            let next = expected.unwrap_or(s.first);
            if s.first != next {
                return Err(damaged(&s.path, 0, "entry numbers skip between segments"));
            }
            expected = Some(next);
            let whole = read_segment(s, size, |frame_first, entries| {
                if Some(frame_first) != expected {
                    return Err(damaged(&s.path, 0, "entry numbers skip"));
                }
                let mut seq = frame_first;
                for (command, events) in entries {
                    if seq > after {
                        each(Entry {
                            seq,
                            command,
                            events,
                        })?;
                    }
                    seq += 1;
                }
                expected = Some(seq);
                Ok(())
            })?;
            if whole < size {
                return Err(damaged(&s.path, whole, "batch cut short"));
            }
        }
        Ok(())
    }
}

/// Creates an empty segment durably: its header, then (full durability) its directory entry.
fn create_segment(path: &Path, dir: &Path, sync: bool) -> Result<(), StoreError> {
    let mut f = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(path)
        .map_err(io(path))?;
    f.write_all(MAGIC).map_err(io(path))?;
    if sync {
        f.sync_all().map_err(io(path))?;
        sync_dir(dir)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// Reads the newest segment to its end, cutting off a torn last frame; returns the length of
/// its whole frames and the number of its last entry.
fn recover_tail(s: &Segment, sync: bool) -> Result<(u64, i64), StoreError> {
    let size = std::fs::metadata(&s.path).map_err(io(&s.path))?.len();
    if size < HEADER as u64 {
        // Created but its header never fully written: an empty segment.
        let mut f = cut(&s.path, 0, false)?;
        f.write_all(MAGIC).map_err(io(&s.path))?;
        if sync {
            f.sync_all().map_err(io(&s.path))?;
        }
        return Ok((HEADER as u64, s.first - 1));
    }
    let mut last = s.first - 1;
    let whole = read_segment(s, size, |first, entries| {
        if first != last + 1 {
            return Err(damaged(&s.path, 0, "entry numbers skip"));
        }
        last = first + entries.len() as i64 - 1;
        Ok(())
    })?;
    if whole < size {
        // Only a crash mid-write leaves this, and that batch was never acknowledged; the
        // bytes are still kept aside, in case it was something else.
        let aside = s.path.with_extension(format!("log.cut-{whole}"));
        let bytes = std::fs::read(&s.path).map_err(io(&s.path))?;
        let tail = bytes.get(whole as usize..).unwrap_or_default();
        std::fs::write(&aside, tail).map_err(io(&aside))?;
        tracing::warn!(
            path = %s.path.display(),
            kept = whole,
            cut = size - whole,
            aside = %aside.display(),
            "the journal's last batch was cut short by a crash; it was never acknowledged, set aside"
        );
        cut(&s.path, whole, sync)?;
    }
    Ok((whole, last))
}

/// Shortens a file to `len` bytes (durably if `sync`); returns it open for writing there.
fn cut(path: &Path, len: u64, sync: bool) -> Result<File, StoreError> {
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io(path))?;
    f.set_len(len).map_err(io(path))?;
    f.seek(SeekFrom::Start(len)).map_err(io(path))?;
    if sync {
        f.sync_all().map_err(io(path))?;
    }
    Ok(f)
}

type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Reads the frames in the first `size` bytes of a segment to `frame`; returns the length of
/// the whole frames. It stops early at a frame that does not read whole (cut short, or its
/// checksum wrong with nothing after it: a torn write); the caller says what that means. A bad
/// checksum with data after it is damage.
fn read_segment(
    s: &Segment,
    size: u64,
    mut frame: impl FnMut(i64, Entries) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let file = File::open(&s.path).map_err(io(&s.path))?;
    let mut r = BufReader::with_capacity(1 << 16, file.take(size));
    let mut magic = [0u8; HEADER];
    if read_full(&mut r, &mut magic).map_err(io(&s.path))? < HEADER || &magic != MAGIC {
        return Err(damaged(&s.path, 0, "not a journal segment (header)"));
    }
    let mut at = HEADER as u64;
    let mut payload = Vec::new();
    loop {
        let mut head = [0u8; HEADER];
        match read_full(&mut r, &mut head).map_err(io(&s.path))? {
            0 => return Ok(at),
            n if n < HEADER => return Ok(at),
            _ => {}
        }
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let end = at + HEADER as u64 + u64::from(len);
        if len > MAX_FRAME || end > size {
            return Ok(at);
        }
        payload.resize(len as usize, 0);
        r.read_exact(&mut payload).map_err(io(&s.path))?;
        if crc32fast::hash(&payload) != crc {
            return match end == size {
                true => Ok(at),
                false => Err(damaged(&s.path, at, "checksum mismatch")),
            };
        }
        let (first, entries) =
            decode_payload(&payload).ok_or_else(|| damaged(&s.path, at, "malformed batch"))?;
        frame(first, entries)?;
        at = end;
    }
}

/// Reads until `buf` is full or the input ends; returns how much it read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn decode_payload(p: &[u8]) -> Option<(i64, Entries)> {
    let mut cur = ByteReader::new(p);
    if cur.byte()? != FRAME_V1 {
        return None;
    }
    let first = i64::from_le_bytes(cur.array()?);
    let count = u32::from_le_bytes(cur.array()?);
    // Each entry takes at least 8 bytes: a count larger than that allows is damage.
    if u64::from(count) * 8 > cur.remaining() as u64 {
        return None;
    }
    let mut entries = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let cmd = cur.part()?.to_vec();
        let events = cur.part()?.to_vec();
        entries.push((cmd, events));
    }
    if cur.remaining() != 0 || first.checked_add(i64::from(count)).is_none() {
        return None;
    }
    Some((first, entries))
}

#[cfg(test)]
#[path = "log_tests.rs"]
mod tests;
