//! Accounts of the paper exchange: cash, buying power and positions.

use brokerdesk_model::{AccountId, Balances, Position, PositionSide};
use rust_decimal::Decimal;

use crate::engine::{AccountKind, Command, CommandKind, Engine, EngineConfig, Event};

/// How a new sandbox starts: Alpaca's paper environment gives $100,000 and a margin account.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperExchangeConfig {
    pub starting_cash: Decimal,
    /// Above 1: a Reg T margin account (2× overnight, 4× for pattern day traders);
    /// 1: a cash account.
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

/// The facade's only error. Engine refusals are a separate type, [`crate::engine::Rejection`],
/// so that callers matching this enum exhaustively are not broken by new refusal kinds.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PaperError {
    #[error("paper account {0} does not exist")]
    UnknownAccount(AccountId),
}

/// The paper exchange's accounts, read through the engine.
#[derive(Debug)]
pub struct PaperExchange {
    engine: Engine,
}

impl PaperExchange {
    /// A fresh sandbox with the default account funded, on the always-open calendar.
    pub fn new(config: PaperExchangeConfig) -> Self {
        let mut engine = Engine::new(EngineConfig::default());
        let kind = if config.margin_multiplier > Decimal::ONE {
            AccountKind::Margin
        } else {
            AccountKind::Cash
        };
        // The facade is an edge: it may read the clock to stamp the opening command.
        engine.apply(Command::new(
            chrono::Utc::now(),
            CommandKind::OpenAccount {
                account: config.default_account,
                kind,
                cash: config.starting_cash,
            },
        ));
        Self { engine }
    }

    /// Wraps an engine rebuilt elsewhere (for example replayed from the journal).
    pub fn from_engine(engine: Engine) -> Self {
        Self { engine }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn apply(&mut self, command: Command) -> Vec<Event> {
        self.engine.apply(command)
    }

    pub fn account_ids(&self) -> Vec<AccountId> {
        self.engine.account_ids()
    }

    pub fn balances(&self, id: &AccountId) -> Result<Balances, PaperError> {
        let s = self
            .engine
            .summary(id)
            .ok_or_else(|| PaperError::UnknownAccount(id.clone()))?;
        Ok(Balances {
            currency: "USD".to_owned(),
            cash: s.cash,
            buying_power: s.buying_power,
            equity: s.equity,
        })
    }

    pub fn positions(&self, id: &AccountId) -> Result<Vec<Position>, PaperError> {
        let views = self
            .engine
            .positions(id)
            .ok_or_else(|| PaperError::UnknownAccount(id.clone()))?;
        Ok(views
            .into_iter()
            .map(|p| Position {
                symbol: p.symbol,
                side: if p.qty < Decimal::ZERO {
                    PositionSide::Short
                } else {
                    PositionSide::Long
                },
                qty: p.qty.abs(),
                avg_entry_price: p.avg_entry_price,
                cost_basis: p.cost_basis,
                current_price: p.current_price,
                market_value: p.market_value,
                unrealized_pl: p.unrealized_pl,
            })
            .collect())
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
