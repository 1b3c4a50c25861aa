//! Answers to reads come back in any order: the newest read asked is the one shown.

use std::cell::Cell;
use std::rc::Rc;
use yew::prelude::*;

/// Counts the reads a component asked. An answer is shown only while its read is the newest:
/// a read started before a change (a fill, another filter, another range) and answered after
/// the read that saw it would otherwise show the old state until the next change.
#[derive(Clone, Default)]
pub struct Latest(Rc<Cell<u64>>);

impl Latest {
    /// A new read: answers to every earlier one are stale from now on.
    pub fn begin(&self) -> Asked {
        let number = self.0.get().wrapping_add(1);
        self.0.set(number);
        Asked {
            number,
            latest: Rc::clone(&self.0),
        }
    }
}

/// One read asked; see [`Latest`].
pub struct Asked {
    number: u64,
    latest: Rc<Cell<u64>>,
}

impl Asked {
    /// No read was asked after this one.
    pub fn is_newest(&self) -> bool {
        self.latest.get() == self.number
    }
}

/// The component's [`Latest`], the same one on every render.
#[hook]
pub fn use_latest() -> Latest {
    (*use_memo((), |()| Latest::default())).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_read_is_shown_whatever_order_the_answers_come_in() {
        let latest = Latest::default();
        let first = latest.begin();
        assert!(first.is_newest());
        let second = latest.begin();
        // The second read is answered first, then the first one late.
        assert!(second.is_newest());
        assert!(
            !first.is_newest(),
            "a late answer to an older read is stale"
        );
        let third = latest.clone().begin();
        assert!(!second.is_newest(), "clones count the same reads");
        assert!(third.is_newest());
    }
}
