//! Transport-level failures, classified so the policy and the exactly-once logic can tell
//! "never sent" from "sent, outcome unknown" from "the vendor said no".

use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    /// The connection could not be opened: the request never left.
    #[error("could not connect: {0}")]
    Connect(String),
    /// No answer within the timeout; the vendor may or may not have acted.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The connection broke after the request went out; the vendor may have acted.
    #[error("connection lost: {0}")]
    Transport(String),
    /// The vendor answered with an error status; `message` is the vendor's own words.
    #[error("{status}: {message}")]
    Status {
        status: u16,
        code: Option<String>,
        message: String,
        retry_after: Option<Duration>,
    },
    /// The vendor answered 2xx with a body we could not read.
    #[error("unreadable reply: {0}")]
    Decode(String),
    /// Misconfiguration on our side (bad base URL, bad TLS setting).
    #[error("configuration: {0}")]
    Config(String),
}

impl HttpError {
    /// True when the request may have been carried out although we have no answer: a
    /// non-idempotent request must then be looked up, not resent.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            HttpError::Timeout(_) | HttpError::Transport(_) => true,
            HttpError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl From<HttpError> for crate::ConnectorError {
    fn from(e: HttpError) -> Self {
        use crate::ConnectorError as C;
        match &e {
            HttpError::Status {
                status,
                message,
                retry_after,
                ..
            } => match status {
                401 => C::NeedsSignIn(message.clone()),
                429 => C::RateLimited {
                    message: message.clone(),
                    retry_after: *retry_after,
                },
                s if *s >= 500 => C::Unavailable(e.to_string()),
                _ => C::Rejected(message.clone()),
            },
            HttpError::Decode(_) => C::BadResponse(e.to_string()),
            HttpError::Config(_) => C::Rejected(e.to_string()),
            HttpError::Connect(_) | HttpError::Timeout(_) | HttpError::Transport(_) => {
                C::Unavailable(e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConnectorError;

    fn status(s: u16) -> HttpError {
        HttpError::Status {
            status: s,
            code: None,
            message: "vendor says".into(),
            retry_after: None,
        }
    }

    #[test]
    fn statuses_map_to_connector_errors() {
        assert!(matches!(status(401).into(), ConnectorError::NeedsSignIn(m) if m == "vendor says"));
        assert!(matches!(status(403).into(), ConnectorError::Rejected(m) if m == "vendor says"));
        assert!(matches!(status(422).into(), ConnectorError::Rejected(_)));
        assert!(matches!(
            status(429).into(),
            ConnectorError::RateLimited { .. }
        ));
        assert!(matches!(status(503).into(), ConnectorError::Unavailable(_)));
        assert!(matches!(
            HttpError::Decode("x".into()).into(),
            ConnectorError::BadResponse(_)
        ));
    }

    #[test]
    fn only_ambiguous_failures_are_unknown() {
        assert!(HttpError::Timeout(Duration::from_secs(1)).outcome_unknown());
        assert!(HttpError::Transport("reset".into()).outcome_unknown());
        assert!(status(502).outcome_unknown());
        assert!(!status(422).outcome_unknown());
        assert!(!status(429).outcome_unknown());
        assert!(!HttpError::Connect("refused".into()).outcome_unknown());
    }
}
