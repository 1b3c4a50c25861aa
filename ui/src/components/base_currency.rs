//! The currency totals are shown in. Other currencies are converted at the European Central
//! Bank's reference rates, which cover these currencies (and the euro itself).

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use brokerdesk_model::ipc::{BaseCurrencyArgs, GetSettings, NoArgs, SetBaseCurrency};
use brokerdesk_model::money::currency_style;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The euro and the currencies the ECB publishes a reference rate for.
const CHOICES: [&str; 31] = [
    "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK",
    "HUF", "RON", "BGN", "ISK", "TRY", "BRL", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN",
    "MYR", "PHP", "SGD", "THB", "ZAR",
];

#[component]
pub fn BaseCurrency() -> Html {
    let settings = use_command::<GetSettings>(NoArgs {});
    let message = use_state(|| None::<Result<String, brokerdesk_model::IpcError>>);
    let current = match &*settings.state {
        Load::Loading => return html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            return html! { <ErrorBanner error={err.clone()} on_retry={settings.reload.clone()} /> };
        }
        Load::Ready(s) => s.base_currency.clone(),
    };
    let onchange = {
        let (message, reload) = (message.clone(), settings.reload.clone());
        Callback::from(move |e: Event| {
            let code = e.target_unchecked_into::<HtmlSelectElement>().value();
            let (message, reload) = (message.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<SetBaseCurrency>(&BaseCurrencyArgs { code }).await {
                    Ok(saved) => {
                        message.set(Some(Ok(format!(
                            "Saved: totals in {}",
                            saved.base_currency
                        ))));
                        reload.emit(());
                    }
                    Err(err) => message.set(Some(Err(err))),
                }
            });
        })
    };
    let option = |code: &str| {
        let style = currency_style(code);
        let label = match &style.symbol {
            Some(symbol) => format!("{code} ({symbol})"),
            None => code.to_owned(),
        };
        html! { <option value={code.to_owned()} selected={code == current}>{ label }</option> }
    };
    html! {
        <div class="row" id="base-currency-form">
            <label for="base-currency">{ "Show totals in" }</label>
            <select id="base-currency" {onchange}>
                // A code saved by the CLI that is not in the list still shows as chosen.
                if !CHOICES.contains(&current.as_str()) { { option(&current) } }
                { for CHOICES.iter().map(|c| option(c)) }
            </select>
            <span class="muted">{ "Other currencies are converted at the European Central Bank's daily reference rates, shown next to each total." }</span>
            {
                match &*message {
                    Some(Ok(done)) => html! { <span class="connected" id="base-currency-saved">{ done }</span> },
                    Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
                    None => html! {},
                }
            }
        </div>
    }
}
