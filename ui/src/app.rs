//! The shell of the UI: navigation and the current page.

use crate::components::NavBar;
use crate::pages::{AccountsPage, ConnectPage, OrdersPage, Page, SettingsPage};
use yew::prelude::*;

#[component]
pub fn App() -> Html {
    let page = use_state(|| Page::Accounts);
    let navigate = {
        let page = page.clone();
        Callback::from(move |to: Page| page.set(to))
    };
    let content = match *page {
        Page::Accounts => html! { <AccountsPage /> },
        Page::Connect => html! { <ConnectPage /> },
        Page::Orders => html! { <OrdersPage /> },
        Page::Settings => html! { <SettingsPage /> },
    };
    html! {
        <div class="shell">
            <NavBar current={*page} on_navigate={navigate} />
            <main class="page" id={format!("page-{}", page.slug())}>{ content }</main>
        </div>
    }
}
