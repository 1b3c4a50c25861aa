//! Settings › Assistants allowed always: each client (its name and the program that started
//! it) with Revoke; a revoked client is asked again on its next connection.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use brokerdesk_model::ipc::{ListAllowedAssistants, NoArgs, RevokeAssistant, RevokeAssistantArgs};
use yew::prelude::*;

#[component]
pub fn AssistantAllowed() -> Html {
    let list = use_command::<ListAllowedAssistants>(NoArgs {});
    match &*list.state {
        Load::Loading => html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={list.reload.clone()} /> }
        }
        Load::Ready(clients) if clients.is_empty() => html! {
            <p class="muted" id="no-allowed-assistants">{ "No assistant is allowed always: each attached assistant is asked when it connects." }</p>
        },
        Load::Ready(clients) => html! {
            <table class="positions" id="allowed-assistants">
                <thead><tr><th>{ "Assistant" }</th><th>{ "Program" }</th><th>{ "Since" }</th><th></th></tr></thead>
                <tbody>{ for clients.iter().map(|c| {
                    let reload = list.reload.clone();
                    let args = RevokeAssistantArgs { client: c.client.clone(), executable: c.executable.clone() };
                    let revoke = Callback::from(move |_: MouseEvent| {
                        let (reload, args) = (reload.clone(), args.clone());
                        wasm_bindgen_futures::spawn_local(async move {
                            let _ = ipc::call::<RevokeAssistant>(&args).await;
                            reload.emit(());
                        });
                    });
                    html! {
                        <tr>
                            <td>{ &c.client }</td>
                            <td><code>{ &c.executable }</code></td>
                            <td>{ c.allowed_at.format("%Y-%m-%d %H:%M UTC").to_string() }</td>
                            <td><button class="secondary" onclick={revoke}>{ "Revoke" }</button></td>
                        </tr>
                    }
                }) }</tbody>
            </table>
        },
    }
}
