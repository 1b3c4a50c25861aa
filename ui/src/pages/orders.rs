//! The Orders page: the ticket, and the blotter that follows every order live.

use crate::components::{Blotter, ErrorBanner, OrderTicketForm};
use crate::hooks::{Load, use_command};
use crate::live::use_live;
use brokerdesk_model::BlotterEntry;
use brokerdesk_model::ipc::{GetAccountsOverview, ListOrders, NoArgs};
use yew::prelude::*;

#[component]
pub fn OrdersPage() -> Html {
    let overview = use_command::<GetAccountsOverview>(NoArgs {});
    let blotter = use_command::<ListOrders>(NoArgs {});
    let live = use_live();
    {
        let reload = blotter.reload.clone();
        let version = live.as_ref().map(|l| l.orders).unwrap_or_default();
        use_effect_with(version, move |v| {
            if *v != 0 {
                reload.emit(());
            }
        });
    }
    let on_placed = {
        let reload = blotter.reload.clone();
        Callback::from(move |_: BlotterEntry| reload.emit(()))
    };
    let ticket = match &*overview.state {
        Load::Loading => html! { <p class="muted">{ "Loading accounts…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={overview.reload.clone()} /> }
        }
        Load::Ready(view) => {
            html! { <OrderTicketForm accounts={view.accounts.clone()} {on_placed} /> }
        }
    };
    let orders = match &*blotter.state {
        Load::Loading => html! { <p class="muted">{ "Loading orders…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={blotter.reload.clone()} /> }
        }
        Load::Ready(entries) => {
            html! { <Blotter entries={entries.clone()} on_changed={blotter.reload.clone()} /> }
        }
    };
    html! {
        <>
            <header class="page-header"><h1>{ "Orders" }</h1></header>
            <div class="orders-layout">{ ticket }{ orders }</div>
        </>
    }
}
