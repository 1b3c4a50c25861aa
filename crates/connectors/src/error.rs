//! What can go wrong talking to an institution, in terms the service can act on.

use brokerdesk_model::AccountId;

#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    #[error("account {0} is not known to this connection")]
    UnknownAccount(AccountId),
    #[error("the institution asks to sign in again: {0}")]
    NeedsSignIn(String),
    #[error("the institution could not be reached: {0}")]
    Unavailable(String),
    #[error("the institution refused the request: {0}")]
    Rejected(String),
    #[error("the institution sent a reply we could not read: {0}")]
    BadResponse(String),
    /// The account is there but the institution gives no balance figure for it (a vendor
    /// without a balance endpoint, or one login of an aggregator connection that expired).
    /// Not a failure of the connection: the account shows with this note instead of figures.
    #[error("no balance for this account: {}", .0.note())]
    BalanceUnknown(brokerdesk_model::BalanceUnknown),
    /// 429: the vendor's quota is spent; `retry_after` is when it said to come back (its
    /// `Retry-After`, or Alpaca's `X-RateLimit-Reset`), so the caller can wait that long.
    #[error("the institution is rate limiting us: {message}")]
    RateLimited {
        message: String,
        retry_after: Option<std::time::Duration>,
    },
    /// The broker did not place the order: it warns and waits for the user's yes or no
    /// (`Trading::confirm_order`). The warnings are the broker's text, to be shown, not obeyed.
    #[error("the institution asks to confirm the order: {}", .0.messages.join(" "))]
    NeedsConfirmation(OrderWarnings),
}

/// A broker's warnings about an order it holds back until the user answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderWarnings {
    /// The broker's id for this question (answered once, and only for a short while).
    pub reply_id: String,
    pub messages: Vec<String>,
}
