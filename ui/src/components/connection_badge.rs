use brokerdesk_model::{ConnectionStatus, TradingMode};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConnectionBadgeProps {
    pub status: ConnectionStatus,
    pub latency_ms: Option<u32>,
}

#[component]
pub fn ConnectionBadge(props: &ConnectionBadgeProps) -> Html {
    let (class, label) = match &props.status {
        ConnectionStatus::Connected => ("ok", "Connected"),
        ConnectionStatus::Disconnected(_) => ("bad", "Disconnected"),
        ConnectionStatus::NeedsSignIn(_) => ("warn", "Needs sign-in"),
        ConnectionStatus::Degraded(_) => ("warn", "Degraded"),
    };
    // A latency is only news while the connection answers.
    let answering = matches!(
        props.status,
        ConnectionStatus::Connected | ConnectionStatus::Degraded(_)
    );
    let latency = props
        .latency_ms
        .filter(|_| answering)
        .map(|ms| format!(" · {ms} ms"));
    html! {
        <span class={classes!("badge", class)} data-field="status" title={props.status.to_string()}>
            { label }{ latency }
        </span>
    }
}

#[derive(Properties, PartialEq)]
pub struct ModeBadgeProps {
    pub mode: TradingMode,
}

/// PAPER or LIVE, always visible next to an account: the one fact a trader must never miss.
#[component]
pub fn ModeBadge(props: &ModeBadgeProps) -> Html {
    let (class, label) = match props.mode {
        TradingMode::Paper => ("paper", "PAPER"),
        TradingMode::Live => ("live", "LIVE"),
    };
    html! { <span class={classes!("badge", "mode", class)} data-field="mode">{ label }</span> }
}
