//! Settings › Paper sandbox: where its prices come from (the seeded simulation, or a replay of
//! the user's CSV or Parquet file, looping or stopping at its end) and a reset of its account,
//! asked twice. The service checks and saves; this only shows and asks.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use brokerdesk_model::ipc::{
    GetSandboxControls, NoArgs, ResetSandbox, SandboxPricesArgs, SandboxResetArgs, SetSandboxPrices,
};
use brokerdesk_model::money::format_usd;
use brokerdesk_model::sandbox::{ReplayAtEnd, SandboxPrices};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Choice {
    Simulated,
    Replay,
}

#[component]
pub fn SandboxControls() -> Html {
    let controls = use_command::<GetSandboxControls>(NoArgs {});
    // What the form shows until saved: `None` follows what the sandbox uses.
    let choice = use_state(|| None::<Choice>);
    let path = use_state(|| None::<String>);
    let at_end = use_state(|| None::<ReplayAtEnd>);
    let message = use_state(|| None::<Result<String, String>>);
    let asking_reset = use_state(|| false);
    let busy = use_state(|| false);

    let current = match &*controls.state {
        Load::Loading => return html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            return html! { <ErrorBanner error={err.clone()} on_retry={controls.reload.clone()} /> };
        }
        Load::Ready(c) => c.clone(),
    };
    if let Some(why) = &current.unavailable {
        return html! { <p class="muted" id="sandbox-controls-off">{ format!("Not available here: {why}") }</p> };
    }
    let (used_choice, used_path, used_end) = match &current.prices {
        SandboxPrices::Simulated => (Choice::Simulated, String::new(), ReplayAtEnd::Loop),
        SandboxPrices::Replay { path, at_end } => (Choice::Replay, path.clone(), *at_end),
    };
    let shown_choice = (*choice).unwrap_or(used_choice);
    let shown_path = (*path).clone().unwrap_or(used_path);
    let shown_end = (*at_end).unwrap_or(used_end);

    let on_choice = |c: Choice| {
        let choice = choice.clone();
        Callback::from(move |_: Event| choice.set(Some(c)))
    };
    let on_path = {
        let path = path.clone();
        Callback::from(move |e: InputEvent| {
            path.set(Some(e.target_unchecked_into::<HtmlInputElement>().value()))
        })
    };
    let on_end = {
        let at_end = at_end.clone();
        Callback::from(move |e: Event| {
            let end = match e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .as_str()
            {
                "stop" => ReplayAtEnd::Stop,
                _ => ReplayAtEnd::Loop,
            };
            at_end.set(Some(end));
        })
    };
    let onsubmit = {
        let (choice, path, at_end, message, busy, reload) = (
            choice.clone(),
            path.clone(),
            at_end.clone(),
            message.clone(),
            busy.clone(),
            controls.reload.clone(),
        );
        let prices = match shown_choice {
            Choice::Simulated => SandboxPrices::Simulated,
            Choice::Replay => SandboxPrices::Replay {
                path: shown_path.trim().to_owned(),
                at_end: shown_end,
            },
        };
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let SandboxPrices::Replay { path, .. } = &prices
                && path.is_empty()
            {
                return message.set(Some(Err(
                    "Type the full path of a CSV or Parquet file.".into()
                )));
            }
            let (choice, path, at_end, message, busy, reload) = (
                choice.clone(),
                path.clone(),
                at_end.clone(),
                message.clone(),
                busy.clone(),
                reload.clone(),
            );
            let prices = prices.clone();
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<SetSandboxPrices>(&SandboxPricesArgs { prices }).await {
                    Ok(now) => {
                        let said = match now.prices {
                            SandboxPrices::Simulated => "Prices are simulated.".to_owned(),
                            SandboxPrices::Replay { path, .. } => format!("Replaying {path}."),
                        };
                        message.set(Some(Ok(said)));
                        choice.set(None);
                        path.set(None);
                        at_end.set(None);
                        reload.emit(());
                    }
                    Err(err) => message.set(Some(Err(err.message))),
                }
                busy.set(false);
            });
        })
    };
    let ask_reset = {
        let asking_reset = asking_reset.clone();
        Callback::from(move |_: MouseEvent| asking_reset.set(true))
    };
    let cancel_reset = {
        let asking_reset = asking_reset.clone();
        Callback::from(move |_: MouseEvent| asking_reset.set(false))
    };
    let do_reset = {
        let (asking_reset, message, busy, reload) = (
            asking_reset.clone(),
            message.clone(),
            busy.clone(),
            controls.reload.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (asking_reset, message, busy, reload) = (
                asking_reset.clone(),
                message.clone(),
                busy.clone(),
                reload.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<ResetSandbox>(&SandboxResetArgs { confirmed: true }).await {
                    Ok(now) => message.set(Some(Ok(format!(
                        "The paper account is reset: no orders or positions, {} cash.",
                        format_usd(now.starting_cash)
                    )))),
                    Err(err) => message.set(Some(Err(err.message))),
                }
                asking_reset.set(false);
                busy.set(false);
                reload.emit(());
            });
        })
    };

    html! {
        <div id="sandbox-controls">
            <form {onsubmit} id="sandbox-prices">
                <fieldset class="sandbox-prices">
                    <legend>{ "Prices" }</legend>
                    <label class="check" for="sandbox-prices-simulated">
                        <input type="radio" name="sandbox-prices" id="sandbox-prices-simulated"
                            checked={shown_choice == Choice::Simulated} onchange={on_choice(Choice::Simulated)} />
                        { "Simulated" }<span class="muted">{ " (a seeded random walk; the default)" }</span>
                    </label>
                    <label class="check" for="sandbox-prices-replay">
                        <input type="radio" name="sandbox-prices" id="sandbox-prices-replay"
                            checked={shown_choice == Choice::Replay} onchange={on_choice(Choice::Replay)} />
                        { "Replay a file of quotes, trades or bars (CSV or Parquet)" }
                    </label>
                    if shown_choice == Choice::Replay {
                        <div class="row">
                            <label for="sandbox-replay-path">{ "File" }</label>
                            <input id="sandbox-replay-path" size="48" placeholder="/home/me/prices.csv"
                                value={shown_path.clone()} oninput={on_path} />
                            <label for="sandbox-replay-end">{ "At its end" }</label>
                            <select id="sandbox-replay-end" onchange={on_end}>
                                <option value="loop" selected={shown_end == ReplayAtEnd::Loop}>{ "start again" }</option>
                                <option value="stop" selected={shown_end == ReplayAtEnd::Stop}>{ "keep the last prices" }</option>
                            </select>
                        </div>
                    }
                    <p><button type="submit" class="secondary" id="sandbox-prices-save" disabled={*busy}>{ "Use these prices" }</button></p>
                </fieldset>
            </form>
            if let Some(note) = &current.prices_note {
                <p class="form-error" role="status" id="sandbox-prices-note">{ note }</p>
            }
            if *asking_reset {
                <div class="confirm" role="alertdialog" aria-labelledby="sandbox-reset-question" id="sandbox-reset-confirm">
                    <p id="sandbox-reset-question">{ format!(
                        "Reset the paper account? Every open order is cancelled, positions and fills are forgotten, and the cash goes back to {}. This cannot be undone.",
                        format_usd(current.starting_cash)
                    ) }</p>
                    <button class="danger" id="sandbox-reset-yes" onclick={do_reset} disabled={*busy}>{ "Reset the paper account" }</button>
                    { " " }
                    <button class="secondary" id="sandbox-reset-no" onclick={cancel_reset}>{ "Cancel" }</button>
                </div>
            } else {
                <p><button class="secondary" id="sandbox-reset" onclick={ask_reset}>{ "Reset paper account…" }</button></p>
            }
            {
                match &*message {
                    Some(Ok(done)) => html! { <p class="connected" role="status" id="sandbox-controls-done">{ done }</p> },
                    Some(Err(why)) => html! { <p class="form-error" role="alert" id="sandbox-controls-error">{ why }</p> },
                    None => html! {},
                }
            }
        </div>
    }
}
