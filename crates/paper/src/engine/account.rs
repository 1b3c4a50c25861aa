//! Cash, positions and buying power of one paper account.
//!
//! Positions keep an exact signed cost basis (the sum of qty × price over fills still held);
//! the average entry price is derived from it. Closing part of a position removes cost at the
//! average and books the difference as realized P&L, so `cash + cost basis − realized P&L` is
//! conserved by every fill.

use brokerdesk_model::{AccountId, Symbol};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::configuration::AccountConfig;
use super::fast_decimal::{self, Sign};
use super::types::{AccountKind, Timestamp};

/// Reg T: equity under this gets no margin.
pub const MARGIN_MINIMUM_EQUITY: Decimal = Decimal::from_parts(2_000, 0, 0, false, 0);
/// Pattern day traders need this much equity for 4× intraday buying power.
pub const PDT_MINIMUM_EQUITY: Decimal = Decimal::from_parts(25_000, 0, 0, false, 0);
/// Cost removed on a partial close is rounded here: enough for sub-cent prices × 9-dp qty.
const COST_DP: u32 = 12;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Holding {
    /// Signed: negative is short.
    pub qty: Decimal,
    /// Signed like `qty`.
    pub cost_basis: Decimal,
    /// Session in which the position was last opened or added to (day-trade detection).
    pub opened_session: Option<NaiveDate>,
    /// Long shares promised to open sell orders.
    pub held_for_orders: Decimal,
}

impl Holding {
    pub fn avg_entry_price(&self) -> Decimal {
        self.cost_basis
            .checked_div(self.qty)
            .unwrap_or(Decimal::ZERO)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub kind: AccountKind,
    pub created_at: Timestamp,
    pub cash: Decimal,
    pub initial_cash: Decimal,
    pub realized_pl: Decimal,
    /// A position that closes stays as a flat holding (quantity zero), which every view
    /// skips: a symbol traded in and out all day is not removed from and put back into the
    /// map on every round trip.
    pub positions: BTreeMap<Symbol, Holding>,
    /// Buying power held by open orders.
    pub reserved: Decimal,
    /// Session dates of day trades, oldest first (kept for the 5-session window).
    pub day_trades: Vec<NaiveDate>,
    pub pattern_day_trader: bool,
    /// Equity at the previous session's close.
    pub last_equity: Decimal,
    #[serde(default)]
    pub config: AccountConfig,
}

/// What an account is worth and may spend at current marks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: AccountId,
    pub kind: AccountKind,
    pub created_at: Timestamp,
    pub cash: Decimal,
    pub long_market_value: Decimal,
    /// Negative, as Alpaca reports it.
    pub short_market_value: Decimal,
    pub equity: Decimal,
    pub last_equity: Decimal,
    pub multiplier: Decimal,
    pub buying_power: Decimal,
    pub regt_buying_power: Decimal,
    pub daytrading_buying_power: Decimal,
    pub non_marginable_buying_power: Decimal,
    pub initial_margin: Decimal,
    pub maintenance_margin: Decimal,
    pub reserved: Decimal,
    pub realized_pl: Decimal,
    pub pattern_day_trader: bool,
    pub daytrade_count: u32,
    pub config: AccountConfig,
}

/// An account valued at current marks.
pub struct Valuation {
    pub long: Decimal,
    /// Negative.
    pub short: Decimal,
    pub equity: Decimal,
    pub gross: Decimal,
    pub multiplier: Decimal,
    pub buying_power: Decimal,
}

/// Result of applying one fill to a holding.
pub struct FillEffect {
    pub realized: Decimal,
    /// The fill reduced a position opened in the same session.
    pub day_trade: bool,
    /// The position's quantity and held shares after the fill (zero when it closed): the
    /// caller needs them, and this spares it two more look-ups.
    pub position_qty: Decimal,
    pub held_for_orders: Decimal,
}

impl Account {
    pub fn new(id: AccountId, kind: AccountKind, cash: Decimal, at: Timestamp) -> Self {
        Self {
            id,
            kind,
            created_at: at,
            cash,
            initial_cash: cash,
            realized_pl: Decimal::ZERO,
            positions: BTreeMap::new(),
            reserved: Decimal::ZERO,
            day_trades: Vec::new(),
            pattern_day_trader: false,
            last_equity: cash,
            config: AccountConfig::default(),
        }
    }

    pub fn position_qty(&self, symbol: &Symbol) -> Decimal {
        self.positions.get(symbol).map_or(Decimal::ZERO, |h| h.qty)
    }

    /// Books a fill: `qty` is signed (+ buy, − sell). Every new figure is worked out before any
    /// is stored, so a sum out of `Decimal`'s range (`None`) leaves the account as it was.
    pub fn apply_fill(
        &mut self,
        symbol: &Symbol,
        signed_qty: Decimal,
        price: Decimal,
        session: NaiveDate,
    ) -> Option<FillEffect> {
        // What the fill is worth, signed as the quantity: the cash it moves, and the cost a
        // same-direction fill adds or a closing one realizes (worked out once for each).
        let value = signed_qty.checked_mul(price)?;
        let cash = self.cash.checked_sub(value)?;
        // One look-up: the slot is written back below once every figure is known.
        let slot = self.positions.get_mut(symbol);
        let mut holding = slot.as_deref().cloned().unwrap_or(Holding {
            qty: Decimal::ZERO,
            cost_basis: Decimal::ZERO,
            opened_session: None,
            held_for_orders: Decimal::ZERO,
        });
        let mut realized = Decimal::ZERO;
        let mut day_trade = false;
        let same_direction = holding.qty.is_zero() || holding.qty.gt0() == signed_qty.gt0();
        if same_direction {
            holding.qty = holding.qty.checked_add(signed_qty)?;
            holding.cost_basis = holding.cost_basis.checked_add(value)?;
            holding.opened_session = Some(session);
        } else {
            // Reduce toward zero; any excess opens the other side at this price.
            let closing = if signed_qty.abs() > holding.qty.abs() {
                -holding.qty
            } else {
                signed_qty
            };
            let removed_cost = if closing == -holding.qty {
                holding.cost_basis
            } else {
                holding
                    .cost_basis
                    .checked_mul(closing.abs())?
                    .checked_div(holding.qty.abs())?
                    .round_dp(COST_DP)
            };
            // Proceeds of the closing part: for a long, −closing × price is what we received
            // (−value when the fill only closes).
            let proceeds = if closing == signed_qty {
                -value
            } else {
                (-closing).checked_mul(price)?
            };
            realized = proceeds.checked_sub(removed_cost)?;
            holding.cost_basis = holding.cost_basis.checked_sub(removed_cost)?;
            holding.qty = holding.qty.checked_add(closing)?;
            day_trade = holding.opened_session == Some(session);
            let rest = signed_qty.checked_sub(closing)?;
            if !rest.is_zero() {
                holding.qty = holding.qty.checked_add(rest)?;
                holding.cost_basis = holding.cost_basis.checked_add(rest.checked_mul(price)?)?;
                holding.opened_session = Some(session);
            }
        }
        let realized_pl = self.realized_pl.checked_add(realized)?;
        let (position_qty, held_for_orders) = (holding.qty, holding.held_for_orders);
        self.cash = cash;
        self.realized_pl = realized_pl;
        match slot {
            Some(slot) => *slot = holding,
            None => {
                self.positions.insert(symbol.clone(), holding);
            }
        }
        if day_trade {
            self.day_trades.push(session);
        }
        Some(FillEffect {
            realized,
            day_trade,
            position_qty,
            held_for_orders,
        })
    }

    /// Day trades after `window_start`. `day_trades` is in session order (fills happen as
    /// time moves forward), so a binary search finds the window: a busy account's day trades
    /// were counted one by one on every fill before, quadratic over a session.
    pub fn daytrade_count(&self, window_start: NaiveDate) -> u32 {
        let first = self.day_trades.partition_point(|d| *d <= window_start);
        (self.day_trades.len() - first) as u32
    }

    /// Drops day trades that can no longer count (the window only moves forward).
    pub fn forget_day_trades_until(&mut self, window_start: NaiveDate) {
        let first = self.day_trades.partition_point(|d| *d <= window_start);
        if first > 0 {
            self.day_trades.drain(..first);
        }
    }

    /// Reg T multipliers: cash accounts 1×; margin 2× overnight, 4× for a pattern day trader
    /// with ≥ $25k; no margin under $2k.
    /// `max_margin_multiplier` caps it.
    pub fn multiplier(&self, equity: Decimal) -> Decimal {
        Decimal::from(self.times(equity))
    }

    /// `multiplier` as the whole number it always is (1, 2 or 4): admission multiplies by it
    /// on every buy, and a whole factor needs no `Decimal` multiplication.
    fn times(&self, equity: Decimal) -> u8 {
        self.reg_t_times(equity)
            .min(self.config.max_margin_multiplier.times())
    }

    fn reg_t_times(&self, equity: Decimal) -> u8 {
        match self.kind {
            AccountKind::Cash => 1,
            AccountKind::Margin if fast_decimal::lt(equity, MARGIN_MINIMUM_EQUITY) => 1,
            AccountKind::Margin
                if self.pattern_day_trader && !fast_decimal::lt(equity, PDT_MINIMUM_EQUITY) =>
            {
                4
            }
            AccountKind::Margin => 2,
        }
    }

    /// Equity and buying power at `mark` prices: what admission needs, without the rest.
    ///
    /// Saturating: the order caps keep every figure far inside `Decimal`'s range, and a
    /// valuation is a read that must not panic the exchange if a bad feed ever broke that.
    /// Orders and fills use checked arithmetic, so a saturated figure never reaches the books.
    pub fn valuation(&self, mark: impl Fn(&Symbol, &Holding) -> Decimal) -> Valuation {
        let mut long = Decimal::ZERO;
        let mut short = Decimal::ZERO;
        for (symbol, holding) in &self.positions {
            if holding.qty.is_zero() {
                continue;
            }
            let value = holding.qty.saturating_mul(mark(symbol, holding));
            if value.gt0() {
                long = long.saturating_add(value);
            } else {
                short = short.saturating_add(value);
            }
        }
        let equity = self.cash.saturating_add(long).saturating_add(short);
        let gross = long.saturating_sub(short);
        let multiplier = self.multiplier(equity);
        // mult × equity − gross exposure: for 2× that is 2 × (equity − 50 % initial margin),
        // for 4× it is 4 × (equity − 25 % maintenance), for a cash account it is the cash.
        let buying_power = multiplier
            .saturating_mul(equity)
            .saturating_sub(gross)
            .saturating_sub(self.reserved)
            .max0();
        Valuation {
            long,
            short,
            equity,
            gross,
            multiplier,
            buying_power,
        }
    }

    /// A floor under equity that needs no marks: with no short position, equity is the cash
    /// plus long positions worth at least nothing (marks are never negative, and a long's
    /// fallback price, its average cost, is not when its cost basis is not). `None` when a
    /// position breaks that.
    pub fn equity_floor(&self) -> Option<Decimal> {
        self.positions
            .values()
            .all(|h| !h.qty.lt0() && !h.cost_basis.lt0())
            .then_some(self.cash)
    }

    /// A floor under `valuation`'s buying power that needs no marks: with no short and cash
    /// `C ≥ 0`, longs `L ≥ 0` and equity `E = C + L`, buying power `m(E)·E − L − reserved` is
    /// `m(E)·C + (m(E) − 1)·L − reserved`, at least `m(C)·C − reserved` (the multiplier is at
    /// least 1 and never falls as equity rises). Lets admission settle nearly every order
    /// without valuing each position at its mark.
    pub fn buying_power_floor(&self) -> Option<Decimal> {
        let cash = self.equity_floor().filter(|c| !c.lt0())?;
        fast_decimal::times(cash, self.times(cash))?
            .checked_sub(self.reserved)
            .map(Sign::max0)
    }

    /// Values the account with `mark(symbol)` (the last price the venue saw).
    pub fn summary(
        &self,
        mark: impl Fn(&Symbol, &Holding) -> Decimal,
        daytrade_count: u32,
    ) -> AccountSummary {
        let Valuation {
            long,
            short,
            equity,
            gross,
            multiplier,
            buying_power,
        } = self.valuation(mark);
        let regt = Decimal::TWO
            .min(multiplier)
            .saturating_mul(equity)
            .saturating_sub(gross)
            .saturating_sub(self.reserved)
            .max0();
        let non_marginable = self.cash.saturating_sub(self.reserved).max0();
        AccountSummary {
            id: self.id.clone(),
            kind: self.kind,
            created_at: self.created_at,
            cash: self.cash,
            long_market_value: long,
            short_market_value: short,
            equity,
            last_equity: self.last_equity,
            multiplier,
            buying_power,
            regt_buying_power: regt,
            daytrading_buying_power: if multiplier == Decimal::from(4) {
                buying_power
            } else {
                Decimal::ZERO
            },
            non_marginable_buying_power: non_marginable,
            initial_margin: gross / Decimal::TWO,
            maintenance_margin: gross / Decimal::from(4),
            reserved: self.reserved,
            realized_pl: self.realized_pl,
            pattern_day_trader: self.pattern_day_trader,
            daytrade_count,
            config: self.config,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::configuration::MarginMultiplier;
    use super::*;
    use chrono::Utc;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn acct(kind: AccountKind, cash: Decimal) -> Account {
        Account::new(AccountId::new("A"), kind, cash, Utc::now())
    }

    #[test]
    fn average_cost_and_realized_pl() {
        let mut a = acct(AccountKind::Margin, dec!(1000));
        let s = Symbol::new("AAPL");
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        a.apply_fill(&s, dec!(2), dec!(10), day).unwrap();
        a.apply_fill(&s, dec!(2), dec!(20), day).unwrap();
        assert_eq!(a.positions[&s].avg_entry_price(), dec!(15));
        let fx = a.apply_fill(&s, dec!(-1), dec!(30), day).unwrap();
        assert_eq!(fx.realized, dec!(15));
        assert!(fx.day_trade);
        assert_eq!((fx.position_qty, fx.held_for_orders), (dec!(3), dec!(0)));
        assert_eq!(a.cash, dec!(1000) - dec!(60) + dec!(30));
        assert_eq!(a.positions[&s].cost_basis, dec!(45));
        assert_eq!(
            a.cash + a.positions[&s].cost_basis - a.realized_pl,
            dec!(1000)
        );
    }

    #[test]
    fn short_position_pl() {
        let mut a = acct(AccountKind::Margin, dec!(1000));
        let s = Symbol::new("TSLA");
        let d1 = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2026, 1, 6).unwrap();
        a.apply_fill(&s, dec!(-3), dec!(100), d1).unwrap();
        assert_eq!(a.cash, dec!(1300));
        let fx = a.apply_fill(&s, dec!(3), dec!(90), d2).unwrap();
        assert_eq!(fx.position_qty, dec!(0));
        assert_eq!(fx.realized, dec!(30));
        assert!(!fx.day_trade);
        assert!(a.positions[&s].qty.is_zero() && a.positions[&s].cost_basis.is_zero());
        assert_eq!(a.cash, dec!(1030));
    }

    #[test]
    fn a_fill_out_of_range_changes_nothing() {
        let mut a = acct(AccountKind::Margin, dec!(1000));
        let s = Symbol::new("AAPL");
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        a.apply_fill(&s, dec!(2), dec!(10), day).unwrap();
        let before = a.clone();
        assert!(a.apply_fill(&s, Decimal::MAX, dec!(10), day).is_none());
        assert!(a.apply_fill(&s, dec!(-2), Decimal::MAX, day).is_none());
        assert_eq!(a, before);
    }

    #[test]
    fn reg_t_multipliers() {
        let mut a = acct(AccountKind::Margin, dec!(100000));
        assert_eq!(a.multiplier(dec!(100000)), dec!(2));
        assert_eq!(a.multiplier(dec!(1999)), dec!(1));
        a.pattern_day_trader = true;
        assert_eq!(a.multiplier(dec!(25000)), dec!(4));
        assert_eq!(a.multiplier(dec!(24999)), dec!(2));
        let c = acct(AccountKind::Cash, dec!(100000));
        assert_eq!(c.multiplier(dec!(100000)), dec!(1));
        let s = c.summary(|_, _| Decimal::ZERO, 0);
        assert_eq!(s.buying_power, dec!(100000));
        let m = a.summary(|_, _| Decimal::ZERO, 0);
        assert_eq!(m.buying_power, dec!(400000));
    }

    fn cents(max: i64) -> impl Strategy<Value = Decimal> {
        (-max..max).prop_map(|c| Decimal::new(c, 2))
    }

    proptest! {
        /// The mark-free floors admission settles most orders with never exceed the exact
        /// figures, whatever the positions, their costs and the marks.
        #[test]
        fn the_mark_free_floors_never_exceed_the_valuation(
            margin in any::<bool>(),
            pdt in any::<bool>(),
            cap in 0..3u8,
            cash in cents(500_000_000),
            reserved in cents(100_000_000).prop_map(Sign::max0),
            holdings in prop::collection::vec(
                (-1_000i64..1_000, cents(10_000_000), prop::option::of(0..1_000_000i64)),
                0..4,
            ),
        ) {
            let kind = if margin { AccountKind::Margin } else { AccountKind::Cash };
            let mut a = acct(kind, Decimal::ZERO);
            a.cash = cash;
            a.reserved = reserved;
            a.pattern_day_trader = pdt;
            a.config.max_margin_multiplier =
                [MarginMultiplier::One, MarginMultiplier::Two, MarginMultiplier::Four][cap as usize];
            let mut marks = std::collections::HashMap::new();
            for (i, (qty, cost, mark)) in holdings.into_iter().enumerate() {
                let symbol = Symbol::new(format!("S{i}"));
                a.positions.insert(symbol.clone(), Holding {
                    qty: Decimal::from(qty),
                    cost_basis: cost,
                    opened_session: None,
                    held_for_orders: Decimal::ZERO,
                });
                if let Some(m) = mark {
                    marks.insert(symbol, Decimal::new(m, 2));
                }
            }
            let exact = a.valuation(|s, h| marks.get(s).copied().unwrap_or_else(|| h.avg_entry_price()));
            if let Some(floor) = a.equity_floor() {
                prop_assert!(floor <= exact.equity, "equity floor {} > {}", floor, exact.equity);
            }
            if let Some(floor) = a.buying_power_floor() {
                prop_assert!(
                    floor <= exact.buying_power,
                    "buying power floor {} > {}", floor, exact.buying_power
                );
            }
        }
    }
}
