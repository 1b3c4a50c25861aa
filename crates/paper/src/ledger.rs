//! Accounts of the paper exchange: cash, buying power and positions.

use brokerdesk_model::{AccountId, Balances, Position};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// How a new sandbox starts: Alpaca's paper environment gives $100,000 and a margin account.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperExchangeConfig {
    pub starting_cash: Decimal,
    /// Reg T overnight multiplier for margin accounts (1 for a cash account).
    pub margin_multiplier: Decimal,
    pub default_account: AccountId,
}

impl Default for PaperExchangeConfig {
    fn default() -> Self {
        Self {
            starting_cash: Decimal::from(100_000),
            margin_multiplier: Decimal::from(2),
            default_account: AccountId::new("PAPER-1"),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PaperError {
    #[error("paper account {0} does not exist")]
    UnknownAccount(AccountId),
}

#[derive(Clone, Debug)]
struct Account {
    cash: Decimal,
    margin_multiplier: Decimal,
    positions: BTreeMap<brokerdesk_model::Symbol, Position>,
}

/// The paper exchange's accounts.
#[derive(Debug)]
pub struct PaperExchange {
    accounts: BTreeMap<AccountId, Account>,
}

impl PaperExchange {
    pub fn new(config: PaperExchangeConfig) -> Self {
        let mut accounts = BTreeMap::new();
        accounts.insert(
            config.default_account,
            Account {
                cash: config.starting_cash,
                margin_multiplier: config.margin_multiplier,
                positions: BTreeMap::new(),
            },
        );
        Self { accounts }
    }

    pub fn account_ids(&self) -> Vec<AccountId> {
        self.accounts.keys().cloned().collect()
    }

    fn account(&self, id: &AccountId) -> Result<&Account, PaperError> {
        self.accounts
            .get(id)
            .ok_or_else(|| PaperError::UnknownAccount(id.clone()))
    }

    pub fn balances(&self, id: &AccountId) -> Result<Balances, PaperError> {
        let account = self.account(id)?;
        let long_value: Decimal = account.positions.values().map(|p| p.market_value).sum();
        let equity = account.cash + long_value;
        Ok(Balances {
            currency: "USD".to_owned(),
            cash: account.cash,
            buying_power: equity * account.margin_multiplier,
            equity,
        })
    }

    pub fn positions(&self, id: &AccountId) -> Result<Vec<Position>, PaperError> {
        Ok(self.account(id)?.positions.values().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_exchange_has_one_funded_margin_account() {
        let config = PaperExchangeConfig {
            starting_cash: Decimal::from(25_000),
            ..PaperExchangeConfig::default()
        };
        let exchange = PaperExchange::new(config.clone());
        assert_eq!(exchange.account_ids(), vec![config.default_account.clone()]);
        let balances = exchange.balances(&config.default_account).unwrap();
        assert_eq!(balances.cash, Decimal::from(25_000));
        assert_eq!(balances.buying_power, Decimal::from(50_000));
        assert!(
            exchange
                .positions(&config.default_account)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn unknown_account_is_an_error() {
        let exchange = PaperExchange::new(PaperExchangeConfig::default());
        let missing = AccountId::new("NOPE");
        assert_eq!(
            exchange.balances(&missing),
            Err(PaperError::UnknownAccount(missing))
        );
    }
}
