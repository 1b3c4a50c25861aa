//! Whether an order may enter: account, asset, fields, session window, shares, pattern-day-
//! trader protection and buying power. Pure checks; nothing changes here.

use brokerdesk_model::Symbol;
use rust_decimal::Decimal;

use super::fast_decimal::{self, Sign};
use super::*;

/// A figure out of `Decimal`'s range. The order caps (`validate`) make this unreachable from a
/// request; the check keeps anything else (a bad feed, a replaced order) from panicking.
fn too_large(what: &str) -> Rejection {
    Rejection::Invalid(format!("{what} is too large"))
}

impl Engine {
    /// The price an order would trade at now: the touch on its side, else the last trade.
    pub(super) fn reference_price(&self, symbol: &Symbol, side: Side) -> Option<Decimal> {
        let quoted = self.quotes.get(symbol).map(|q| match side {
            Side::Buy => q.ask_price,
            Side::Sell => q.bid_price,
        });
        quoted
            .filter(|p| p.gt0())
            .or_else(|| self.trades.get(symbol).map(|t| t.price))
            .filter(|p| p.gt0())
    }

    /// Every check an order must pass; nothing changes here.
    pub(super) fn admit(
        &self,
        req: &OrderRequest,
        replacing: Option<&Order>,
    ) -> Result<Admission, Rejection> {
        let account = self
            .accounts
            .get(&req.account)
            .ok_or_else(|| Rejection::UnknownAccount(req.account.clone()))?;
        if account.config.suspend_trade {
            return Err(Rejection::TradeSuspended);
        }
        let same_cid = replacing.is_some_and(|o| o.client_order_id == req.client_order_id);
        let client_hash = order_store::client_hash(&req.account, &req.client_order_id);
        if !same_cid
            && self
                .orders
                .by_client_id_hashed(client_hash, &req.account, &req.client_order_id)
                .is_some()
        {
            return Err(Rejection::DuplicateClientOrderId);
        }
        if replacing.is_none() && self.orders.contains_key(&req.id) {
            return Err(Rejection::Invalid("order id already used".into()));
        }
        let asset = self
            .assets
            .get(&req.symbol)
            .ok_or_else(|| Rejection::UnknownSymbol(req.symbol.clone()))?;
        if !asset.tradable {
            return Err(Rejection::NotTradable(req.symbol.clone()));
        }
        validate::validate(req)?;
        self.check_class(req)?;
        let fractional = req.is_fractional();
        if fractional && !account.config.fractional_trading {
            return Err(Rejection::FractionalDisabled);
        }
        if fractional && !asset.fractionable {
            return Err(Rejection::Invalid(format!(
                "asset {} is not fractionable",
                req.symbol
            )));
        }

        // When the order goes live and when it dies.
        let calendar = self.config.calendar;
        let now = self.now_ts();
        let session = self
            .session
            .unwrap_or_else(|| calendar.current_or_next(now));
        let open = self.market_open();
        let (status, activate_at, expires_at) = match req.time_in_force {
            TimeInForce::Ioc | TimeInForce::Fok if !open => return Err(Rejection::MarketClosed),
            TimeInForce::Ioc | TimeInForce::Fok => (OrderStatus::New, None, None),
            TimeInForce::Opg => {
                let cutoff = session.open - chrono::Duration::minutes(2);
                let at = if calendar.is_continuous() {
                    calendar.next_open(now)
                } else if now < cutoff {
                    session.open
                } else {
                    return Err(Rejection::Invalid(
                        "opg orders must be submitted before 2 minutes to the open".into(),
                    ));
                };
                (OrderStatus::Accepted, Some(at), None)
            }
            TimeInForce::Cls => {
                if now >= session.close - chrono::Duration::minutes(10) {
                    return Err(Rejection::Invalid(
                        "cls orders must be submitted before 10 minutes to the close".into(),
                    ));
                }
                (OrderStatus::Accepted, Some(session.close), None)
            }
            // Extended hours (validated: day limit orders): live from 04:00 to 20:00.
            TimeInForce::Day if req.extended_hours => {
                let (from, until) = calendar.extended_day(now);
                if from <= now {
                    (OrderStatus::New, None, Some(until))
                } else {
                    (OrderStatus::Accepted, Some(from), Some(until))
                }
            }
            TimeInForce::Day | TimeInForce::Gtc => {
                let expires = (req.time_in_force == TimeInForce::Day).then_some(session.close);
                if open {
                    (OrderStatus::New, None, expires)
                } else {
                    (OrderStatus::Accepted, Some(session.open), expires)
                }
            }
        };

        // Sells: close what is held, or open a short on margin.
        let holding = account.positions.get(&req.symbol);
        let position = holding.map_or(Decimal::ZERO, |h| h.qty);
        let held = holding
            .map_or(Decimal::ZERO, |h| h.held_for_orders)
            .checked_sub(replacing.map_or(Decimal::ZERO, |o| o.held_qty))
            .ok_or_else(|| too_large("held quantity"))?;
        let reference = self.reference_price(&req.symbol, req.side);
        let mut held_qty = Decimal::ZERO;
        let mut opens_short = false;
        if req.side == Side::Sell {
            let available = position
                .max0()
                .checked_sub(held)
                .ok_or_else(|| too_large("available quantity"))?
                .max0();
            let requested = match (req.qty, req.notional) {
                (Some(q), _) => q,
                (None, Some(n)) => match reference {
                    Some(p) => trunc_qty(n.checked_div(p).ok_or_else(|| too_large("notional"))?),
                    None => {
                        return Err(Rejection::Invalid(format!(
                            "no market price for {}",
                            req.symbol
                        )));
                    }
                },
                _ => Decimal::ZERO,
            };
            if position.gt0() || account.kind == AccountKind::Cash {
                if fast_decimal::gt(requested, available) {
                    return Err(Rejection::InsufficientQty {
                        requested,
                        available,
                    });
                }
                held_qty = if req.qty.is_some() {
                    requested
                } else {
                    Decimal::ZERO
                };
            } else {
                if fractional {
                    return Err(Rejection::FractionalShort);
                }
                if !asset.shortable {
                    return Err(Rejection::NotShortable(req.symbol.clone()));
                }
                if account.config.no_shorting {
                    return Err(Rejection::ShortingNotAllowed);
                }
                opens_short = true;
            }
        }

        // Pattern-day-trader protection: a 4th day trade in 5 sessions under $25k is refused.
        // Valuing the account at marks is the costly part, so it comes last, and only when
        // no mark-free floor already shows the equity.
        let value = || account.valuation(|s, h| self.mark_or_cost(s, h));
        let reduces =
            (req.side == Side::Sell && position.gt0()) || (req.side == Side::Buy && position.lt0());
        let opened_today = holding.is_some_and(|h| h.opened_session == Some(self.session_date()));
        if account.kind == AccountKind::Margin
            && reduces
            && opened_today
            && account
                .equity_floor()
                .is_none_or(|floor| fast_decimal::lt(floor, account::PDT_MINIMUM_EQUITY))
            && self.daytrade_count(account) >= 3
            && fast_decimal::lt(value().equity, account::PDT_MINIMUM_EQUITY)
        {
            return Err(Rejection::PatternDayTrading);
        }

        // Buying power: buys and short sales reserve; sells of held shares release nothing.
        let buffer = || {
            self.market_buy_factor
                .ok_or_else(|| too_large("market buy buffer"))
        };
        let times = |a: Decimal, b: Decimal| a.checked_mul(b).ok_or_else(|| too_large("price"));
        let reserve_price = if req.notional.is_some() && req.side == Side::Buy {
            Decimal::ONE
        } else if req.side == Side::Buy {
            match req.order_type {
                OrderType::Limit | OrderType::StopLimit => req.limit_price.unwrap_or_default(),
                OrderType::Stop => {
                    let stop = req.stop_price.unwrap_or_default();
                    times(reference.map_or(stop, |r| r.max(stop)), buffer()?)?
                }
                OrderType::Market | OrderType::TrailingStop => match reference {
                    Some(r) => times(r, buffer()?)?.round_dp(4),
                    None => {
                        return Err(Rejection::Invalid(format!(
                            "no market price for {}",
                            req.symbol
                        )));
                    }
                },
            }
        } else if opens_short {
            match (req.limit_price, reference, req.stop_price) {
                (Some(l), r, _) => r.map_or(l, |r| r.max(l)),
                (None, Some(r), _) => r,
                (None, None, Some(s)) => s,
                (None, None, None) => {
                    return Err(Rejection::Invalid(format!(
                        "no market price for {}",
                        req.symbol
                    )));
                }
            }
        } else {
            Decimal::ZERO
        };
        let leaves = req.qty.or(req.notional).unwrap_or_default();
        let required = leaves
            .checked_mul(reserve_price)
            .ok_or_else(|| too_large("order value"))?;
        let freed = replacing.map_or(Decimal::ZERO, |o| o.reserved);
        // Nothing required always fits; a requirement under the mark-free floor fits the
        // exact figure too (`Account::buying_power_floor`).
        let fits_floor = || {
            account
                .buying_power_floor()
                .and_then(|floor| floor.checked_add(freed))
                .is_some_and(|floor| !fast_decimal::gt(required, floor))
        };
        if required.gt0() && !fits_floor() {
            let available = value()
                .buying_power
                .checked_add(freed)
                .ok_or_else(|| too_large("buying power"))?;
            if fast_decimal::gt(required, available) {
                return Err(Rejection::InsufficientBuyingPower {
                    required,
                    available,
                });
            }
        }
        Ok(Admission {
            status,
            reserve_price,
            held_qty,
            activate_at,
            expires_at,
            client_hash,
        })
    }
}
