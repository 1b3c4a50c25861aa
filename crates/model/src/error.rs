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
    fn as_str_matches_serde_name() {
        for code in [
            ErrorCode::VaultLocked,
            ErrorCode::Forbidden,
            ErrorCode::InvalidInput,
            ErrorCode::NotFound,
            ErrorCode::NeedsSignIn,
            ErrorCode::Unavailable,
            ErrorCode::Rejected,
            ErrorCode::NeedsConfirmation,
            ErrorCode::OrderWarnings,
            ErrorCode::Ipc,
            ErrorCode::Internal,
        ] {
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
        }
    }
}
