//! An append-only list in fixed-capacity chunks, for the engine's ever-growing records (orders,
//! fills). A growing `Vec` copies everything it holds each time it doubles (for orders that
//! was a fifth of the engine's time in the round-trip bench, for fills a tenth); a new chunk
//! copies nothing.

/// Items per chunk (orders are ~400 B: ~400 KB a chunk).
const CHUNK: usize = 1024;

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Chunked<T> {
    /// Every chunk but the last is full; none grows past `CHUNK`, so none ever reallocates.
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    pub(super) fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK).and_then(|c| c.get(i % CHUNK))
    }

    pub(super) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks
            .get_mut(i / CHUNK)
            .and_then(|c| c.get_mut(i % CHUNK))
    }

    /// Appends `item`; returns its index. Inlined so a large item is copied once, into its
    /// slot, not first into this call's argument.
    #[inline]
    pub(super) fn push(&mut self, item: T) -> usize {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(item),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(item);
                self.chunks.push(c);
            }
        }
        self.len += 1;
        self.len - 1
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Oldest first.
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        self.chunks.iter().flatten()
    }

    /// Keeps the items `keep` accepts, in their order.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        *self = std::mem::take(self)
            .into_iter()
            .filter(|t| keep(t))
            .collect();
    }
}

impl<T> IntoIterator for Chunked<T> {
    type Item = T;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

impl<T> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut c = Self::default();
        for item in iter {
            c.push(item);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
