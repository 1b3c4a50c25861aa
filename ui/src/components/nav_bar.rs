use crate::ipc;
use crate::pages::Page;
use crate::session::use_session;
use brokerdesk_model::ipc::{LockVault, NoArgs};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NavBarProps {
    pub current: Page,
}

#[component]
pub fn NavBar(props: &NavBarProps) -> Html {
    let session = use_session();
    let item = |page: Page| {
        let navigate = session.navigate.clone();
        let current = (page == props.current).then_some("page");
        html! {
            <button
                id={format!("nav-{}", page.slug())}
                class="nav-item"
                aria-current={current}
                onclick={Callback::from(move |_: MouseEvent| navigate.emit(page))}
            >
                { page.title() }
            </button>
        }
    };
    let unlocked = session.vault.as_ref().is_some_and(|v| v.unlocked);
    let lock = {
        let set_vault = session.set_vault.clone();
        Callback::from(move |_: MouseEvent| {
            let set_vault = set_vault.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(state) = ipc::call::<LockVault>(&NoArgs {}).await {
                    set_vault.emit(state);
                }
            });
        })
    };
    html! {
        <nav class="nav" aria-label="Main">
            <div class="brand">{ "Brokerdesk" }</div>
            { for Page::ALL.into_iter().map(item) }
            <div class="nav-spacer"></div>
            if unlocked {
                <button id="lock-vault" class="nav-item" onclick={lock} title="Lock the vault now">
                    { "Lock" }
                </button>
            }
        </nav>
    }
}
