//! What an AI assistant did through `brokerdesk mcp`: one audit line per tool call, shown under
//! Settings so the user can see every call an assistant made on their accounts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a tool call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Ok,
    Error,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Ok, Self::Error]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// One tool call, as written to the audit log. `arguments` is the call's JSON arguments with
/// account numbers masked; `message` a short reason for an error (or a summary).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistantCall {
    pub time: DateTime<Utc>,
    /// The client's own name from MCP (`clientInfo.name`), as it says; "unknown client" if none.
    pub client: String,
    pub tool: String,
    pub arguments: String,
    pub outcome: CallOutcome,
    pub message: String,
}

/// The user's answer to "Allow <client> to read your accounts?" in the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentAnswer {
    /// This connection only: the next one asks again.
    AllowOnce,
    /// Remembered (sealed to the vault) until revoked in Settings.
    Always,
    Deny,
}

/// The user's answer to a live order an assistant asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderDecision {
    Confirm,
    Decline,
}

/// A live order an assistant asked for, as the app shows it before the user confirms: the
/// full ticket, the account masked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveOrderAsk {
    pub connection_name: String,
    /// Masked (`••••1234`).
    pub account: String,
    pub symbol: crate::Symbol,
    pub side: crate::OrderSide,
    pub quantity: crate::OrderQuantity,
    pub order_type: crate::OrderType,
    pub time_in_force: crate::TimeInForce,
    pub limit_price: Option<rust_decimal::Decimal>,
    pub stop_price: Option<rust_decimal::Decimal>,
    /// Quantity × (limit price, or the latest price), or the notional; `None` when no price is
    /// known.
    pub estimated_value: Option<rust_decimal::Decimal>,
    pub currency: String,
}

/// What a question is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssistantAsk {
    /// "Allow <client> to read your accounts?"
    Consent,
    /// "<client> asks to place this live order."
    LiveOrder(Box<LiveOrderAsk>),
}

/// A question an attached assistant is waiting on, shown over any page of the app.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssistantQuestion {
    /// Also the confirmation id the assistant is given for a live order.
    pub id: String,
    /// The client's own name from MCP `clientInfo` (only its claim).
    pub client: String,
    /// The program that started `brokerdesk mcp` (`/proc/<pid>/exe`), or "unknown".
    pub executable: String,
    pub asked_at: DateTime<Utc>,
    /// Live orders expire (3 minutes); a consent question lasts as long as its connection.
    pub expires_at: Option<DateTime<Utc>>,
    pub ask: AssistantAsk,
}

/// A client the user allowed "always" (Settings › Assistants, with Revoke).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedAssistant {
    pub client: String,
    pub executable: String,
    pub allowed_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_names_round_trip_and_a_stray_name_is_refused() {
        for o in [CallOutcome::Ok, CallOutcome::Error] {
            assert_eq!(CallOutcome::parse(o.as_str()), Some(o));
            assert_eq!(
                serde_json::to_value(o).unwrap(),
                serde_json::json!(o.as_str())
            );
        }
        assert_eq!(CallOutcome::parse("maybe"), None);
    }
}
