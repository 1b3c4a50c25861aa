//! The Settings page: what this app is and where it keeps its data.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use brokerdesk_model::ipc::{GetAppInfo, NoArgs};
use yew::prelude::*;

#[component]
pub fn SettingsPage() -> Html {
    let info = use_command::<GetAppInfo>(NoArgs {});
    let body = match &*info.state {
        Load::Loading => html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={info.reload.clone()} /> }
        }
        Load::Ready(info) => html! {
            <dl class="facts">
                <dt>{ "Version" }</dt><dd id="app-version">{ &info.version }</dd>
                <dt>{ "Data directory" }</dt><dd id="data-dir"><code>{ &info.data_dir }</code></dd>
            </dl>
        },
    };
    html! {
        <>
            <header class="page-header"><h1>{ "Settings" }</h1></header>
            <section class="card">{ body }</section>
        </>
    }
}
