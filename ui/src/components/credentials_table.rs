//! Stored credentials' metadata, with removal. Never a secret: the backend sends none.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use brokerdesk_model::ipc::{CredentialIdArgs, ListCredentials, NoArgs, RemoveCredential};
use brokerdesk_model::vault::CredentialInfo;
use yew::prelude::*;

fn date(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[component]
pub fn CredentialsTable() -> Html {
    let list = use_command::<ListCredentials>(NoArgs {});
    // Two-step removal: the first click asks, the second removes.
    let confirming = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let row = |c: &CredentialInfo| {
        let id = c.id.clone();
        let asking = confirming.as_deref() == Some(id.as_str());
        let onclick = {
            let (confirming, error, reload) =
                (confirming.clone(), error.clone(), list.reload.clone());
            let id = id.clone();
            Callback::from(move |_: MouseEvent| {
                if confirming.as_deref() != Some(id.as_str()) {
                    confirming.set(Some(id.clone()));
                    return;
                }
                let args = CredentialIdArgs { id: id.clone() };
                let (confirming, error, reload) =
                    (confirming.clone(), error.clone(), reload.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match ipc::call::<RemoveCredential>(&args).await {
                        Ok(_) => error.set(None),
                        Err(err) => error.set(Some(err.message)),
                    }
                    confirming.set(None);
                    reload.emit(());
                });
            })
        };
        html! {
            <tr data-credential={id.clone()}>
                <td>{ &c.label }</td>
                <td>{ c.vendor.as_str() }</td>
                <td>{ c.kind.as_str() }</td>
                <td>{ date(&c.created_at) }</td>
                <td>{ c.last_used_at.as_ref().map(date).unwrap_or_else(|| "never".into()) }</td>
                <td>{ c.expires_at.as_ref().map(date).unwrap_or_else(|| "—".into()) }</td>
                <td class="num">
                    <button class={classes!(if asking { "danger" } else { "secondary" })} {onclick}>
                        { if asking { "Confirm removal" } else { "Remove" } }
                    </button>
                </td>
            </tr>
        }
    };
    let body = match &*list.state {
        Load::Loading => html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={list.reload.clone()} /> }
        }
        Load::Ready(items) if items.is_empty() => html! {
            <p class="muted" id="no-credentials">{ "No credentials stored yet. Connecting an institution adds one." }</p>
        },
        Load::Ready(items) => html! {
            <table class="positions" id="credentials">
                <thead><tr>
                    <th>{ "Label" }</th><th>{ "Institution" }</th><th>{ "Kind" }</th>
                    <th>{ "Added" }</th><th>{ "Last used" }</th><th>{ "Expires" }</th><th></th>
                </tr></thead>
                <tbody>{ for items.iter().map(row) }</tbody>
            </table>
        },
    };
    // The count is the length of the very list the table shows (one source): it cannot
    // disagree with the rows under it, and it changes with them on every reload.
    let heading = match &*list.state {
        Load::Ready(items) => format!("Stored credentials ({})", items.len()),
        _ => "Stored credentials".to_owned(),
    };
    html! {
        <>
            <h3 id="credentials-count">{ heading }</h3>
            if let Some(err) = &*error { <p class="form-error" role="alert">{ err }</p> }
            { body }
        </>
    }
}
