//! "Refresh balances now" for a connection whose vendor bills each live balance read, so the
//! app reads them live only every so often (`ConnectionSummary::live_balances_every_min`).

use crate::components::ErrorBanner;
use crate::ipc;
use brokerdesk_model::ipc::{ConnectionIdArgs, RefreshLiveBalances as Refresh};
use brokerdesk_model::{ConnectionId, IpcError};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RefreshLiveBalancesProps {
    pub id: ConnectionId,
    pub every_min: u32,
    /// After the live read: the caller reads its list again.
    #[prop_or_default]
    pub on_done: Callback<()>,
}

#[component]
pub fn RefreshLiveBalances(props: &RefreshLiveBalancesProps) -> Html {
    let busy = use_state(|| false);
    let error = use_state(|| None::<IpcError>);
    let onclick = {
        let (id, busy, error, on_done) = (
            props.id.clone(),
            busy.clone(),
            error.clone(),
            props.on_done.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (args, busy, error, on_done) = (
                ConnectionIdArgs { id: id.clone() },
                busy.clone(),
                error.clone(),
                on_done.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<Refresh>(&args).await {
                    Ok(_) => {
                        error.set(None);
                        on_done.emit(());
                    }
                    Err(err) => error.set(Some(err)),
                }
                busy.set(false);
            });
        })
    };
    let note = format!(
        "Live balances are billed per read by this aggregator: read live at most every {} min, \
         otherwise as it last fetched them.",
        props.every_min
    );
    html! {
        <span class="live-balances">
            <button class="secondary refresh-live-balances" disabled={*busy} {onclick} title={note.clone()}
                aria-describedby={format!("live-note-{}", props.id)}>
                { if *busy { "Reading live balances…" } else { "Refresh balances now" } }
            </button>
            <span class="muted small" id={format!("live-note-{}", props.id)}>{ note }</span>
            if let Some(err) = &*error { <ErrorBanner error={err.clone()} /> }
        </span>
    }
}
