//! The question an app-attached AI assistant waits on, over any page: "Allow <client> to read
//! your accounts?" (Allow once / Always / Deny) or a live order's full ticket (Confirm /
//! Decline). Re-read when the backend says the questions changed. Focus moves into the dialog;
//! Esc answers no (Deny, Decline). The client's name is only its claim: the program that
//! started it is shown too. All text is shown as text, never markup.

use crate::hooks::use_latest;
use crate::ipc;
use crate::live::use_live;
use brokerdesk_model::ipc::{
    AnswerAssistantConsent, AnswerAssistantOrder, ConsentAnswerArgs, ListAssistantQuestions,
    NoArgs, OrderDecisionArgs,
};
use brokerdesk_model::money::{format_money, format_price};
use brokerdesk_model::{
    AssistantAsk, AssistantQuestion, ConsentAnswer, LiveOrderAsk, OrderDecision, OrderQuantity,
};
use yew::prelude::*;

fn ticket(o: &LiveOrderAsk) -> Html {
    let qty = match o.quantity {
        OrderQuantity::Qty(q) => format!("{q} shares"),
        OrderQuantity::Notional(n) => format_money(n, &o.currency),
    };
    let opt = |d: Option<rust_decimal::Decimal>| {
        d.map(|d| format_price(d, &o.currency))
            .unwrap_or("—".into())
    };
    html! {
        <dl class="assistant-ticket" id="assistant-order-ticket">
            <dt>{ "Account" }</dt><dd>{ format!("{} {}", o.connection_name, o.account) }</dd>
            <dt>{ "Symbol" }</dt><dd>{ o.symbol.as_str().to_owned() }</dd>
            <dt>{ "Side" }</dt><dd>{ o.side.to_string() }</dd>
            <dt>{ "Quantity" }</dt><dd>{ qty }</dd>
            <dt>{ "Type" }</dt><dd>{ o.order_type.to_string().replace('_', " ") }</dd>
            <dt>{ "Limit price" }</dt><dd>{ opt(o.limit_price) }</dd>
            <dt>{ "Stop price" }</dt><dd>{ opt(o.stop_price) }</dd>
            <dt>{ "Time in force" }</dt><dd>{ o.time_in_force.to_string() }</dd>
            <dt>{ "Estimated value" }</dt>
            <dd>{ o.estimated_value.map(|v| format_money(v, &o.currency)).unwrap_or("unknown (no price)".into()) }</dd>
        </dl>
    }
}

#[component]
pub fn AssistantPrompt() -> Html {
    let live = use_live();
    let bump = live.as_ref().map(|l| l.assistant).unwrap_or_default();
    let questions = use_state(Vec::<AssistantQuestion>::new);
    let error = use_state(|| None::<String>);
    let refresh = use_state(|| 0u32);
    {
        let questions = questions.clone();
        // An answered question must not come back from a read that started before it was.
        let latest = use_latest();
        use_effect_with((bump, *refresh), move |_| {
            let asked = latest.begin();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(q) = ipc::call::<ListAssistantQuestions>(&NoArgs {}).await
                    && asked.is_newest()
                {
                    questions.set(q);
                }
            });
        });
    }
    let current = questions.first().cloned();
    let dialog = use_node_ref();
    {
        // Focus moves into the dialog when a question shows.
        let dialog = dialog.clone();
        let id = current.as_ref().map(|q| q.id.clone());
        use_effect_with(id, move |id| {
            if id.is_some()
                && let Some(el) = dialog.cast::<web_sys::HtmlElement>()
            {
                let _ = el.focus();
            }
        });
    }
    let Some(q) = current else {
        return html! {};
    };
    let consent = |answer: ConsentAnswer| {
        let (id, refresh, error) = (q.id.clone(), refresh.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (id, refresh, error) = (id.clone(), refresh.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<AnswerAssistantConsent>(&ConsentAnswerArgs { id, answer }).await {
                    Ok(_) => error.set(None),
                    Err(e) => error.set(Some(e.message)),
                }
                refresh.set(refresh.wrapping_add(1));
            });
        })
    };
    let order = |decision: OrderDecision| {
        let (id, refresh, error) = (q.id.clone(), refresh.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (id, refresh, error) = (id.clone(), refresh.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<AnswerAssistantOrder>(&OrderDecisionArgs { id, decision }).await {
                    Ok(_) => error.set(None),
                    Err(e) => error.set(Some(e.message)),
                }
                refresh.set(refresh.wrapping_add(1));
            });
        })
    };
    let click = |cb: Callback<()>| Callback::from(move |_: MouseEvent| cb.emit(()));
    let (title, body, buttons, no) = match &q.ask {
        AssistantAsk::Consent => (
            format!("Allow {} to read your accounts?", q.client),
            html! {
                <p>{ "An AI assistant attached to Brokerdesk asks to read your accounts, balances, positions, orders and activity. It was started by " }<code>{ &q.executable }</code>{ ". Its name is what it says about itself." }</p>
            },
            html! {
                <>
                    <button id="assistant-allow-once" onclick={click(consent(ConsentAnswer::AllowOnce))}>{ "Allow once" }</button>
                    <button id="assistant-allow-always" class="secondary" onclick={click(consent(ConsentAnswer::Always))}>{ "Always" }</button>
                    <button id="assistant-deny" class="danger" onclick={click(consent(ConsentAnswer::Deny))}>{ "Deny" }</button>
                </>
            },
            consent(ConsentAnswer::Deny),
        ),
        AssistantAsk::LiveOrder(o) => (
            format!("{} asks to place a LIVE order (real money)", q.client),
            html! {
                <>
                    { ticket(o) }
                    <p class="muted">{ format!("Started by {}. Expires at {}.", q.executable, q.expires_at.map(|t| t.format("%H:%M:%S UTC").to_string()).unwrap_or_default()) }</p>
                </>
            },
            html! {
                <>
                    <button id="assistant-order-confirm" class="danger" onclick={click(order(OrderDecision::Confirm))}>{ "Confirm" }</button>
                    <button id="assistant-order-decline" class="secondary" onclick={click(order(OrderDecision::Decline))}>{ "Decline" }</button>
                </>
            },
            order(OrderDecision::Decline),
        ),
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Escape" {
            e.prevent_default();
            no.emit(());
        }
    });
    html! {
        <div class="modal-backdrop">
            <div class="modal" id="assistant-prompt" role="dialog" aria-modal="true"
                 aria-labelledby="assistant-prompt-title" tabindex="-1" ref={dialog} {onkeydown}>
                <h2 id="assistant-prompt-title">{ title }</h2>
                { body }
                if let Some(e) = &*error { <p class="loss" role="alert">{ e.clone() }</p> }
                <div class="actions">{ buttons }</div>
            </div>
        </div>
    }
}
