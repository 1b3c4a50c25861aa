//! Identifier newtypes, so that an order id can never be passed where an account id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

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
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub struct Symbol(String);

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
}
