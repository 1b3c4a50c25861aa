//! The Allocation page: by asset, by account, by asset class, cash vs invested — live and paper
//! apart, one currency at a time (`brokerdesk_model::allocation`). Each breakdown is a table
//! with a bar per row (the bar is decoration; the table carries the figures).

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use brokerdesk_model::TradingMode;
use brokerdesk_model::allocation::{Allocation, Slice, allocations, share};
use brokerdesk_model::ipc::{GetAccountsOverview, NoArgs};
use rust_decimal::Decimal;
use yew::prelude::*;

fn amount(v: Decimal, currency: &str) -> String {
    brokerdesk_model::money::format_money(v, currency)
}

fn percent(part: Decimal, total: Decimal) -> String {
    share(part, total).map_or_else(|| "—".into(), |p| format!("{p} %"))
}

fn table(
    id: String,
    caption: &str,
    first: &str,
    rows: &[Slice],
    total: Decimal,
    currency: &str,
) -> Html {
    html! {
        <table class="alloc-table" id={id}>
            <caption>{ caption }</caption>
            <thead><tr><th scope="col">{ first }</th><th scope="col" class="num">{ "Value" }</th><th scope="col" class="num">{ "Share" }</th><th scope="col"><span class="alloc-sr-only">{ "Bar" }</span></th></tr></thead>
            <tbody>
                { for rows.iter().map(|s| {
                    let pct = share(s.value, total).unwrap_or_default();
                    let width = pct.max(Decimal::ZERO).min(Decimal::ONE_HUNDRED);
                    html! {
                        <tr>
                            <th scope="row">{ &s.label }</th>
                            <td class="num">{ amount(s.value, currency) }</td>
                            <td class="num">{ percent(s.value, total) }</td>
                            <td class="alloc-bar-cell" aria-hidden="true">
                                // An SVG attribute, not a style: the CSP allows no inline styles.
                                <svg class="alloc-bar" viewBox="0 0 100 8" preserveAspectRatio="none">
                                    <rect class="alloc-bar-bg" width="100" height="8" rx="2" />
                                    <rect class="alloc-bar-fill" width={width.to_string()} height="8" rx="2" />
                                </svg>
                            </td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

fn group(mode: TradingMode, currency: &str, a: &Allocation) -> Html {
    let mode_name = match mode {
        TradingMode::Live => "Live",
        TradingMode::Paper => "Paper",
    };
    let slug = format!("{}-{}", mode_name.to_lowercase(), currency.to_lowercase());
    let total = a.total();
    let cash_vs = [
        Slice {
            label: "Cash".into(),
            value: a.cash,
        },
        Slice {
            label: "Invested".into(),
            value: a.invested,
        },
    ];
    html! {
        <section class={classes!("card", "alloc-group", format!("alloc-{}", mode_name.to_lowercase()))} id={format!("alloc-{slug}")}
            aria-labelledby={format!("alloc-title-{slug}")}>
            <h2 id={format!("alloc-title-{slug}")}>
                <span class={classes!("badge", "mode", mode_name.to_lowercase())}>{ mode_name }</span>
                { format!(" {currency} — {}", amount(total, currency)) }
            </h2>
            if mode == TradingMode::Paper {
                <p class="muted">{ "Paper money: never part of the live figures." }</p>
            }
            <div class="alloc-grid">
                { table(format!("alloc-{slug}-cash"), "Cash vs invested", "Part", &cash_vs, total, currency) }
                { table(format!("alloc-{slug}-class"), "By asset class", "Class", &a.by_class, total, currency) }
                { table(format!("alloc-{slug}-account"), "By account", "Account", &a.by_account, total, currency) }
                { table(format!("alloc-{slug}-asset"), "By asset", "Asset", &a.by_asset, total, currency) }
            </div>
        </section>
    }
}

#[component]
pub fn AllocationPage() -> Html {
    let overview = use_command::<GetAccountsOverview>(NoArgs {});
    let body = match &*overview.state {
        Load::Loading => html! { <p class="muted" aria-busy="true">{ "Loading accounts…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={overview.reload.clone()} /> }
        }
        Load::Ready(view) => match allocations(&view.accounts) {
            None => html! { <p role="alert">{ "These figures are too large to add up." }</p> },
            Some(groups) if groups.is_empty() => html! {
                <p class="muted">{ "No accounts with a balance yet." }</p>
            },
            Some(groups) => html! {
                <>
                    if !view.unreachable.is_empty() {
                        <p class="notice">{ format!("{} connection(s) could not be read: their accounts are missing here.", view.unreachable.len()) }</p>
                    }
                    { for groups.iter().map(|((mode, currency), a)| group(mode.0, currency, a)) }
                </>
            },
        },
    };
    let refresh = {
        let reload = overview.reload.clone();
        Callback::from(move |_: MouseEvent| reload.emit(()))
    };
    html! {
        <>
            <header class="page-header">
                <h1>{ "Allocation" }</h1>
                <button class="secondary" onclick={refresh}>{ "Refresh" }</button>
            </header>
            { body }
        </>
    }
}
