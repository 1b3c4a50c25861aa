//! Totals across accounts, in the user's base currency (Settings), live and paper apart.
//!
//! Other currencies are converted at the published reference rate, shown next to the total
//! with its source and date; without a rate the totals stay per currency. Paper money is never
//! added into the live total. Every count shown is the length of the list it describes.

use crate::hooks::{Load, use_command};
use crate::ipc;
use brokerdesk_model::fx::{FxRates, FxRatesReply, Total, total};
use brokerdesk_model::ipc::{GetFxRates, GetSettings, NoArgs};
use brokerdesk_model::money::format_money;
use brokerdesk_model::settings::DEFAULT_BASE_CURRENCY;
use brokerdesk_model::{AccountSnapshot, TradingMode};
use rust_decimal::Decimal;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TotalsBarProps {
    pub accounts: Vec<AccountSnapshot>,
    /// Connections that could not be read: their money is not in the totals, and we say so.
    #[prop_or_default]
    pub unreachable: usize,
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// One total as text: the converted figure, or each currency's own (never added together).
fn show(t: &Total) -> String {
    match t {
        Total::Converted { base, amount, .. } => format_money(*amount, base),
        Total::PerCurrency(per) => per
            .iter()
            .map(|(code, amount)| format_money(*amount, code))
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

/// "1 EUR = 1.0705 USD (European Central Bank euro reference rates, 2024-06-28)".
fn rate_note(t: &Total) -> Option<String> {
    match t {
        Total::Converted {
            rates,
            source,
            date,
            ..
        } if !rates.is_empty() => {
            let list = rates
                .iter()
                .map(|r| format!("1 {} = {} {}", r.from, r.rate.round_dp(6).normalize(), r.to))
                .collect::<Vec<_>>()
                .join(", ");
            Some(format!(
                "Converted at {list} ({}{})",
                source.as_deref().unwrap_or("published rates"),
                date.map(|d| format!(", {d}")).unwrap_or_default()
            ))
        }
        _ => None,
    }
}

#[derive(Properties, PartialEq)]
struct GroupProps {
    /// `live` or `paper`: ids and labels.
    kind: &'static str,
    accounts: Vec<AccountSnapshot>,
    base: String,
    rates: Option<FxRates>,
}

#[component]
fn Group(props: &GroupProps) -> Html {
    let sum = |f: fn(&AccountSnapshot) -> Decimal| {
        let amounts: Vec<(String, Decimal)> = props
            .accounts
            .iter()
            .map(|a| (a.balances.currency.clone(), f(a)))
            .collect();
        total(&amounts, &props.base, props.rates.as_ref())
    };
    let equity = sum(|a| a.balances.equity);
    let cash = sum(|a| a.balances.cash);
    let buying = sum(|a| a.balances.buying_power);
    let per_currency = matches!(equity, Total::PerCurrency(_));
    let (title, id_prefix) = match props.kind {
        "paper" => ("Paper equity (simulated)", "paper-"),
        _ => ("Equity", ""),
    };
    html! {
        <div class={classes!("totals-group", props.kind)} id={format!("totals-{}", props.kind)}>
            <div class="figures">
                <div class="figure"><div class="figure-label" data-field={format!("{id_prefix}total-count")}>{ format!("{title} · {}", plural(props.accounts.len(), "account")) }</div>
                    <div class="figure-value" data-field={format!("{id_prefix}total-equity")}>{ show(&equity) }</div></div>
                <div class="figure"><div class="figure-label">{ "Cash" }</div>
                    <div class="figure-value" data-field={format!("{id_prefix}total-cash")}>{ show(&cash) }</div></div>
                <div class="figure"><div class="figure-label">{ "Buying power" }</div>
                    <div class="figure-value" data-field={format!("{id_prefix}total-buying-power")}>{ show(&buying) }</div></div>
            </div>
            if let Some(note) = rate_note(&equity) {
                <p class="muted totals-rate" data-field={format!("{id_prefix}total-rate")}>{ note }</p>
            }
            if per_currency {
                <p class="muted totals-per-currency" data-field={format!("{id_prefix}total-per-currency")}>{
                    format!("No exchange rate into {} is available for every currency here, so these totals are per currency and not added together.", props.base)
                }</p>
            }
        </div>
    }
}

#[component]
pub fn TotalsBar(props: &TotalsBarProps) -> Html {
    let settings = use_command::<GetSettings>(NoArgs {});
    let base = match &*settings.state {
        Load::Ready(s) => s.base_currency.clone(),
        _ => DEFAULT_BASE_CURRENCY.to_owned(),
    };
    // Accounts the institution gives no balance for are neither summed nor counted as such.
    let known: Vec<&AccountSnapshot> = props
        .accounts
        .iter()
        .filter(|a| a.balance_unknown.is_none())
        .collect();
    let unknown = props.accounts.len() - known.len();
    let (live, paper): (Vec<AccountSnapshot>, Vec<AccountSnapshot>) = known
        .into_iter()
        .cloned()
        .partition(|a| a.mode == TradingMode::Live);
    // Rates are asked for only when some account is not in the base currency.
    let needs_rates = live
        .iter()
        .chain(&paper)
        .any(|a| !a.balances.currency.eq_ignore_ascii_case(&base));
    let rates = use_state(|| None::<FxRatesReply>);
    {
        let rates = rates.clone();
        use_effect_with(needs_rates, move |needs| {
            if *needs {
                wasm_bindgen_futures::spawn_local(async move {
                    match ipc::call::<GetFxRates>(&NoArgs {}).await {
                        Ok(reply) => rates.set(Some(reply)),
                        Err(err) => rates.set(Some(FxRatesReply {
                            rates: None,
                            problem: Some(err.code.explain().to_owned()),
                        })),
                    }
                });
            }
        });
    }
    let held = rates.as_ref().and_then(|r| r.rates.clone());
    let problem = rates.as_ref().and_then(|r| r.problem.clone());
    html! {
        <section class="card totals" id="totals">
            if !live.is_empty() || paper.is_empty() {
                <Group kind="live" accounts={live.clone()} base={base.clone()} rates={held.clone()} />
            }
            if !paper.is_empty() {
                <Group kind="paper" accounts={paper.clone()} base={base.clone()} rates={held.clone()} />
                if !live.is_empty() {
                    <p class="muted" id="totals-paper-apart">{ "Paper money is shown apart and never added into the live total." }</p>
                }
            }
            if needs_rates && let Some(problem) = problem {
                <details class="muted totals-rate-problem" id="totals-rate-problem">
                    <summary>{ "Exchange rates could not be brought up to date." }</summary>
                    <p>{ problem }</p>
                </details>
            }
            if props.unreachable > 0 {
                <p class="muted" id="totals-incomplete">{ format!("{} could not be read: their accounts are not in these totals.", plural(props.unreachable, "connection")) }</p>
            }
            if unknown > 0 {
                <p class="muted" id="totals-without-balance">{ format!("{} without a balance figure {} not in these totals.", plural(unknown, "account"), if unknown == 1 { "is" } else { "are" }) }</p>
            }
        </section>
    }
}
