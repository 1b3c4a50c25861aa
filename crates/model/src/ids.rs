//! Identifier newtypes, so that an order id can never be passed where an account id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::hash::{Hash, Hasher};

/// Ids are compared where they key the sandbox's maps (an account, a symbol: a dozen times per
/// order), and most are a few bytes long. The standard string comparison calls `memcmp` for
/// them; this one compares up to 16 bytes with two overlapping loads each side, inline.
/// Equal exactly when the bytes are equal.
#[inline]
fn same_bytes(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Two loads that together cover every byte (they overlap when `n` is under twice their
    // width): the first `W` bytes and the last `W`.
    macro_rules! covered {
        ($t:ty, $w:expr) => {{
            let head = |s: &[u8]| <$t>::from_ne_bytes(s[..$w].try_into().unwrap_or([0; $w]));
            let tail = |s: &[u8]| <$t>::from_ne_bytes(s[n - $w..].try_into().unwrap_or([0; $w]));
            head(a) == head(b) && tail(a) == tail(b)
        }};
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=8 => covered!(u32, 4),
        9..=16 => covered!(u64, 8),
        _ => a == b,
    }
}

/// `PartialEq` by `same_bytes` and `Hash` as the string, as the derived `Hash` did (equal ids
/// hash alike), for a newtype over a `String`.
macro_rules! bytes_eq_and_hash {
    ($name:ident) => {
        impl PartialEq for $name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                same_bytes(&self.0, &other.0)
            }
        }

        impl Hash for $name {
            #[inline]
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }
    };
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Eq, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        bytes_eq_and_hash!($name);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

string_id!(
    /// An account at an institution (a broker account number, a payment account id).
    AccountId
);
string_id!(
    /// The institution's own id of an order.
    OrderId
);
string_id!(
    /// The id we mint for an order before its first send; the key of exactly-once submission.
    ClientOrderId
);
string_id!(
    /// A connection of this app to one institution (one set of credentials).
    ConnectionId
);
string_id!(
    /// An institution in the catalog (`alpaca`, `ibkr`, `paper`, …).
    VendorId
);

/// A ticker symbol, normalised to upper case so that `aapl` and `AAPL` are the same instrument.
#[derive(Clone, Debug, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub struct Symbol(String);

bytes_eq_and_hash!(Symbol);

impl Symbol {
    pub fn new(value: impl AsRef<str>) -> Self {
        Self(value.as_ref().trim().to_ascii_uppercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Symbol {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Symbol {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<Symbol> for String {
    fn from(value: Symbol) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialise_as_bare_strings() {
        let id = AccountId::new("PA123");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"PA123\"");
        let back: AccountId = serde_json::from_str("\"PA123\"").unwrap();
        assert_eq!(back, id);
    }

    #[test]
    fn symbols_are_upper_case() {
        assert_eq!(Symbol::new(" aapl ").as_str(), "AAPL");
        assert_eq!(Symbol::from("brk.b"), Symbol::new("BRK.B"));
        let parsed: Symbol = serde_json::from_str("\"msft\"").unwrap();
        assert_eq!(parsed.as_str(), "MSFT");
        assert_eq!(serde_json::to_string(&parsed).unwrap(), "\"MSFT\"");
    }

    proptest::proptest! {
        /// Each length class of `same_bytes` (0, 1–3, 4–8, 9–16, longer), a difference at any
        /// byte: ids are equal exactly when their strings are.
        #[test]
        fn ids_are_equal_exactly_when_their_strings_are(
            a in proptest::collection::vec(proptest::sample::select(b"ab\xc3\xa9".to_vec()), 0..24),
            flip in proptest::option::of(0usize..24),
            cut in proptest::option::of(0usize..24),
        ) {
            let a = String::from_utf8_lossy(&a).into_owned();
            let mut b = a.clone().into_bytes();
            if let Some(i) = flip.filter(|&i| i < b.len()) {
                b[i] = if b[i] == b'a' { b'b' } else { b'a' };
            }
            if let Some(n) = cut.filter(|&n| n < b.len()) {
                b.truncate(n);
            }
            let b = String::from_utf8_lossy(&b).into_owned();
            proptest::prop_assert_eq!(AccountId::new(a.clone()) == AccountId::new(b.clone()), a == b);
            proptest::prop_assert_eq!(Symbol(a.clone()) == Symbol(b.clone()), a == b);
        }
    }
}
