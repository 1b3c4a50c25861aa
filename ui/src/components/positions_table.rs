use crate::route::{PositionRoute, use_position_router};
use brokerdesk_model::money::{format_grouped, format_money, format_price};
use brokerdesk_model::{
    AccountId, ConnectionId, Position, PositionSide, PriceSource, Quote, Symbol,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PositionsTableProps {
    pub positions: Vec<Position>,
    /// Streaming quotes; a position's price, value and P&L follow them between refreshes.
    #[prop_or_default]
    pub quotes: Rc<BTreeMap<Symbol, Quote>>,
    /// Where each position's price came from, as the backend read it.
    #[prop_or_default]
    pub prices: BTreeMap<Symbol, PriceSource>,
    /// The account's currency: every price and amount is in it.
    pub currency: String,
    /// Where the positions are held: with both, each row opens its position page.
    #[prop_or_default]
    pub connection: Option<ConnectionId>,
    #[prop_or_default]
    pub account: Option<AccountId>,
}

/// The price a position is marked at: the last trade, else the middle of the spread.
fn mark(q: &Quote) -> Option<Decimal> {
    q.last.or_else(|| match (q.bid, q.ask) {
        (Some(b), Some(a)) if b > Decimal::ZERO && a > Decimal::ZERO => {
            Some((b + a) / Decimal::TWO)
        }
        _ => None,
    })
}

/// The position re-marked at `price`.
fn marked(p: &Position, price: Decimal) -> Position {
    let sign = match p.side {
        PositionSide::Long => Decimal::ONE,
        PositionSide::Short => -Decimal::ONE,
    };
    Position {
        current_price: price,
        market_value: sign * p.qty * price,
        unrealized_pl: sign * p.qty * (price - p.avg_entry_price),
        ..p.clone()
    }
}

#[component]
pub fn PositionsTable(props: &PositionsTableProps) -> Html {
    let router = use_position_router();
    let cur = props.currency.as_str();
    let row = |p: &Position| {
        // Clicking the row (or the symbol's button, for the keyboard) opens the position page.
        let open = match (&router, &props.connection, &props.account) {
            (Some(router), Some(connection), Some(account)) => {
                let route = PositionRoute {
                    connection: connection.clone(),
                    account: account.clone(),
                    symbol: p.symbol.clone(),
                };
                let open = router.open.clone();
                Some(Callback::from(move |_: MouseEvent| {
                    open.emit(route.clone())
                }))
            }
            _ => None,
        };
        let live = props.quotes.get(&p.symbol).and_then(mark);
        // A streamed quote of this connection wins; else the price the backend says it used.
        let broker_price = match live {
            Some(_) => None,
            None => props
                .prices
                .get(&p.symbol)
                .filter(|s| matches!(s, PriceSource::Positions { .. })),
        };
        let source = match (live, props.prices.get(&p.symbol)) {
            (Some(_), _) | (None, Some(PriceSource::Quote { .. })) => {
                "This connection's own quote".to_owned()
            }
            (None, Some(PriceSource::Positions { .. })) => {
                "The broker's price in its positions (this connection has no quotes)".to_owned()
            }
            (None, None) => "The broker's price".to_owned(),
        };
        let p = &live
            .map(|price| marked(p, price))
            .unwrap_or_else(|| p.clone());
        let qty = p.qty.normalize();
        let side = match p.side {
            PositionSide::Long => "Long",
            PositionSide::Short => "Short",
        };
        let pl_class = if p.unrealized_pl.is_sign_negative() {
            "loss"
        } else {
            "gain"
        };
        html! {
            <tr data-symbol={p.symbol.to_string()} class={classes!(open.is_some().then_some("opens"))} onclick={open.clone()}>
                <td>
                    if let Some(open) = open.clone() {
                        // The row's click is for the mouse; this button is the keyboard's way in.
                        <button class="link open-position" data-open-position={p.symbol.to_string()}
                            title={format!("Open {} (chart, fills, orders)", p.symbol)}
                            onclick={Callback::from(move |e: MouseEvent| { e.stop_propagation(); open.emit(e) })}>
                            { p.symbol.as_str() }
                        </button>
                    } else {
                        { p.symbol.as_str() }
                    }
                </td>
                <td>{ side }</td>
                <td class="num">{ format_grouped(qty, qty.scale()) }</td>
                <td class="num">{ format_price(p.avg_entry_price, cur) }</td>
                <td class="num" title={source}>{ format_price(p.current_price, cur) }
                    if let Some(PriceSource::Positions { as_of }) = broker_price {
                        <span class="muted price-source" data-field="price-source">{ format!(" broker's price, {}", crate::time::local_time(*as_of)) }</span>
                    }
                </td>
                <td class="num">{ format_money(p.market_value, cur) }</td>
                <td class={classes!("num", pl_class)}>{ format_money(p.unrealized_pl, cur) }</td>
            </tr>
        }
    };
    html! {
        <table class="positions">
            <thead>
                <tr>
                    <th>{ "Symbol" }</th><th>{ "Side" }</th><th class="num">{ "Qty" }</th>
                    <th class="num">{ "Avg price" }</th><th class="num">{ "Last" }</th>
                    <th class="num">{ "Market value" }</th><th class="num">{ "Unrealized P&L" }</th>
                </tr>
            </thead>
            <tbody>
                if props.positions.is_empty() {
                    <tr class="empty"><td colspan="7">{ "No positions." }</td></tr>
                } else {
                    { for props.positions.iter().map(row) }
                }
            </tbody>
        </table>
    }
}
