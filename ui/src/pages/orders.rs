//! The Orders page: ticket and blotter arrive with the paper exchange's order flow.

use yew::prelude::*;

#[component]
pub fn OrdersPage() -> Html {
    html! {
        <>
            <header class="page-header"><h1>{ "Orders" }</h1></header>
            <section class="card">
                <p class="muted">{ "No orders yet. This build cannot place orders from the app." }</p>
            </section>
        </>
    }
}
