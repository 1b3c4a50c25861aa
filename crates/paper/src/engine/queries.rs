//! Read-only views of the engine: orders, accounts valued at current marks, positions.

use brokerdesk_model::{AccountId, Symbol};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::fast_decimal::{self, Sign};
use super::*;

impl Engine {
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn calendar(&self) -> CalendarKind {
        self.config.calendar
    }

    /// The time of the last command (engine time never goes back).
    pub fn now(&self) -> Option<Timestamp> {
        self.now
    }

    pub fn assets(&self) -> &[Asset] {
        &self.config.assets
    }

    pub fn asset(&self, symbol: &Symbol) -> Option<&Asset> {
        self.assets.get(symbol)
    }

    pub fn account_ids(&self) -> Vec<AccountId> {
        self.accounts.keys().cloned().collect()
    }

    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    pub fn order(&self, id: &Uuid) -> Option<&Order> {
        self.orders.get(id)
    }

    pub fn order_by_client_id(&self, account: &AccountId, client_order_id: &str) -> Option<&Order> {
        self.orders.by_client_id(account, client_order_id)
    }

    /// An account's orders, oldest first.
    pub fn orders<'a>(&'a self, account: &'a AccountId) -> impl Iterator<Item = &'a Order> + 'a {
        self.orders.iter().filter(move |o| &o.account == account)
    }

    /// Orders ever accepted (open and closed).
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    pub fn open_order_count(&self) -> usize {
        self.open_orders
    }

    pub fn quote(&self, symbol: &Symbol) -> Option<&Quote> {
        self.quotes.get(symbol)
    }

    pub fn last_trade(&self, symbol: &Symbol) -> Option<&Trade> {
        self.trades.get(symbol)
    }

    /// An account's fills, oldest first.
    pub fn activities<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> impl Iterator<Item = FillActivity> + 'a {
        self.activities.iter().filter_map(move |r| {
            let o = self.orders.get(&r.order_id)?;
            (&o.account == account).then(|| r.view(o))
        })
    }

    /// The price positions are valued at: last trade, else quote midpoint.
    pub fn mark(&self, symbol: &Symbol) -> Option<Decimal> {
        if let Some(t) = self.trades.get(symbol) {
            return Some(t.price);
        }
        self.quotes.get(symbol).and_then(|q| {
            (q.bid_price.gt0() && q.ask_price.gt0())
                .then(|| fast_decimal::half(q.bid_price.saturating_add(q.ask_price)))
        })
    }

    pub(super) fn mark_or_cost(&self, symbol: &Symbol, holding: &Holding) -> Decimal {
        self.mark(symbol)
            .unwrap_or_else(|| holding.avg_entry_price())
    }

    pub(super) fn session_date(&self) -> chrono::NaiveDate {
        match self.session {
            Some(s) => s.date,
            None => self.config.calendar.current_or_next(self.now_ts()).date,
        }
    }

    pub(super) fn daytrade_count(&self, account: &Account) -> u32 {
        account.daytrade_count(self.daytrade_window)
    }

    pub fn summary(&self, id: &AccountId) -> Option<AccountSummary> {
        let account = self.accounts.get(id)?;
        Some(account.summary(|s, h| self.mark_or_cost(s, h), self.daytrade_count(account)))
    }

    pub fn positions(&self, id: &AccountId) -> Option<Vec<PositionView>> {
        let account = self.accounts.get(id)?;
        Some(
            account
                .positions
                .iter()
                .filter(|(_, h)| !h.qty.is_zero())
                .map(|(symbol, h)| self.position_view(symbol, h))
                .collect(),
        )
    }

    pub fn position(&self, id: &AccountId, symbol: &Symbol) -> Option<PositionView> {
        let h = self.accounts.get(id)?.positions.get(symbol)?;
        (!h.qty.is_zero()).then(|| self.position_view(symbol, h))
    }

    /// Saturating and checked: a read must never panic the exchange, whatever a feed did to the
    /// marks (the order caps keep real figures far inside a `Decimal`).
    pub(super) fn position_view(&self, symbol: &Symbol, h: &Holding) -> PositionView {
        let price = self.mark_or_cost(symbol, h);
        let lastday = self.prev_close.get(symbol).copied().unwrap_or(price);
        let market_value = h.qty.saturating_mul(price);
        let unrealized = market_value.saturating_sub(h.cost_basis);
        let ratio = |num: Decimal, den: Decimal| {
            num.checked_div(den.abs())
                .map_or(Decimal::ZERO, |r| r.round_dp(6))
        };
        let intraday_basis = h.qty.saturating_mul(lastday);
        let intraday = market_value.saturating_sub(intraday_basis);
        let asset = self.assets.get(symbol);
        PositionView {
            asset_id: asset.map_or_else(|| stable_uuid(symbol.as_str()), |a| a.id),
            symbol: symbol.clone(),
            exchange: asset.map_or_else(String::new, |a| a.exchange.clone()),
            qty: h.qty,
            qty_available: if h.qty.gt0() {
                h.qty.saturating_sub(h.held_for_orders)
            } else {
                h.qty
            },
            avg_entry_price: h.avg_entry_price().round_dp(9).normalize(),
            cost_basis: h.cost_basis,
            current_price: price,
            lastday_price: lastday,
            market_value,
            unrealized_pl: unrealized,
            unrealized_plpc: ratio(unrealized, h.cost_basis),
            unrealized_intraday_pl: intraday,
            unrealized_intraday_plpc: ratio(intraday, intraday_basis),
            change_today: ratio(price.saturating_sub(lastday), lastday),
        }
    }
}
