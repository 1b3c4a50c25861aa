//! The fat-finger limit: orders worth more than this share of the account's equity need a
//! second confirmation on the ticket (and `--yes` in the CLI). The backend enforces it.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use brokerdesk_model::ipc::{GetSettings, MaxOrderPctArgs, NoArgs, SetMaxOrderPct};
use brokerdesk_model::settings::check_max_order_pct;
use rust_decimal::Decimal;
use std::str::FromStr;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[component]
pub fn OrderLimit() -> Html {
    let settings = use_command::<GetSettings>(NoArgs {});
    let typed = use_state(|| None::<String>);
    let message = use_state(|| None::<Result<String, String>>);
    let current = match &*settings.state {
        Load::Loading => return html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            return html! { <ErrorBanner error={err.clone()} on_retry={settings.reload.clone()} /> };
        }
        Load::Ready(s) => s.max_order_pct,
    };
    let value = (*typed).clone().unwrap_or_else(|| current.to_string());
    let oninput = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            typed.set(Some(e.target_unchecked_into::<HtmlInputElement>().value()))
        })
    };
    let onsubmit = {
        let (typed, message, reload) = (typed.clone(), message.clone(), settings.reload.clone());
        let value = value.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let percent = match Decimal::from_str(value.trim())
                .map_err(|_| format!("`{value}` is not a number"))
                .and_then(check_max_order_pct)
            {
                Ok(p) => p,
                Err(why) => return message.set(Some(Err(why))),
            };
            let (typed, message, reload) = (typed.clone(), message.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<SetMaxOrderPct>(&MaxOrderPctArgs { percent }).await {
                    Ok(saved) => {
                        typed.set(None);
                        message.set(Some(Ok(format!("Saved: {} %", saved.max_order_pct))));
                        reload.emit(());
                    }
                    Err(err) => message.set(Some(Err(err.message))),
                }
            });
        })
    };
    html! {
        <form class="row" id="order-limit" {onsubmit}>
            <label for="max-order-pct">{ "Ask again for orders above" }</label>
            <input id="max-order-pct" inputmode="decimal" size="6" value={value} {oninput} />
            <span class="muted">{ "% of the account's equity" }</span>
            <button type="submit" id="max-order-pct-save" class="secondary">{ "Save" }</button>
            {
                match &*message {
                    Some(Ok(done)) => html! { <span class="connected" id="max-order-pct-saved">{ done }</span> },
                    Some(Err(why)) => html! { <span class="form-error" role="alert" id="max-order-pct-error">{ why }</span> },
                    None => html! {},
                }
            }
        </form>
    }
}
