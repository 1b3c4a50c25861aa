//! The shell of the UI: the vault gate, navigation and the current page.

use crate::components::{NavBar, Shortcuts, SyncProgress};
use crate::hooks::{use_latest, use_theme};
use crate::ipc;
use crate::live::{Live, LiveFeed};
use crate::pages::{
    AccountsPage, ActivityPage, AllocationPage, ConnectPage, OrdersPage, Page, PositionPage,
    SettingsPage, UnlockPage,
};
use crate::route::{PositionRoute, PositionRouter};
use crate::session::Session;
use brokerdesk_model::ipc::{GetVaultState, NoArgs};
use brokerdesk_model::vault::VaultState;
use yew::prelude::*;

#[component]
pub fn App() -> Html {
    let page = use_state(|| Page::Accounts);
    let live = use_reducer(LiveFeed::default);
    {
        let dispatcher = live.dispatcher();
        use_effect_with((), move |_| {
            ipc::listen_events(move |event| dispatcher.dispatch(event));
        });
    }
    // Read at start and whenever the backend says the vault changed (it locks itself on idle
    // and says so): nothing here runs on a timer. `_eq`: a read that finds nothing new
    // re-renders nothing.
    let vault = use_state_eq(|| None::<VaultState>);
    let vault_error = use_state_eq(|| None::<String>);
    {
        let vault = vault.clone();
        let vault_error = vault_error.clone();
        // Locked then unlocked in quick succession: the state shown is the newest read's.
        let latest = use_latest();
        use_effect_with(live.vault, move |_| {
            let asked = latest.begin();
            wasm_bindgen_futures::spawn_local(async move {
                let answer = ipc::call::<GetVaultState>(&NoArgs {}).await;
                if !asked.is_newest() {
                    return;
                }
                match answer {
                    Ok(state) => {
                        vault.set(Some(state));
                        vault_error.set(None);
                    }
                    Err(err) => vault_error.set(Some(err.message)),
                }
            });
        });
    }
    use_theme((*vault).clone());
    let session = Session {
        vault: (*vault).clone(),
        set_vault: {
            let vault = vault.clone();
            Callback::from(move |state: VaultState| vault.set(Some(state)))
        },
        navigate: {
            let page = page.clone();
            Callback::from(move |to: Page| page.set(to))
        },
    };
    let position = use_state(|| None::<PositionRoute>);
    let router = PositionRouter {
        open: {
            let (page, position) = (page.clone(), position.clone());
            Callback::from(move |to: PositionRoute| {
                position.set(Some(to));
                page.set(Page::Position);
            })
        },
    };
    let locked = session
        .vault
        .as_ref()
        .is_some_and(|v| v.initialized && !v.unlocked);
    let body = if locked {
        html! { <UnlockPage /> }
    } else {
        let content = match *page {
            Page::Accounts => html! { <AccountsPage /> },
            Page::Allocation => html! { <AllocationPage /> },
            Page::Connect => html! { <ConnectPage /> },
            Page::Orders => html! { <OrdersPage /> },
            Page::Activity => html! { <ActivityPage /> },
            Page::Settings => html! { <SettingsPage /> },
            Page::Position => html! { <PositionPage route={(*position).clone()} /> },
        };
        html! {
            <div class="shell">
                <NavBar current={*page} />
                <Shortcuts />
                <crate::components::AssistantPrompt />
                <main class="page" id={format!("page-{}", page.slug())}>
                    if let Some(err) = &*vault_error {
                        <div class="error-banner" role="alert">
                            <div class="error-body">
                                <p class="error-explained">{ brokerdesk_model::ErrorCode::Ipc.explain() }</p>
                                <crate::components::ErrorDetails detail={err.clone()} />
                            </div>
                        </div>
                    }
                    <SyncProgress />
                    { content }
                </main>
            </div>
        }
    };
    html! {
        <ContextProvider<Session> context={session}>
            <ContextProvider<Live> context={live}>
                <ContextProvider<PositionRouter> context={router}>{ body }</ContextProvider<PositionRouter>>
            </ContextProvider<Live>>
        </ContextProvider<Session>>
    }
}
