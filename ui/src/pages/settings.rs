//! The Settings page: the vault, stored credentials, and where the app keeps its data.

use crate::components::{
    BaseCurrency, CreateVaultForm, CredentialsTable, ErrorBanner, LiveArming, NotificationSwitches,
    OrderLimit, ThemeSwitch, VaultPanel,
};
use crate::hooks::{Load, use_command};
use crate::session::use_session;
use brokerdesk_model::ipc::{GetAppInfo, NoArgs};
use yew::prelude::*;

#[component]
pub fn SettingsPage() -> Html {
    let session = use_session();
    let info = use_command::<GetAppInfo>(NoArgs {});
    let about = match &*info.state {
        Load::Loading => html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={info.reload.clone()} /> }
        }
        Load::Ready(info) => html! {
            <dl class="facts">
                <dt>{ "Version" }</dt><dd id="app-version">{ &info.version }</dd>
                <dt>{ "Data directory" }</dt><dd id="data-dir"><code>{ &info.data_dir }</code></dd>
                <dt>{ "Paper sandbox" }</dt><dd id="sandbox-url">{
                    match &info.sandbox_url {
                        Some(url) => html! { <>
                            <code>{ url }</code><span class="muted">{ " · Alpaca API" }</span>
                            if let Some(key) = &info.sandbox_key_id {
                                <span class="muted">{ ", key " }</span><code id="sandbox-key-id">{ key }</code>
                            }
                            if let Some(file) = &info.sandbox_credentials_file {
                                <br /><span class="muted">{ "Its secret is in " }</span><code id="sandbox-credentials-file">{ file }</code>
                                <span class="muted">{ "; " }</span><code>{ "brokerdesk sandbox credentials" }</code><span class="muted">{ " prints both." }</span>
                            }
                        </> },
                        None => html! { <span class="muted">{ "not running here (open in another Brokerdesk process)" }</span> },
                    }
                }</dd>
                <dt>{ "Logs" }</dt><dd class="muted">{ "Written to the terminal that started the app, or to the file BROKERDESK_LOG_FILE names. Set BROKERDESK_LOG=debug for more detail (never secrets)." }</dd>
            </dl>
        },
    };
    let vault = match &session.vault {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(state) if !state.initialized => html! { <CreateVaultForm /> },
        Some(state) => html! {
            <>
                <VaultPanel state={state.clone()} />
                <CredentialsTable />
            </>
        },
    };
    html! {
        <>
            <header class="page-header"><h1>{ "Settings" }</h1></header>
            <section class="card" id="settings-vault"><h2>{ "Vault" }</h2>{ vault }</section>
            if let Some(state) = session.vault.as_ref().filter(|v| v.initialized && v.unlocked) {
                <section class="card" id="settings-live"><h2>{ "Live trading" }</h2><LiveArming state={state.clone()} /></section>
            }
            // Settings are read like accounts: with no vault yet, or with it unlocked.
            if session.vault.as_ref().is_some_and(|v| !v.initialized || v.unlocked) {
                <section class="card" id="settings-orders"><h2>{ "Order size limit" }</h2><OrderLimit /></section>
                <section class="card" id="settings-appearance"><h2>{ "Appearance" }</h2><ThemeSwitch /></section>
                <section class="card" id="settings-notifications"><h2>{ "Notifications" }</h2><NotificationSwitches /></section>
                <section class="card" id="settings-currency"><h2>{ "Base currency" }</h2><BaseCurrency /></section>
                <section class="card" id="settings-sandbox"><h2>{ "Paper sandbox" }</h2><crate::components::SandboxControls /></section>
            }
            if session.vault.as_ref().is_some_and(|v| !v.initialized || v.unlocked) { <section class="card" id="settings-assistant"><h2>{ "Assistant activity" }</h2><crate::components::AssistantAudit /></section> }
            if session.vault.as_ref().is_some_and(|v| v.unlocked) { <section class="card" id="settings-assistants-allowed"><h2>{ "Assistants allowed always" }</h2><crate::components::AssistantAllowed /></section> }
            <section class="card"><h2>{ "About" }</h2>{ about }</section>
        </>
    }
}
