use brokerdesk_model::{ErrorCode, IpcError};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    pub error: IpcError,
    /// Shown as "Try again" when retrying makes sense (a failed load); absent for a refused
    /// form, where the user changes the input instead.
    #[prop_or_default]
    pub on_retry: Option<Callback<()>>,
}

/// What a failed call means for the user, then the backend's own words.
fn headline(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::VaultLocked => "The vault is locked.",
        ErrorCode::Forbidden => "Not allowed.",
        ErrorCode::InvalidInput => "That input was refused.",
        ErrorCode::NotFound => "Not found.",
        ErrorCode::NeedsSignIn => "Sign in again to continue.",
        ErrorCode::Unavailable => "The institution could not be reached.",
        ErrorCode::Rejected => "The institution refused the request.",
        ErrorCode::NeedsConfirmation => "This order needs a second confirmation.",
        ErrorCode::OrderWarnings => "The broker asks you to confirm this order.",
        ErrorCode::Ipc => "The app's backend did not answer.",
        ErrorCode::Internal => "Something went wrong inside Brokerdesk.",
    }
}

#[component]
pub fn ErrorBanner(props: &ErrorBannerProps) -> Html {
    let retry = props
        .on_retry
        .clone()
        .map(|on_retry| Callback::from(move |_: MouseEvent| on_retry.emit(())));
    html! {
        <div class="error-banner" role="alert" data-code={props.error.code.as_str()}>
            <strong>{ headline(props.error.code) }</strong>
            <span class="error-detail">{ &props.error.message }</span>
            if let Some(retry) = retry {
                <button class="secondary" onclick={retry}>{ "Try again" }</button>
            }
        </div>
    }
}
