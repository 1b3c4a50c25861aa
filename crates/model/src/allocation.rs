//! Allocation: where the money is, by asset, by account, by asset class and cash vs invested —
//! computed from the accounts as read, paper and live apart, one currency at a time (figures
//! in different currencies are never added).

use crate::account::AccountSnapshot;
use crate::connection::TradingMode;
use crate::position::AssetClass;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One slice: its name and value (in the group's currency).
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub label: String,
    pub value: Decimal,
}

/// The allocation of one mode's accounts in one currency.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Allocation {
    /// Largest first.
    pub by_asset: Vec<Slice>,
    pub by_account: Vec<Slice>,
    /// Equity, Option, Crypto, Other, and Cash.
    pub by_class: Vec<Slice>,
    pub cash: Decimal,
    pub invested: Decimal,
}

impl Allocation {
    /// Cash plus invested: the base of every share.
    pub fn total(&self) -> Decimal {
        self.cash.saturating_add(self.invested)
    }
}

/// The share of `part` in `total`, in percent with one decimal; `None` for an empty total.
pub fn share(part: Decimal, total: Decimal) -> Option<Decimal> {
    if total.is_zero() {
        return None;
    }
    part.checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(total)
        .map(|p| p.round_dp(1))
}

/// Every (mode, currency) group of the accounts. Accounts without a balance figure are left
/// out. `None` when a sum overflows.
pub fn allocations(
    accounts: &[AccountSnapshot],
) -> Option<BTreeMap<(ModeKey, String), Allocation>> {
    let mut groups: BTreeMap<(ModeKey, String), Sums> = BTreeMap::new();
    for a in accounts.iter().filter(|a| a.balance_unknown.is_none()) {
        let g = groups
            .entry((ModeKey(a.mode), a.balances.currency.clone()))
            .or_default();
        let mut invested = Decimal::ZERO;
        for p in &a.positions {
            add(&mut g.assets, p.symbol.as_str().to_owned(), p.market_value)?;
            add(
                &mut g.classes,
                p.asset_class.label().to_owned(),
                p.market_value,
            )?;
            invested = invested.checked_add(p.market_value)?;
        }
        g.cash = g.cash.checked_add(a.balances.cash)?;
        g.invested = g.invested.checked_add(invested)?;
        let name = format!("{} · {}", a.connection.display_name, a.account_id);
        add(
            &mut g.accounts,
            name,
            a.balances.cash.checked_add(invested)?,
        )?;
    }
    Some(
        groups
            .into_iter()
            .map(|(k, s)| {
                let mut by_class = sorted(s.classes);
                by_class.push(Slice {
                    label: "Cash".into(),
                    value: s.cash,
                });
                let alloc = Allocation {
                    by_asset: sorted(s.assets),
                    by_account: sorted(s.accounts),
                    by_class,
                    cash: s.cash,
                    invested: s.invested,
                };
                (k, alloc)
            })
            .collect(),
    )
}

/// A trading mode as a map key (live first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeKey(pub TradingMode);

impl PartialOrd for ModeKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ModeKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |m: TradingMode| match m {
            TradingMode::Live => 0,
            TradingMode::Paper => 1,
        };
        rank(self.0).cmp(&rank(other.0))
    }
}

#[derive(Default)]
struct Sums {
    assets: BTreeMap<String, Decimal>,
    accounts: BTreeMap<String, Decimal>,
    classes: BTreeMap<String, Decimal>,
    cash: Decimal,
    invested: Decimal,
}

fn add(map: &mut BTreeMap<String, Decimal>, key: String, v: Decimal) -> Option<()> {
    let e = map.entry(key).or_default();
    *e = e.checked_add(v)?;
    Some(())
}

fn sorted(map: BTreeMap<String, Decimal>) -> Vec<Slice> {
    let mut v: Vec<Slice> = map
        .into_iter()
        .map(|(label, value)| Slice { label, value })
        .collect();
    v.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    v
}

/// The class labels a class table shows, in order (Cash last).
pub const CLASSES: [AssetClass; 4] = [
    AssetClass::Equity,
    AssetClass::Option,
    AssetClass::Crypto,
    AssetClass::Other,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Balances;
    use crate::connection::{ConnectionStatus, ConnectionSummary};
    use crate::ids::{AccountId, ConnectionId, Symbol, VendorId};
    use crate::position::{Position, PositionSide};
    use rust_decimal_macros::dec;

    fn position(symbol: &str, value: Decimal, class: AssetClass) -> Position {
        Position {
            symbol: Symbol::new(symbol),
            side: PositionSide::Long,
            qty: dec!(1),
            avg_entry_price: value,
            cost_basis: value,
            current_price: value,
            market_value: value,
            unrealized_pl: dec!(0),
            asset_class: class,
        }
    }

    fn account(
        id: &str,
        mode: TradingMode,
        currency: &str,
        cash: Decimal,
        positions: Vec<Position>,
    ) -> AccountSnapshot {
        AccountSnapshot {
            connection: ConnectionSummary {
                id: ConnectionId::new("c"),
                vendor: VendorId::new("v"),
                display_name: "Broker".into(),
                mode,
                status: ConnectionStatus::Connected,
                latency_ms: None,
                last_refresh: None,
                live_balances_every_min: None,
            },
            account_id: AccountId::new(id),
            mode,
            balances: Balances {
                currency: currency.into(),
                cash,
                buying_power: cash,
                equity: cash,
            },
            positions,
            as_of: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            prices: Default::default(),
            balance_unknown: None,
        }
    }

    #[test]
    fn groups_by_mode_and_currency_and_never_adds_across_them() {
        let all = allocations(&[
            account(
                "L1",
                TradingMode::Live,
                "USD",
                dec!(100),
                vec![
                    position("AAPL", dec!(300), AssetClass::Equity),
                    position("BTCUSD", dec!(50), AssetClass::Crypto),
                ],
            ),
            account(
                "L2",
                TradingMode::Live,
                "USD",
                dec!(10),
                vec![position("AAPL", dec!(200), AssetClass::Equity)],
            ),
            account("E1", TradingMode::Live, "EUR", dec!(70), vec![]),
            account(
                "P1",
                TradingMode::Paper,
                "USD",
                dec!(100000),
                vec![position("MSFT", dec!(400), AssetClass::Equity)],
            ),
        ])
        .unwrap();
        assert_eq!(all.len(), 3, "live USD, live EUR, paper USD");
        let usd = &all[&(ModeKey(TradingMode::Live), "USD".to_owned())];
        assert_eq!(
            usd.by_asset[0],
            Slice {
                label: "AAPL".into(),
                value: dec!(500)
            }
        );
        assert_eq!(
            (usd.cash, usd.invested, usd.total()),
            (dec!(110), dec!(550), dec!(660))
        );
        assert_eq!(
            usd.by_class
                .iter()
                .map(|s| (s.label.as_str(), s.value))
                .collect::<Vec<_>>(),
            vec![
                ("Equity", dec!(500)),
                ("Crypto", dec!(50)),
                ("Cash", dec!(110))
            ]
        );
        assert_eq!(usd.by_account[0].value, dec!(450));
        assert!(
            !usd.by_asset.iter().any(|s| s.label == "MSFT"),
            "paper stays apart"
        );
        let eur = &all[&(ModeKey(TradingMode::Live), "EUR".to_owned())];
        assert_eq!(eur.total(), dec!(70));
        assert_eq!(share(dec!(1), dec!(3)), Some(dec!(33.3)));
        assert_eq!(share(dec!(1), dec!(0)), None);
        let first = all.keys().next().unwrap();
        assert_eq!(first.0.0, TradingMode::Live, "live first");
    }
}
