//! One symbol's price history as an SVG line on a real time axis, with the user's fills marked
//! where (when, at what price) they happened. Self-contained: the net-worth chart is separate.

use brokerdesk_model::OrderSide;
use brokerdesk_model::money::format_price;
use brokerdesk_model::position_detail::{FillMark, PriceBar};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PriceChartProps {
    /// Oldest first.
    pub bars: Vec<PriceBar>,
    pub fills: Vec<FillMark>,
    pub symbol: String,
    pub currency: String,
}

const W: f64 = 720.0;
const H: f64 = 240.0;
/// Room for the price labels on the left and the dates below.
const LEFT: f64 = 72.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;
/// Room for a fill's marker at the right edge (a fill after the last bar sits there).
const RIGHT: f64 = 10.0;

/// Maps times and prices to pixels; figures shown stay the exact decimals.
struct Scale {
    t0: i64,
    t1: i64,
    lo: Decimal,
    hi: Decimal,
}

impl Scale {
    fn x(&self, t: DateTime<Utc>) -> f64 {
        let span = (self.t1 - self.t0).max(1) as f64;
        LEFT + (W - LEFT - RIGHT) * (t.timestamp() - self.t0) as f64 / span
    }
    fn y(&self, p: Decimal) -> f64 {
        let span = (self.hi - self.lo).to_f64().unwrap_or(0.0);
        if span <= 0.0 {
            return TOP + (H - TOP - BOTTOM) / 2.0;
        }
        let frac = (p - self.lo).to_f64().unwrap_or(0.0) / span;
        H - BOTTOM - (H - TOP - BOTTOM) * frac
    }
}

/// The time axis spans the bars and the fills (a fill after the last bar still shows); the
/// price axis spans lows, highs and fill prices.
fn scale(bars: &[PriceBar], fills: &[FillMark]) -> Option<Scale> {
    let times = bars
        .iter()
        .map(|b| b.time)
        .chain(fills.iter().map(|f| f.time));
    let (t0, t1) = times.fold(None, |acc: Option<(i64, i64)>, t| {
        let s = t.timestamp();
        Some(acc.map_or((s, s), |(a, b)| (a.min(s), b.max(s))))
    })?;
    let prices = bars
        .iter()
        .flat_map(|b| [b.low, b.high])
        .chain(fills.iter().map(|f| f.price));
    let (lo, hi) = prices.fold(None, |acc: Option<(Decimal, Decimal)>, p| {
        Some(acc.map_or((p, p), |(a, b)| (a.min(p), b.max(p))))
    })?;
    Some(Scale { t0, t1, lo, hi })
}

fn date(t: DateTime<Utc>, with_time: bool) -> String {
    if with_time {
        crate::time::local_time(t)
    } else {
        t.format("%Y-%m-%d").to_string()
    }
}

#[component]
pub fn PriceChart(props: &PriceChartProps) -> Html {
    let Some(s) = scale(&props.bars, &props.fills) else {
        return html! {
            <p class="muted chart-empty" id="price-chart-empty">{ "No bars in this range." }</p>
        };
    };
    let line: Vec<String> = props
        .bars
        .iter()
        .map(|b| format!("{:.1},{:.1}", s.x(b.time), s.y(b.close)))
        .collect();
    let short_span = s.t1 - s.t0 < 3 * 86_400;
    let (first, last) = (props.bars.first(), props.bars.last());
    let money = |p: Decimal| format_price(p, &props.currency);
    let label = match (first, last) {
        (Some(f), Some(l)) => format!(
            "{} price from {} ({}) to {} ({}), {} bars, {} of your fills marked",
            props.symbol,
            date(f.time, short_span),
            money(f.close),
            date(l.time, short_span),
            money(l.close),
            props.bars.len(),
            props.fills.len()
        ),
        _ => format!("{} fills of {}", props.fills.len(), props.symbol),
    };
    let marks = props.fills.iter().map(|f| {
        let (x, y) = (s.x(f.time), s.y(f.price));
        let (side, points) = match f.side {
            // Up for a buy, down for a sell.
            OrderSide::Buy => ("buy", format!("{x:.1},{:.1} {:.1},{:.1} {:.1},{:.1}", y - 7.0, x - 6.0, y + 5.0, x + 6.0, y + 5.0)),
            OrderSide::Sell => ("sell", format!("{x:.1},{:.1} {:.1},{:.1} {:.1},{:.1}", y + 7.0, x - 6.0, y - 5.0, x + 6.0, y - 5.0)),
        };
        html! {
            <polygon class={classes!("fill-mark", side)} data-side={side} points={points}>
                <title>{ format!("{} {} at {} on {}", if side == "buy" { "Bought" } else { "Sold" }, f.qty.normalize(), money(f.price), f.time.format("%Y-%m-%d %H:%M UTC")) }</title>
            </polygon>
        }
    });
    let axis_y = H - BOTTOM;
    html! {
        <figure class="chart price-chart">
            <svg id="price-chart" viewBox={format!("0 0 {W} {H}")} role="img" aria-label={label}
                data-points={props.bars.len().to_string()} data-fills={props.fills.len().to_string()}>
                <line class="axis" x1={LEFT.to_string()} y1={axis_y.to_string()} x2={W.to_string()} y2={axis_y.to_string()} />
                <text class="axis-label" x="4" y={(TOP + 10.0).to_string()}>{ money(s.hi) }</text>
                <text class="axis-label" x="4" y={(axis_y - 2.0).to_string()}>{ money(s.lo) }</text>
                <text class="axis-label" x={LEFT.to_string()} y={(H - 4.0).to_string()}>
                    { DateTime::from_timestamp(s.t0, 0).map(|t| date(t, short_span)).unwrap_or_default() }
                </text>
                <text class="axis-label" x={(W - RIGHT).to_string()} y={(H - 4.0).to_string()} text-anchor="end">
                    { DateTime::from_timestamp(s.t1, 0).map(|t| date(t, short_span)).unwrap_or_default() }
                </text>
                <polyline class="price-line" points={line.join(" ")} fill="none" />
                { for marks }
            </svg>
        </figure>
    }
}
