//! The Connect page. Institutions arrive with the connector issues; until then it says plainly
//! what is connected and what is not yet possible.

use yew::prelude::*;

#[component]
pub fn ConnectPage() -> Html {
    html! {
        <>
            <header class="page-header"><h1>{ "Connect" }</h1></header>
            <section class="card">
                <h2>{ "Paper (local)" }</h2>
                <p>{ "Always connected: a local paper-trading sandbox that needs no account and no keys." }</p>
            </section>
            <section class="card">
                <h2>{ "Brokers, aggregators and payment accounts" }</h2>
                <p class="muted">
                    { "This build cannot connect other institutions yet. Alpaca, Interactive Brokers, \
                       SnapTrade, Plaid, PayPal, Stripe and Square arrive with their connectors." }
                </p>
            </section>
        </>
    }
}
