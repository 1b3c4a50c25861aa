//! An append-only list in fixed-capacity chunks, for the engine's ever-growing records (orders,
//! fills). A growing `Vec` copies everything it holds each time it doubles (for orders that
//! was a fifth of the engine's time in the round-trip bench, for fills a tenth); a new chunk
//! copies nothing.
//!
//! Chunks are shared copy-on-write: a snapshot's image (`share`) holds them in time
//! proportional to the number of chunks, not of items, and a chunk written while an image
//! still holds it is copied once (1,024 items), so the exchange never pauses to copy its whole
//! state. The uniqueness test before a write is a plain load (`triomphe`).

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::marker::PhantomData;
use triomphe::Arc;

/// Items per chunk (orders are ~460 B: ~460 KB a chunk).
const CHUNK: usize = 1024;

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Chunked<T> {
    /// Every chunk but the last is full; none grows past `CHUNK`, so none ever reallocates.
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

/// The items of a `Chunked` as they were when shared: later writes to the list copy the chunks
/// they touch and leave these as they are.
#[derive(Clone, Debug)]
pub(super) struct Shared<T> {
    chunks: Vec<Arc<Vec<T>>>,
}

impl<T> Shared<T> {
    /// Oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &T> + Clone + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Item `i` (every chunk but the last is full, as in the list it was shared from).
    pub(super) fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK).and_then(|c| c.get(i % CHUNK))
    }

    pub(super) fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).sum()
    }
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

/// The chunk, writable: copied first (with its full capacity) if an image still shares it.
#[inline]
fn unshared<T: Clone>(chunk: &mut Arc<Vec<T>>) -> &mut Vec<T> {
    if !chunk.is_unique() {
        let mut copy = Vec::with_capacity(CHUNK);
        copy.extend(chunk.iter().cloned());
        *chunk = Arc::new(copy);
    }
    Arc::make_mut(chunk)
}

impl<T> Chunked<T> {
    pub(super) fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK).and_then(|c| c.get(i % CHUNK))
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Oldest first.
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// The items as they are now, for an image taken on one thread and read on another.
    pub(super) fn share(&self) -> Shared<T> {
        Shared {
            chunks: self.chunks.clone(),
        }
    }
}

impl<T: Clone> Chunked<T> {
    pub(super) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks
            .get_mut(i / CHUNK)
            .and_then(|c| unshared(c).get_mut(i % CHUNK))
    }

    /// Appends `item`; returns its index. Inlined so a large item is copied once, into its
    /// slot, not first into this call's argument.
    #[inline]
    pub(super) fn push(&mut self, item: T) -> usize {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => unshared(c).push(item),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(item);
                self.chunks.push(Arc::new(c));
            }
        }
        self.len += 1;
        self.len - 1
    }

    /// Keeps the items `keep` accepts, in their order.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        *self = std::mem::take(self)
            .into_iter()
            .filter(|t| keep(t))
            .collect();
    }
}

impl<T: Clone> IntoIterator for Chunked<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    /// The items by value: a chunk an image still shares is copied, the rest are moved.
    fn into_iter(self) -> Self::IntoIter {
        self.chunks
            .into_iter()
            .map(|c| Arc::try_unwrap(c).unwrap_or_else(|c| Vec::clone(&c)))
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
    }
}

impl<T: Clone> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut c = Self::default();
        for item in iter {
            c.push(item);
        }
        c
    }
}

/// Encoded as a plain sequence (a snapshot's list of orders or fills).
impl<T: Serialize> Serialize for Chunked<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.chunks.iter().flat_map(|c| c.iter()))
    }
}

/// Read from a plain sequence straight into chunks: read into a `Vec` first, a restart's
/// 640 k orders (300 MB) were copied at each of the `Vec`'s doublings, into fresh pages the
/// kernel zeroed first (a third of the restart), and once more into the store.
impl<'de, T: Deserialize<'de> + Clone> Deserialize<'de> for Chunked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Clone> Visitor<'de> for Items<T> {
            type Value = Chunked<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Chunked::default();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(items)
            }
        }
        d.deserialize_seq(Items(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list is written as the plain sequence of its items and read back into the chunks
    /// pushing them would give (each full but the last).
    #[test]
    fn a_list_is_a_plain_sequence_and_reads_back_into_full_chunks() {
        for n in [0, 1, CHUNK, CHUNK + 1, CHUNK * 2 + 5] {
            let items: Vec<usize> = (0..n).collect();
            let list: Chunked<usize> = items.iter().copied().collect();
            let text = serde_json::to_string(&list).unwrap();
            assert_eq!(text, serde_json::to_string(&items).unwrap());
            let read: Chunked<usize> = serde_json::from_str(&text).unwrap();
            assert_eq!(read, list, "{n}");
            assert_eq!(read.len(), n);
            assert_eq!(read.chunks.len(), n.div_ceil(CHUNK));
            assert!(read.chunks.iter().all(|k| k.capacity() == CHUNK));
        }
        assert!(serde_json::from_str::<Chunked<usize>>("{\"a\":1}").is_err());
        assert!(serde_json::from_str::<Chunked<usize>>("[1,\"x\"]").is_err());
    }

    #[test]
    fn items_keep_their_order_and_index_across_chunks_and_retain() {
        let n = CHUNK * 2 + 5;
        let mut c: Chunked<usize> = (0..n).collect();
        assert_eq!(c.len(), n);
        assert_eq!(c.chunks.len(), 3);
        assert!(c.chunks.iter().all(|k| k.capacity() == CHUNK));
        assert!(c.iter().copied().eq(0..n));
        assert_eq!(c.get(CHUNK + 3), Some(&(CHUNK + 3)));
        assert_eq!(c.get(n), None);
        *c.get_mut(7).unwrap() = 70;
        assert_eq!(c.push(99), n);
        c.retain(|&i| i % 2 == 0);
        // The evens of 0..n, the 70 written at 7, not the 99.
        assert_eq!(c.len(), n / 2 + 2);
        assert!(c.iter().all(|i| i % 2 == 0));
        assert_eq!(c.get(4), Some(&70));
        assert_eq!(c.get(CHUNK), Some(&(2 * CHUNK - 2)));
        // Equal contents compare equal whatever their history.
        let fresh: Chunked<usize> = c.iter().copied().collect();
        assert_eq!(fresh, c);
    }

    #[test]
    fn a_shared_image_keeps_the_items_as_they_were_when_shared() {
        let n = CHUNK * 2 + 5;
        let mut c: Chunked<usize> = (0..n).collect();
        let image = c.share();
        // Writes after the image: in the first chunk, in the last (a push), and a new chunk.
        *c.get_mut(3).unwrap() = 3_000;
        c.push(n);
        for i in n + 1..CHUNK * 3 + 1 {
            c.push(i);
        }
        assert!(image.iter().copied().eq(0..n), "the image is as it was");
        assert_eq!(c.get(3), Some(&3_000));
        assert_eq!(c.len(), CHUNK * 3 + 1);
        // Only the chunks written were copied; the middle one is still the image's; copies
        // keep the full capacity (a later push does not reallocate).
        assert!(Arc::ptr_eq(&c.chunks[1], &image.chunks[1]));
        assert!(!Arc::ptr_eq(&c.chunks[0], &image.chunks[0]));
        assert!(c.chunks.iter().all(|k| k.capacity() == CHUNK));
        // Once the image is gone a write copies nothing.
        drop(image);
        let before = Arc::as_ptr(&c.chunks[1]);
        *c.get_mut(CHUNK).unwrap() = 1;
        assert_eq!(Arc::as_ptr(&c.chunks[1]), before);
        // Taken apart by value while shared: the items, the image untouched.
        let image = c.share();
        let items: Vec<usize> = c.into_iter().collect();
        assert_eq!(items.len(), CHUNK * 3 + 1);
        assert_eq!(image.iter().count(), CHUNK * 3 + 1);
    }
}
