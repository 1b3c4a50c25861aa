//! Total equity over time as a small line chart (SVG, no library: a polyline is enough).

use brokerdesk_model::money::format_usd;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EquityChartProps {
    /// Oldest first.
    pub points: Vec<Decimal>,
}

const W: f64 = 600.0;
const H: f64 = 80.0;

#[component]
pub fn EquityChart(props: &EquityChartProps) -> Html {
    let p = &props.points;
    if p.len() < 2 {
        return html! {
            <p class="muted chart-empty">{ "The equity chart fills in as the accounts refresh." }</p>
        };
    }
    let (min, max) = p
        .iter()
        .fold((p[0], p[0]), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let span = (max - min).to_f64().unwrap_or(0.0);
    // Pixel positions only: the figures shown are the exact decimals.
    let points: Vec<String> = p
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = W * i as f64 / (p.len() - 1) as f64;
            let y = if span > 0.0 {
                H - H * (*v - min).to_f64().unwrap_or(0.0) / span
            } else {
                H / 2.0
            };
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let last = p[p.len() - 1];
    let change = last - p[0];
    html! {
        <figure class="chart" id="equity-chart">
            <svg viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none" role="img"
                aria-label={format!("Total equity, last {}", format_usd(last))}>
                <polyline points={points.join(" ")} fill="none" stroke="currentColor" stroke-width="2" vector-effect="non-scaling-stroke" />
            </svg>
            <figcaption class="muted">
                { format!("Total equity this session: {} ({}{})", format_usd(last), if change.is_sign_negative() { "" } else { "+" }, format_usd(change)) }
            </figcaption>
        </figure>
    }
}
