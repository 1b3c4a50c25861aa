//! Identifier newtypes, so that an order id can never be passed where an account id is expected.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        /// Shared text: cloning one (every order and event carries ids) is a count increment.
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Arc<str>);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(Arc::from(value.into()))
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
                Self(Arc::from(value))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(Arc::from(value))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::from)
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
/// Shared text like the ids above: the paper engine clones symbols into every order and fill.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol(Arc<str>);

impl Symbol {
    pub fn new(value: impl AsRef<str>) -> Self {
        Self(Arc::from(value.as_ref().trim().to_ascii_uppercase()))
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
        value.0.to_string()
    }
}

impl Serialize for Symbol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::from)
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
}
