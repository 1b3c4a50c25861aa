//! Settings › Assistant activity: every tool call an AI assistant made through `brokerdesk mcp`
//! (time, client, tool, arguments, outcome), newest first. Arguments arrive with account numbers
//! masked; a client's name and arguments are shown as text, never markup.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use brokerdesk_model::ipc::{AssistantAuditArgs, ListAssistantAudit};
use brokerdesk_model::{AssistantCall, CallOutcome};
use yew::prelude::*;

fn row(c: &AssistantCall) -> Html {
    let ok = c.outcome == CallOutcome::Ok;
    html! {
        <tr data-assistant-call={c.tool.clone()}>
            <td>{ c.time.format("%Y-%m-%d %H:%M:%S UTC").to_string() }</td>
            <td>{ &c.client }</td>
            <td><code>{ &c.tool }</code></td>
            <td><code>{ &c.arguments }</code></td>
            <td class={classes!(if ok { "gain" } else { "loss" })}>
                { if ok { "ok".to_owned() } else { format!("error: {}", c.message) } }
            </td>
        </tr>
    }
}

#[component]
pub fn AssistantAudit() -> Html {
    let list = use_command::<ListAssistantAudit>(AssistantAuditArgs { limit: Some(200) });
    let body = match &*list.state {
        Load::Loading => html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={list.reload.clone()} /> }
        }
        Load::Ready(calls) if calls.is_empty() => html! {
            <p class="muted" id="no-assistant-calls">{ "No assistant has used Brokerdesk yet. Run `brokerdesk mcp` from an AI assistant (see the README) to let it read your accounts and trade paper." }</p>
        },
        Load::Ready(calls) => html! {
            <table class="positions" id="assistant-audit">
                <thead><tr>
                    <th>{ "Time" }</th><th>{ "Assistant" }</th><th>{ "Tool" }</th>
                    <th>{ "Arguments" }</th><th>{ "Outcome" }</th>
                </tr></thead>
                <tbody>{ for calls.iter().map(row) }</tbody>
            </table>
        },
    };
    html! {
        <>
            <p class="muted">{ "Assistants read your accounts and place paper orders only; live orders are yours to place here." }</p>
            <button class="secondary" onclick={ let r = list.reload.clone(); Callback::from(move |_: MouseEvent| r.emit(())) }>{ "Refresh" }</button>
            { body }
        </>
    }
}
