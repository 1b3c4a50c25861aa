//! The one error shape that crosses IPC: `{ code, message }`, with codes the UI can act on.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The vault must be unlocked first: show the Unlock page.
    VaultLocked,
    /// The user's role or live-trading arm does not allow this.
    Forbidden,
    /// The input was refused; the message says which field and why.
    InvalidInput,
    NotFound,
    /// The institution asks the user to sign in again.
    NeedsSignIn,
    /// The institution (or the local sandbox) could not be reached or failed.
    Unavailable,
    /// The institution refused the request (insufficient buying power, …).
    Rejected,
    /// The order is larger than the user's limit (or its size is unknown): send it again with
    /// `confirm_large` once the user has confirmed it a second time. The message has the figures.
    NeedsConfirmation,
    /// The broker holds the order back with warnings the user must answer (yes or no).
    OrderWarnings,
    /// The IPC call itself failed (the UI could not reach the backend, or a bad reply).
    Ipc,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VaultLocked => "vault_locked",
            Self::Forbidden => "forbidden",
            Self::InvalidInput => "invalid_input",
            Self::NotFound => "not_found",
            Self::NeedsSignIn => "needs_sign_in",
            Self::Unavailable => "unavailable",
            Self::Rejected => "rejected",
            Self::NeedsConfirmation => "needs_confirmation",
            Self::OrderWarnings => "order_warnings",
            Self::Ipc => "ipc",
            Self::Internal => "internal",
        }
    }

    /// Every code, for tests and tables.
    pub const ALL: [ErrorCode; 11] = [
        Self::VaultLocked,
        Self::Forbidden,
        Self::InvalidInput,
        Self::NotFound,
        Self::NeedsSignIn,
        Self::Unavailable,
        Self::Rejected,
        Self::NeedsConfirmation,
        Self::OrderWarnings,
        Self::Ipc,
        Self::Internal,
    ];

    /// Whether the backend's message for this code is written for the user (which field was
    /// refused and why, the order's figures, the broker's warnings, the steps to sign in), so
    /// the UI shows it under the explanation. Otherwise it may quote a transport or vendor
    /// error and sits behind a disclosure.
    pub fn message_is_for_people(self) -> bool {
        match self {
            Self::VaultLocked
            | Self::Forbidden
            | Self::InvalidInput
            | Self::NeedsSignIn
            | Self::NeedsConfirmation
            | Self::OrderWarnings => true,
            Self::NotFound | Self::Unavailable | Self::Rejected | Self::Ipc | Self::Internal => {
                false
            }
        }
    }

    /// What happened and what to do, in one or two sentences for the user. The backend's own
    /// words (which may quote a transport error) go behind a disclosure, never in this text.
    /// An exhaustive `match`: a new code does not compile until it has its sentence.
    pub fn explain(self) -> &'static str {
        match self {
            Self::VaultLocked => {
                "Your vault is locked, so Brokerdesk cannot use your saved sign-ins. Unlock it \
                 with your password and try again."
            }
            Self::Forbidden => {
                "This is not allowed with your current profile or settings (for example, live \
                 trading is not armed, or the profile only reads). Change that on the Settings \
                 page if you mean to, then try again."
            }
            Self::InvalidInput => {
                "Something you entered was not accepted. Check the highlighted field, correct \
                 it and send it again."
            }
            Self::NotFound => {
                "What you asked for is no longer there (it may have been removed or closed). \
                 Reload the page to see what exists now."
            }
            Self::NeedsSignIn => {
                "The institution did not accept the sign-in (it expired, or the key was refused). \
                 Sign in again from the Connect page with current credentials; nothing else needs \
                 to change."
            }
            Self::Unavailable => {
                "The institution could not be reached or did not answer in time. Check your \
                 internet connection and try again in a minute; your data here is unchanged."
            }
            Self::Rejected => {
                "The institution said no to this request (for example, not enough buying power \
                 or a closed market). Nothing was changed; adjust the request and try again."
            }
            Self::NeedsConfirmation => {
                "This order is larger than the limit you set. Review the figures and confirm it \
                 a second time, or make it smaller."
            }
            Self::OrderWarnings => {
                "The broker is holding this order until you answer its warnings. Read them, \
                 then confirm or decline the order."
            }
            Self::Ipc => {
                "The app's window lost contact with its own background service. Try again; if \
                 it keeps happening, restart Brokerdesk."
            }
            Self::Internal => {
                "Something went wrong inside Brokerdesk; nothing was sent. Try again, and if it \
                 happens again, restart the app and report it with the details below."
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for IpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shape_is_code_and_message() {
        let e = IpcError::new(ErrorCode::VaultLocked, "Unlock the vault first");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"code":"vault_locked","message":"Unlock the vault first"}"#
        );
        assert_eq!(serde_json::from_str::<IpcError>(&json).unwrap(), e);
    }

    #[test]
    fn every_code_is_explained_with_what_happened_and_what_to_do() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.explain();
            // At least two sentences: what happened, then what to do.
            assert!(
                text.matches(". ").count() >= 1 && text.ends_with('.'),
                "{code:?}: {text}"
            );
            // No wire jargon in the user's text.
            for jargon in ["ipc", "http", "error sending", "reqwest", "_"] {
                assert!(!text.to_lowercase().contains(jargon), "{code:?}: {text}");
            }
            assert!(
                seen.insert(text),
                "{code:?} shares its text with another code"
            );
        }
        assert_eq!(seen.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn all_lists_every_code_once() {
        // Each variant maps to a distinct wire name, so ALL cannot repeat or skip one without
        // this count changing; the exhaustive `match` in `explain` covers new variants.
        let names: std::collections::HashSet<_> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), 11);
    }

    #[test]
    fn as_str_matches_serde_name() {
        for code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
        }
    }
}
