use brokerdesk_model::money::{format_grouped, format_usd};
use brokerdesk_model::{Position, PositionSide, PriceSource, Quote, Symbol};
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
    let row = |p: &Position| {
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
            <tr data-symbol={p.symbol.to_string()}>
                <td>{ p.symbol.as_str() }</td>
                <td>{ side }</td>
                <td class="num">{ format_grouped(qty, qty.scale()) }</td>
                <td class="num">{ format_usd(p.avg_entry_price) }</td>
                <td class="num" title={source}>{ format_usd(p.current_price) }
                    if let Some(PriceSource::Positions { as_of }) = broker_price {
                        <span class="muted price-source" data-field="price-source">{ format!(" broker's price, {}", crate::time::local_time(*as_of)) }</span>
                    }
                </td>
                <td class="num">{ format_usd(p.market_value) }</td>
                <td class={classes!("num", pl_class)}>{ format_usd(p.unrealized_pl) }</td>
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
