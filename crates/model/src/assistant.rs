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
