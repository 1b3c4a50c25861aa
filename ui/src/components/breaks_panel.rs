//! The reconciliation panel: where the journal and a broker disagree, and why.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use crate::live::use_live;
use brokerdesk_model::ipc::{BreakIdArgs, NoArgs, Reconcile, ResolveBreak};
use brokerdesk_model::{BreakKind, IpcError, ReconciliationBreak};
use yew::prelude::*;

fn kind(k: BreakKind) -> &'static str {
    match k {
        BreakKind::Quantity => "Quantity differs",
        BreakKind::AverageCost => "Average cost differs",
        BreakKind::OpenedOutsideApp => "Opened outside Brokerdesk",
        BreakKind::ClosedOutsideApp => "Closed outside Brokerdesk",
    }
}

fn row(b: &ReconciliationBreak, on_resolve: Callback<i64>) -> Html {
    let id = b.id;
    let resolve = Callback::from(move |_: MouseEvent| on_resolve.emit(id));
    html! {
        <tr data-break={b.id.to_string()} data-symbol={b.symbol.to_string()}>
            <td>{ b.symbol.as_str() }</td>
            <td>{ kind(b.kind) }</td>
            <td class="num">{ b.expected_qty.normalize().to_string() }</td>
            <td class="num">{ b.broker_qty.normalize().to_string() }</td>
            <td class="muted">{ &b.cause }{ if b.still_present { "" } else { " · no longer seen" } }</td>
            <td><button class="secondary" onclick={resolve} title="Accept the broker's figures">{ "Accept broker" }</button></td>
        </tr>
    }
}

#[component]
pub fn BreaksPanel() -> Html {
    let breaks = use_command::<Reconcile>(NoArgs {});
    let resolve_error = use_state(|| None::<IpcError>);
    let live = use_live();
    {
        let reload = breaks.reload.clone();
        let version = live
            .as_ref()
            .map(|l| (l.breaks, l.orders))
            .unwrap_or_default();
        use_effect_with(version, move |v| {
            if *v != (0, 0) {
                reload.emit(());
            }
        });
    }
    let on_resolve = {
        let reload = breaks.reload.clone();
        let resolve_error = resolve_error.clone();
        Callback::from(move |id: i64| {
            let reload = reload.clone();
            let resolve_error = resolve_error.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<ResolveBreak>(&BreakIdArgs { id }).await {
                    Ok(_) => {
                        resolve_error.set(None);
                        reload.emit(());
                    }
                    Err(err) => resolve_error.set(Some(err)),
                }
            });
        })
    };
    let body = match &*breaks.state {
        Load::Loading => html! { <p class="muted">{ "Reconciling…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={breaks.reload.clone()} /> }
        }
        Load::Ready(list) if list.is_empty() => html! {
            <p class="connected" id="no-breaks">{ "The journal of orders and fills agrees with every broker." }</p>
        },
        Load::Ready(list) => html! {
            <table class="positions" id="breaks">
                <thead><tr><th>{ "Symbol" }</th><th>{ "Break" }</th><th class="num">{ "Journal" }</th>
                    <th class="num">{ "Broker" }</th><th>{ "Likely cause" }</th><th></th></tr></thead>
                <tbody>{ for list.iter().map(|b| row(b, on_resolve.clone())) }</tbody>
            </table>
        },
    };
    html! {
        <section class="card" id="reconciliation">
            <h2>{ "Reconciliation" }</h2>
            if let Some(err) = &*resolve_error {
                <ErrorBanner error={err.clone()} on_retry={breaks.reload.clone()} />
            }
            { body }
        </section>
    }
}
