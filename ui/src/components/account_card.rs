use super::{ConnectionBadge, ModeBadge, PositionsTable};
use brokerdesk_model::money::format_money;
use brokerdesk_model::{AccountSnapshot, ConnectionSummary};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct AccountCardProps {
    pub snapshot: AccountSnapshot,
    /// This account's own connection's quotes (never another connection's).
    #[prop_or_default]
    pub quotes:
        std::rc::Rc<std::collections::BTreeMap<brokerdesk_model::Symbol, brokerdesk_model::Quote>>,
}

#[component]
pub fn AccountCard(props: &AccountCardProps) -> Html {
    let s = &props.snapshot;
    let money = |v| format_money(v, &s.balances.currency);
    let figure = |label: &'static str, field: &'static str, value: String| {
        html! {
            <div class="figure">
                <div class="figure-label">{ label }</div>
                <div class="figure-value" data-field={field}>{ value }</div>
            </div>
        }
    };
    html! {
        <section class="card account" data-account={s.account_id.to_string()} data-connection={s.connection.id.to_string()}>
            <header class="account-header">
                <h2>{ &s.connection.display_name }</h2>
                <span class="muted account-id">{ s.account_id.as_str() }</span>
                <ModeBadge mode={s.mode} />
                <ConnectionBadge status={s.connection.status.clone()} latency_ms={s.connection.latency_ms} />
                if let Some(at) = s.connection.last_refresh {
                    <span class="muted refreshed" title="Last successful refresh">{ format!("as of {}", crate::time::local_time(at)) }</span>
                }
            </header>
            // No figure rather than an invented $0: the connector's own note says why.
            if let Some(unknown) = &s.balance_unknown {
                <p class="muted balance-unknown" data-field="balance-unknown">{ unknown.note() }</p>
            } else {
                <div class="figures">
                    { figure("Cash", "cash", money(s.balances.cash)) }
                    { figure("Buying power", "buying-power", money(s.balances.buying_power)) }
                    { figure("Equity", "equity", money(s.balances.equity)) }
                </div>
            }
            <PositionsTable positions={s.positions.clone()} quotes={props.quotes.clone()} prices={s.prices.clone()}
                currency={s.balances.currency.clone()} connection={s.connection.id.clone()} account={s.account_id.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct UnreachableConnectionProps {
    pub connection: ConnectionSummary,
}

#[component]
pub fn UnreachableConnection(props: &UnreachableConnectionProps) -> Html {
    let c = &props.connection;
    html! {
        <section class="card account unreachable" data-connection={c.id.to_string()}>
            <header class="account-header">
                <h2>{ &c.display_name }</h2>
                <ModeBadge mode={c.mode} />
                <ConnectionBadge status={c.status.clone()} latency_ms={c.latency_ms} />
            </header>
            <p class="muted">{ c.status.to_string() }</p>
        </section>
    }
}
