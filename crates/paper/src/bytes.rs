//! Length-checked, little-endian fields on and off a byte slice: the journal's own binary
//! formats (`log` frames, `order_codec` rows) and snapshot images' orders and fills
//! (`engine::image_codec`). In reading, `None` means the bytes ran out.

use chrono::{DateTime, Utc};

/// Appends `part` as `ByteReader::part` reads it: `len: u32` and the bytes. `None` (nothing
/// appended) for a part longer than a `u32` counts.
pub(crate) fn put_part(out: &mut Vec<u8>, part: &[u8]) -> Option<()> {
    let n = u32::try_from(part.len()).ok()?;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(part);
    Some(())
}

/// Appends a timestamp as `ByteReader::time` reads it: seconds `i64`, then nanoseconds `u32`.
pub(crate) fn put_time(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    out.extend_from_slice(&t.timestamp().to_le_bytes());
    out.extend_from_slice(&t.timestamp_subsec_nanos().to_le_bytes());
}

pub(crate) struct ByteReader<'a>(&'a [u8]);

impl<'a> ByteReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self(bytes)
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    pub(crate) fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// A `len: u32` and that many bytes.
    pub(crate) fn part(&mut self) -> Option<&'a [u8]> {
        let n = u32::from_le_bytes(self.array()?);
        self.take(usize::try_from(n).ok()?)
    }

    /// A part (`part`) that must be UTF-8: `Some(Err)` when it is not.
    pub(crate) fn str(&mut self) -> Option<Result<&'a str, std::str::Utf8Error>> {
        self.part().map(std::str::from_utf8)
    }

    /// A timestamp `put_time` wrote: `Some(None)` when it is out of chrono's range.
    pub(crate) fn time(&mut self) -> Option<Option<DateTime<Utc>>> {
        let secs = i64::from_le_bytes(self.array()?);
        let nanos = u32::from_le_bytes(self.array()?);
        Some(DateTime::from_timestamp(secs, nanos))
    }

    pub(crate) fn remaining(&self) -> usize {
        self.0.len()
    }
}
