//! The blotter: orders placed from Brokerdesk, live as their brokers report them.

use crate::components::ModeBadge;
use crate::ipc;
use brokerdesk_model::ipc::{CancelOrder, CancelOrderArgs};
use brokerdesk_model::money::{format_grouped, format_price};
use brokerdesk_model::order::{OrderQuantity, OrderStatus, OrderType};
use brokerdesk_model::{BlotterEntry, IpcError};
use yew::prelude::*;

pub fn status_label(s: &OrderStatus) -> String {
    match s {
        OrderStatus::Other(other) => other.clone(),
        known => serde_json::to_string(known)
            .unwrap_or_default()
            .trim_matches('"')
            .replace('_', " "),
    }
}

fn kind(t: OrderType) -> &'static str {
    match t {
        OrderType::Market => "Market",
        OrderType::Limit => "Limit",
        OrderType::Stop => "Stop",
        OrderType::StopLimit => "Stop limit",
        OrderType::TrailingStop => "Trailing stop",
    }
}

#[derive(Properties, PartialEq)]
pub struct BlotterProps {
    pub entries: Vec<BlotterEntry>,
    pub on_changed: Callback<()>,
}

#[component]
pub fn Blotter(props: &BlotterProps) -> Html {
    let error = use_state(|| None::<IpcError>);
    let row = |e: &BlotterEntry| {
        let o = &e.order;
        // In the account's currency; without one known, the figure alone (never a wrong sign).
        let money = |v: rust_decimal::Decimal| match &e.currency {
            Some(c) => format_price(v, c),
            None => format_grouped(v, v.normalize().scale().max(2)),
        };
        let qty = match o.quantity {
            Some(OrderQuantity::Qty(q)) => q.normalize().to_string(),
            Some(OrderQuantity::Notional(n)) => money(n),
            None => "—".into(),
        };
        let price = match (o.limit_price, o.stop_price) {
            (Some(l), Some(s)) => format!("{} / {}", money(s), money(l)),
            (Some(l), None) => money(l),
            (None, Some(s)) => money(s),
            (None, None) => "—".into(),
        };
        let cancel = {
            let args = CancelOrderArgs {
                connection: e.connection.clone(),
                account: e.account.clone(),
                order_id: o.id.clone(),
            };
            let error = error.clone();
            let on_changed = props.on_changed.clone();
            Callback::from(move |_: MouseEvent| {
                let (args, error, on_changed) = (args.clone(), error.clone(), on_changed.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match ipc::call::<CancelOrder>(&args).await {
                        Ok(()) => error.set(None),
                        Err(err) => error.set(Some(err)),
                    }
                    on_changed.emit(());
                });
            })
        };
        let status = status_label(&o.status);
        html! {
            <tr data-client-order-id={o.client_order_id.as_ref().map(|c| c.to_string()).unwrap_or_default()} data-symbol={o.symbol.to_string()}>
                <td>{ crate::time::local_time(e.submitted_at) }</td>
                <td>{ &e.connection_name }<br/><span class="muted account-id">{ e.account.as_str() }</span></td>
                <td><ModeBadge mode={e.mode} /></td>
                <td>{ format!("{:?}", o.side).to_lowercase() }</td>
                <td><strong>{ o.symbol.as_str() }</strong></td>
                <td class="num">{ qty }</td>
                <td>{ kind(o.order_type) }</td>
                <td class="num">{ price }</td>
                <td class="num" data-field="filled">{ o.filled_qty.normalize().to_string() }</td>
                <td class="num">{ o.filled_avg_price.map(money).unwrap_or_else(|| "—".into()) }</td>
                <td data-field="status" class={classes!("status", status.replace(' ', "-"))}>{ status.clone() }</td>
                <td>if o.status.is_open() && !o.id.as_str().starts_with("pending-") {
                    <button class="secondary cancel" onclick={cancel}>{ "Cancel" }</button>
                }</td>
            </tr>
        }
    };
    html! {
        <section class="card" id="blotter">
            <h2>{ "Blotter" }</h2>
            if let Some(err) = &*error {
                <crate::components::ErrorBanner error={err.clone()} on_retry={props.on_changed.clone()} />
            }
            <table class="positions">
                <thead><tr>
                    <th>{ "Time" }</th><th>{ "Account" }</th><th>{ "Mode" }</th><th>{ "Side" }</th><th>{ "Symbol" }</th>
                    <th class="num">{ "Qty" }</th><th>{ "Type" }</th><th class="num">{ "Price" }</th>
                    <th class="num">{ "Filled" }</th><th class="num">{ "Avg fill" }</th><th>{ "Status" }</th><th><span class="visually-hidden">{ "Actions" }</span></th>
                </tr></thead>
                <tbody>
                    if props.entries.is_empty() {
                        <tr class="empty"><td colspan="12">{ "No orders placed from Brokerdesk yet." }</td></tr>
                    } else {
                        { for props.entries.iter().map(row) }
                    }
                </tbody>
            </table>
        </section>
    }
}
