//! Net worth over time: the stored history on a real time axis, ranges 1D/1W/1M/1Y/All, the
//! live total (paper on request, always apart) or one account, one currency at a time. The
//! geometry is `brokerdesk_model::chart` (tested natively); this draws it.

use crate::hooks::use_latest;
use crate::ipc;
use brokerdesk_model::chart::{self, Layout};
use brokerdesk_model::ipc::{NetWorthArgs, NetWorthHistory as NetWorthCommand};
use brokerdesk_model::net_worth::{
    AccountKey, EquityPoint, HistoryRange, NetWorthHistory, NetWorthQuery,
};
use brokerdesk_model::{IpcError, TradingMode};
use chrono::FixedOffset;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

const W: f64 = 800.0;
const H: f64 = 240.0;

#[derive(Properties, PartialEq)]
pub struct NetWorthChartProps {
    /// Changes when the accounts were read again (a new snapshot is stored): re-read.
    pub version: u64,
}

/// `performance.now()` in the page (what the end-to-end test reads the paint time with).
fn perf_now() -> f64 {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"performance".into())
        .ok()
        .and_then(|p| {
            let now = js_sys::Reflect::get(&p, &"now".into()).ok()?;
            now.dyn_into::<js_sys::Function>()
                .ok()?
                .call0(&p)
                .ok()?
                .as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

/// The webview's current offset from UTC, for the tick labels.
fn local_offset() -> FixedOffset {
    let minutes = js_sys::Date::new_0().get_timezone_offset();
    FixedOffset::west_opt((minutes * 60.0) as i32)
        .unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc))
}

/// After the next paint, `window.__bdChartPaintMs` = the time from `since` (data arrived).
fn record_paint(since: f64) {
    let done = Closure::once_into_js(move || {
        let ms = perf_now() - since;
        let _ = js_sys::Reflect::set(
            &js_sys::global(),
            &"__bdChartPaintMs".into(),
            &JsValue::from_f64(ms),
        );
    });
    if let Ok(raf) = js_sys::Reflect::get(&js_sys::global(), &"requestAnimationFrame".into())
        && let Ok(raf) = raf.dyn_into::<js_sys::Function>()
    {
        let _ = raf.call1(&JsValue::NULL, &done);
    }
}

/// One drawn line: its label, CSS class and points.
struct Line<'a> {
    label: String,
    class: &'static str,
    points: &'a [EquityPoint],
}

const ACCOUNT_CLASSES: [&str; 6] = ["nw-a0", "nw-a1", "nw-a2", "nw-a3", "nw-a4", "nw-a5"];

fn lines<'a>(h: &'a NetWorthHistory, currency: &str, one_account: bool) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    if !one_account {
        if let Some(t) = h.live_totals.get(currency) {
            out.push(Line {
                label: format!("Live total ({currency})"),
                class: "nw-total",
                points: t,
            });
        }
        if let Some(t) = h.paper_totals.get(currency) {
            out.push(Line {
                label: format!("Paper total ({currency})"),
                class: "nw-paper",
                points: t,
            });
        }
    }
    for (i, a) in h
        .accounts
        .iter()
        .filter(|a| a.currency == currency)
        .enumerate()
    {
        out.push(Line {
            label: format!(
                "{} · {}{}",
                a.connection_name,
                a.key.account,
                if a.mode == TradingMode::Paper {
                    " (paper)"
                } else {
                    ""
                }
            ),
            class: ACCOUNT_CLASSES[i % ACCOUNT_CLASSES.len()],
            points: &a.points,
        });
    }
    out
}

fn currencies(h: &NetWorthHistory) -> Vec<String> {
    let mut c: Vec<String> = h.accounts.iter().map(|a| a.currency.clone()).collect();
    c.sort();
    c.dedup();
    c
}

#[component]
pub fn NetWorthChart(props: &NetWorthChartProps) -> Html {
    let range = use_state_eq(|| HistoryRange::Month);
    let include_paper = use_state_eq(|| false);
    let account = use_state_eq(|| None::<AccountKey>);
    let currency = use_state_eq(|| None::<String>);
    let data = use_state(|| None::<Result<Rc<NetWorthHistory>, IpcError>>);
    let arrived = use_mut_ref(|| Cell::new(0.0f64));
    let generation = use_state(|| 0u32);
    {
        let data = data.clone();
        let arrived = arrived.clone();
        let generation = generation.clone();
        let query = NetWorthQuery {
            range: *range,
            account: (*account).clone(),
            include_paper: *include_paper,
        };
        // Ranges pressed in a row: the chart shows the last one's answer.
        let latest = use_latest();
        use_effect_with((query.clone(), props.version), move |_| {
            let asked = latest.begin();
            wasm_bindgen_futures::spawn_local(async move {
                let got = ipc::call::<NetWorthCommand>(&NetWorthArgs { query }).await;
                if !asked.is_newest() {
                    return;
                }
                arrived.borrow().set(perf_now());
                data.set(Some(got.map(Rc::new)));
                generation.set(generation.wrapping_add(1));
            });
        });
    }
    {
        let arrived = arrived.clone();
        use_effect_with(*generation, move |g| {
            if *g != 0 {
                record_paint(arrived.borrow().get());
            }
        });
    }
    let range_buttons = HistoryRange::EVERY.into_iter().map(|r| {
        let set = range.clone();
        let pressed = if *range == r { "true" } else { "false" };
        html! {
            <button type="button" class="nw-range" id={format!("nw-range-{}", r.label())}
                aria-pressed={pressed} onclick={Callback::from(move |_: MouseEvent| set.set(r))}>
                { r.label() }
            </button>
        }
    });
    let toggle_paper = {
        let include_paper = include_paper.clone();
        Callback::from(move |_: Event| include_paper.set(!*include_paper))
    };
    let body = match &*data {
        None => html! { <p class="muted" aria-busy="true">{ "Loading the history…" }</p> },
        Some(Err(err)) => html! {
            <p class="error-detail" role="alert">{ format!("The history cannot be read: {}", err.message) }</p>
        },
        Some(Ok(h)) => {
            let all = currencies(h);
            let chosen = (*currency)
                .clone()
                .filter(|c| all.contains(c))
                .or_else(|| h.live_totals.keys().next().cloned())
                .or_else(|| all.first().cloned());
            let account_options = {
                let mut keys: Vec<(AccountKey, String)> = h
                    .accounts
                    .iter()
                    .map(|a| {
                        (
                            a.key.clone(),
                            format!("{} · {}", a.connection_name, a.key.account),
                        )
                    })
                    .collect();
                keys.dedup_by(|a, b| a.0 == b.0);
                keys
            };
            let on_account = {
                let account = account.clone();
                let options = account_options.clone();
                Callback::from(move |e: Event| {
                    let v = e.target_unchecked_into::<HtmlSelectElement>().value();
                    account.set(
                        v.parse::<usize>()
                            .ok()
                            .and_then(|i| options.get(i))
                            .map(|o| o.0.clone()),
                    );
                })
            };
            let selected_index = (*account)
                .as_ref()
                .and_then(|k| account_options.iter().position(|o| &o.0 == k));
            let on_currency = {
                let currency = currency.clone();
                Callback::from(move |e: Event| {
                    currency.set(Some(e.target_unchecked_into::<HtmlSelectElement>().value()));
                })
            };
            let chart = match &chosen {
                None => html! {
                    <p class="muted chart-empty">{ "No history yet: it starts with the first read of your accounts." }</p>
                },
                Some(c) => {
                    let drawn = lines(h, c, account.is_some());
                    let start = h.since.unwrap_or_else(|| {
                        drawn
                            .iter()
                            .filter_map(|l| l.points.first().map(|p| p.time))
                            .min()
                            .unwrap_or(h.until)
                    });
                    let refs: Vec<&[EquityPoint]> = drawn.iter().map(|l| l.points).collect();
                    let layout: Layout = chart::layout(&refs, start, h.until, W, H, local_offset());
                    let last = |l: &Line<'_>| {
                        l.points
                            .last()
                            .map(|p| brokerdesk_model::money::format_money(p.equity, c))
                            .unwrap_or_else(|| "—".into())
                    };
                    let summary = drawn
                        .iter()
                        .map(|l| format!("{}: {}", l.label, last(l)))
                        .collect::<Vec<_>>()
                        .join("; ");
                    html! {
                        <>
                            <svg class="nw-svg" viewBox={format!("0 0 {W} {H}")} role="img"
                                aria-label={format!("Net worth, {}: {summary}", range.label())}>
                                { for layout.y_ticks.iter().map(|t| html! {
                                    <g class="nw-grid">
                                        <line x1={chart::MARGIN_LEFT.to_string()} x2={(W - chart::MARGIN_RIGHT).to_string()}
                                            y1={format!("{:.1}", t.at)} y2={format!("{:.1}", t.at)} />
                                        <text x={format!("{:.1}", chart::MARGIN_LEFT - 4.0)} y={format!("{:.1}", t.at + 4.0)} text-anchor="end">{ &t.label }</text>
                                    </g>
                                }) }
                                { for layout.x_ticks.iter().map(|t| html! {
                                    <text class="nw-xtick" x={format!("{:.1}", t.at)} y={format!("{:.1}", H - 6.0)} text-anchor="middle">{ &t.label }</text>
                                }) }
                                { for drawn.iter().zip(layout.paths.iter()).map(|(l, d)| html! {
                                    <path class={classes!("nw-line", l.class)} d={d.clone()} />
                                }) }
                            </svg>
                            <ul class="nw-legend">
                                { for drawn.iter().map(|l| html! {
                                    <li><span class={classes!("nw-swatch", l.class)} aria-hidden="true"></span>
                                        { format!("{} — {}", l.label, last(l)) }</li>
                                }) }
                            </ul>
                        </>
                    }
                }
            };
            let recorded_only = h.accounts.iter().filter(|a| !a.backfilled).count();
            let notes = h.accounts.iter().filter(|a| !a.backfilled).map(|a| {
                let from = a
                    .first_seen
                    .map(|t| t.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "now".into());
                html! {
                    <li>{ format!("{} · {}: since {from}", a.connection_name, a.key.account) }</li>
                }
            });
            html! {
                <>
                    <div class="nw-controls">
                        <label>{ "Show " }
                            <select id="nw-account" onchange={on_account} aria-label="Account">
                                <option value="" selected={selected_index.is_none()}>{ "Total" }</option>
                                { for account_options.iter().enumerate().map(|(i, o)| html! {
                                    <option value={i.to_string()} selected={selected_index == Some(i)}>{ &o.1 }</option>
                                }) }
                            </select>
                        </label>
                        if all.len() > 1 {
                            <label>{ "Currency " }
                                <select id="nw-currency" onchange={on_currency} aria-label="Currency">
                                    { for all.iter().map(|c| html! {
                                        <option value={c.clone()} selected={chosen.as_ref() == Some(c)}>{ c }</option>
                                    }) }
                                </select>
                            </label>
                        }
                    </div>
                    <div class="nw-chart" id="net-worth-chart" data-range={h.range.label()} data-points={h.accounts.iter().map(|a| a.points.len()).sum::<usize>().to_string()}>
                        { chart }
                    </div>
                    if recorded_only > 0 {
                        <details class="muted nw-notes" id="nw-recorded-only">
                            <summary>{ format!("{recorded_only} account(s) without past history from their institution: recorded by Brokerdesk from its first read") }</summary>
                            <ul>{ for notes }</ul>
                        </details>
                    }
                </>
            }
        }
    };
    html! {
        <figure class="chart nw" aria-labelledby="nw-title">
            <div class="nw-head">
                <h2 id="nw-title">{ "Net worth" }</h2>
                <div class="nw-ranges" role="group" aria-label="Range">{ for range_buttons }</div>
                <label class="nw-paper-toggle">
                    <input type="checkbox" id="nw-include-paper" checked={*include_paper} onchange={toggle_paper} />
                    { " Show paper accounts (apart from the live total)" }
                </label>
            </div>
            { body }
        </figure>
    }
}
