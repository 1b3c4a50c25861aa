use brokerdesk_model::IpcError;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    pub error: IpcError,
    /// Shown as "Try again" when retrying makes sense (a failed load); absent for a refused
    /// form, where the user changes the input instead.
    #[prop_or_default]
    pub on_retry: Option<Callback<()>>,
}

/// A failed call for people: what happened and what to do (`ErrorCode::explain`, one sentence
/// per code), then the backend's own words: shown where they are written for the user (a
/// refused field, the order's figures), else — they may quote a transport error — behind a
/// disclosure, never in the main text.
#[component]
pub fn ErrorBanner(props: &ErrorBannerProps) -> Html {
    let retry = props
        .on_retry
        .clone()
        .map(|on_retry| Callback::from(move |_: MouseEvent| on_retry.emit(())));
    html! {
        <div class="error-banner" role="alert" data-code={props.error.code.as_str()}>
            <div class="error-body">
                <p class="error-explained">{ props.error.code.explain() }</p>
                if props.error.code.message_is_for_people() {
                    <p class="error-message">{ &props.error.message }</p>
                } else {
                    <ErrorDetails detail={props.error.message.clone()} />
                }
            </div>
            if let Some(retry) = retry {
                <button class="secondary" onclick={retry}>{ "Try again" }</button>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ErrorDetailsProps {
    pub detail: String,
}

/// The raw detail of an error, closed by default.
#[component]
pub fn ErrorDetails(props: &ErrorDetailsProps) -> Html {
    html! {
        <details class="error-details">
            <summary>{ "Details" }</summary>
            <p class="error-detail">{ &props.detail }</p>
        </details>
    }
}
