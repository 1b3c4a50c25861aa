//! Totals across every account, in one currency.

use brokerdesk_model::AccountSnapshot;
use brokerdesk_model::money::format_usd;
use rust_decimal::Decimal;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TotalsBarProps {
    pub accounts: Vec<AccountSnapshot>,
    /// Connections that could not be read: their money is not in the totals, and we say so.
    #[prop_or_default]
    pub unreachable: usize,
}

#[component]
pub fn TotalsBar(props: &TotalsBarProps) -> Html {
    // Only US dollars add up; other currencies are counted and named, not converted.
    let usd: Vec<_> = props
        .accounts
        .iter()
        .filter(|a| a.balance_unknown.is_none())
        .filter(|a| a.balances.currency.eq_ignore_ascii_case("USD"))
        .collect();
    let sum = |f: fn(&AccountSnapshot) -> Decimal| usd.iter().map(|a| f(a)).sum::<Decimal>();
    // Accounts the institution gives no balance for are neither summed nor "other currencies".
    let unknown = props
        .accounts
        .iter()
        .filter(|a| a.balance_unknown.is_some())
        .count();
    let others = props.accounts.len() - usd.len() - unknown;
    html! {
        <section class="card totals" id="totals">
            <div class="figures">
                <div class="figure"><div class="figure-label">{ format!("Equity · {} account{}", usd.len(), if usd.len() == 1 { "" } else { "s" }) }</div>
                    <div class="figure-value" data-field="total-equity">{ format_usd(sum(|a| a.balances.equity)) }</div></div>
                <div class="figure"><div class="figure-label">{ "Cash" }</div>
                    <div class="figure-value" data-field="total-cash">{ format_usd(sum(|a| a.balances.cash)) }</div></div>
                <div class="figure"><div class="figure-label">{ "Buying power" }</div>
                    <div class="figure-value" data-field="total-buying-power">{ format_usd(sum(|a| a.balances.buying_power)) }</div></div>
            </div>
            if props.unreachable > 0 {
                <p class="muted" id="totals-incomplete">{ format!("{} connection(s) could not be read: their accounts are not in these totals.", props.unreachable) }</p>
            }
            if unknown > 0 {
                <p class="muted" id="totals-without-balance">{ format!("{unknown} account(s) without a balance figure are not in these totals.") }</p>
            }
            if others > 0 {
                <p class="muted">{ format!("{others} account(s) in other currencies are not in these totals.") }</p>
            }
        </section>
    }
}
