//! Watchlists: named, ordered lists of symbols per account. Not trading state (the matching
//! engine ignores them; a reset keeps them), but journaled like everything else so they
//! survive restarts. Applying is deterministic; a command that does not fit the lists as they
//! are (a name taken meanwhile, an id gone) changes nothing.

use brokerdesk_model::{AccountId, Symbol};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::time::Timestamp;

/// Most watchlists an account may keep, and symbols one may hold (bounds the state a client
/// can grow).
pub const MAX_WATCHLISTS: usize = 200;
pub const MAX_WATCHLIST_SYMBOLS: usize = 1_000;
/// Longest watchlist name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Watchlist {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub symbols: Vec<Symbol>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WatchlistCommand {
    Create {
        account: AccountId,
        id: Uuid,
        name: String,
        symbols: Vec<Symbol>,
    },
    /// PUT: a new name and the whole list of symbols.
    Replace {
        account: AccountId,
        id: Uuid,
        name: String,
        symbols: Vec<Symbol>,
    },
    Add {
        account: AccountId,
        id: Uuid,
        symbol: Symbol,
    },
    Remove {
        account: AccountId,
        id: Uuid,
        symbol: Symbol,
    },
    Delete {
        account: AccountId,
        id: Uuid,
    },
}

/// Why a watchlist command cannot apply (checked before it is journaled, and again when
/// applied).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WatchlistError {
    #[error("watchlist not found")]
    NotFound,
    #[error("watchlist name must be unique")]
    NameTaken,
    #[error("watchlist name must be 1 to 200 characters")]
    BadName,
    #[error("symbol {0} is already in the watchlist")]
    Duplicate(Symbol),
    #[error("symbol {0} is not in the watchlist")]
    Missing(Symbol),
    #[error("an account may keep at most 200 watchlists of at most 1000 symbols")]
    TooMany,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Watchlists {
    by_account: BTreeMap<AccountId, Vec<Watchlist>>,
}

fn dedup(symbols: &[Symbol]) -> Result<Vec<Symbol>, WatchlistError> {
    let mut out: Vec<Symbol> = Vec::with_capacity(symbols.len());
    for s in symbols {
        if out.contains(s) {
            return Err(WatchlistError::Duplicate(s.clone()));
        }
        out.push(s.clone());
    }
    if out.len() > MAX_WATCHLIST_SYMBOLS {
        return Err(WatchlistError::TooMany);
    }
    Ok(out)
}

fn check_name(name: &str) -> Result<(), WatchlistError> {
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_NAME_CHARS {
        return Err(WatchlistError::BadName);
    }
    Ok(())
}

impl Watchlists {
    pub fn of(&self, account: &AccountId) -> &[Watchlist] {
        self.by_account.get(account).map_or(&[], Vec::as_slice)
    }

    pub fn get(&self, account: &AccountId, id: Uuid) -> Option<&Watchlist> {
        self.of(account).iter().find(|w| w.id == id)
    }

    pub fn by_name(&self, account: &AccountId, name: &str) -> Option<&Watchlist> {
        self.of(account).iter().find(|w| w.name == name)
    }

    /// Whether `cmd` would apply, and why not.
    pub fn check(&self, cmd: &WatchlistCommand) -> Result<(), WatchlistError> {
        let mut copy = Watchlists {
            by_account: BTreeMap::new(),
        };
        let account = match cmd {
            WatchlistCommand::Create { account, .. }
            | WatchlistCommand::Replace { account, .. }
            | WatchlistCommand::Add { account, .. }
            | WatchlistCommand::Remove { account, .. }
            | WatchlistCommand::Delete { account, .. } => account,
        };
        if let Some(lists) = self.by_account.get(account) {
            copy.by_account.insert(account.clone(), lists.clone());
        }
        copy.apply(Timestamp::default(), cmd.clone())
    }

    pub fn apply(&mut self, at: Timestamp, cmd: WatchlistCommand) -> Result<(), WatchlistError> {
        match cmd {
            WatchlistCommand::Create {
                account,
                id,
                name,
                symbols,
            } => {
                check_name(&name)?;
                let symbols = dedup(&symbols)?;
                let lists = self.by_account.entry(account).or_default();
                if lists.iter().any(|w| w.name == name || w.id == id) {
                    return Err(WatchlistError::NameTaken);
                }
                if lists.len() >= MAX_WATCHLISTS {
                    return Err(WatchlistError::TooMany);
                }
                lists.push(Watchlist {
                    id,
                    name,
                    created_at: at,
                    updated_at: at,
                    symbols,
                });
            }
            WatchlistCommand::Replace {
                account,
                id,
                name,
                symbols,
            } => {
                check_name(&name)?;
                let symbols = dedup(&symbols)?;
                let lists = self
                    .by_account
                    .get_mut(&account)
                    .ok_or(WatchlistError::NotFound)?;
                if lists.iter().any(|w| w.name == name && w.id != id) {
                    return Err(WatchlistError::NameTaken);
                }
                let w = lists
                    .iter_mut()
                    .find(|w| w.id == id)
                    .ok_or(WatchlistError::NotFound)?;
                w.name = name;
                w.symbols = symbols;
                w.updated_at = at;
            }
            WatchlistCommand::Add {
                account,
                id,
                symbol,
            } => {
                let w = self.find(&account, id)?;
                if w.symbols.contains(&symbol) {
                    return Err(WatchlistError::Duplicate(symbol));
                }
                if w.symbols.len() >= MAX_WATCHLIST_SYMBOLS {
                    return Err(WatchlistError::TooMany);
                }
                w.symbols.push(symbol);
                w.updated_at = at;
            }
            WatchlistCommand::Remove {
                account,
                id,
                symbol,
            } => {
                let w = self.find(&account, id)?;
                let before = w.symbols.len();
                w.symbols.retain(|s| s != &symbol);
                if w.symbols.len() == before {
                    return Err(WatchlistError::Missing(symbol));
                }
                w.updated_at = at;
            }
            WatchlistCommand::Delete { account, id } => {
                let lists = self
                    .by_account
                    .get_mut(&account)
                    .ok_or(WatchlistError::NotFound)?;
                let before = lists.len();
                lists.retain(|w| w.id != id);
                if lists.len() == before {
                    return Err(WatchlistError::NotFound);
                }
            }
        }
        Ok(())
    }

    fn find(&mut self, account: &AccountId, id: Uuid) -> Result<&mut Watchlist, WatchlistError> {
        self.by_account
            .get_mut(account)
            .and_then(|l| l.iter_mut().find(|w| w.id == id))
            .ok_or(WatchlistError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_per_account_and_symbols_once_per_list() {
        let mut w = Watchlists::default();
        let (a, b) = (AccountId::new("A"), AccountId::new("B"));
        let id = Uuid::from_u128(1);
        let create = |account: &AccountId, id, name: &str| WatchlistCommand::Create {
            account: account.clone(),
            id,
            name: name.into(),
            symbols: vec![Symbol::new("AAPL")],
        };
        w.apply(Timestamp::default(), create(&a, id, "tech"))
            .unwrap();
        assert_eq!(
            w.check(&create(&a, Uuid::from_u128(2), "tech")),
            Err(WatchlistError::NameTaken)
        );
        w.apply(Timestamp::default(), create(&b, Uuid::from_u128(3), "tech"))
            .unwrap();
        let add = WatchlistCommand::Add {
            account: a.clone(),
            id,
            symbol: Symbol::new("AAPL"),
        };
        assert!(matches!(w.check(&add), Err(WatchlistError::Duplicate(_))));
        // `check` changes nothing.
        assert_eq!(w.of(&a)[0].symbols.len(), 1);
        let other = WatchlistCommand::Delete {
            account: b.clone(),
            id,
        };
        assert_eq!(
            w.check(&other),
            Err(WatchlistError::NotFound),
            "another account's list"
        );
        assert_eq!(
            w.check(&create(&a, Uuid::from_u128(4), " ")),
            Err(WatchlistError::BadName)
        );
    }
}
