//! One app-attached MCP connection: the user's consent before its first read, and live orders
//! held until the user confirms them in the app. The questions and answers themselves are the
//! service's (`BrokerageService::ask_assistant_consent`, `hold_assistant_order`); this file
//! keeps what the connection waits on and the words the assistant relays.
//!
//! Headless connections (`brokerdesk mcp` without the app) have none of this: the user put the
//! password in that client's own configuration, and live orders are always refused there.

use crate::envelope::Output;
use crate::masking::{KnownAccounts, mask_account};
use crate::tools::{self, PaperOrderArgs, ToolError, ToolResult};
use brokerdesk_model::{ConsentAnswer, TradingMode};
use brokerdesk_service::{
    AnswerWaiter, Answered, AssistantOrderOutcome, AssistantPeer, BrokerageService, ServiceError,
    WaitOutcome,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

/// Where this connection stands with the user.
enum Consent {
    Unasked,
    Pending(AnswerWaiter),
    Allowed,
    Denied,
}

pub struct Attached {
    service: BrokerageService,
    /// The program that started the relay (`/proc/<pid>/exe` of its parent), or "unknown".
    executable: String,
    wait: Duration,
    consent: tokio::sync::Mutex<Consent>,
    /// Live orders still waiting for the user, by confirmation id.
    orders: std::sync::Mutex<HashMap<String, AnswerWaiter>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckArgs {
    /// The `confirmation_id` place_live_order answered with.
    pub confirmation_id: String,
}

impl Attached {
    pub fn new(service: BrokerageService, executable: String) -> Self {
        let wait = service.assistant_wait();
        Self {
            service,
            executable,
            wait,
            consent: tokio::sync::Mutex::new(Consent::Unasked),
            orders: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn peer(&self, client: &str) -> AssistantPeer {
        AssistantPeer {
            client: client.to_owned(),
            executable: self.executable.clone(),
        }
    }

    fn orders(&self) -> std::sync::MutexGuard<'_, HashMap<String, AnswerWaiter>> {
        self.orders.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Before any read: the user's consent. Asks on the first request, waits a bounded time
    /// for the answer, and answers in words the assistant can relay while it waits or after
    /// a no.
    pub async fn gate(&self, client: &str) -> Result<(), ToolError> {
        let mut consent = self.consent.lock().await;
        if matches!(*consent, Consent::Unasked) {
            match self.service.ask_assistant_consent(&self.peer(client)) {
                Ok(None) => *consent = Consent::Allowed,
                Ok(Some(waiter)) => *consent = Consent::Pending(waiter),
                Err(err) => return Err(err.into()),
            }
        }
        let outcome = match &mut *consent {
            Consent::Allowed => return Ok(()),
            Consent::Denied => return Err(denied(client)),
            Consent::Unasked => return Err(waiting(client)),
            Consent::Pending(waiter) => self.service.wait_assistant_answer(waiter, self.wait).await,
        };
        match outcome {
            WaitOutcome::Answered(Answered::Consent(ConsentAnswer::AllowOnce))
            | WaitOutcome::Answered(Answered::Consent(ConsentAnswer::Always)) => {
                *consent = Consent::Allowed;
                Ok(())
            }
            WaitOutcome::Answered(_) => {
                *consent = Consent::Denied;
                Err(denied(client))
            }
            WaitOutcome::StillWaiting => Err(waiting(client)),
            WaitOutcome::Gone => {
                *consent = Consent::Unasked;
                Err(waiting(client))
            }
        }
    }

    /// `place_live_order`: held for the user's confirmation in the app, only while live trading
    /// is armed there.
    pub async fn place_live_order(
        &self,
        known: &KnownAccounts,
        client: &str,
        args: LiveOrderArgs,
    ) -> ToolResult {
        let symbol = tools::symbol(&args.symbol)?;
        let quantity = tools::quantity_of(&args)?;
        let Some(reference) = args.account_ref.as_deref() else {
            return Err(ToolError::invalid(
                "name the live account's account_ref (from list_accounts)",
            ));
        };
        let (chosen, _) = tools::accounts(&self.service, known, Some(reference)).await?;
        let Some(account) = chosen.into_iter().next() else {
            return Err(ToolError::invalid("no such account"));
        };
        let masked = mask_account(account.account_id.as_str());
        let mode = self
            .service
            .account_mode(&account.connection.id, &account.account_id)
            .await?;
        if mode != TradingMode::Live {
            return Err(ToolError::invalid(format!(
                "{masked} at {} is a paper account: use place_paper_order",
                account.connection.display_name
            )));
        }
        let ticket = tools::order_ticket(&account, symbol, quantity, &args);
        let mut waiter = match self
            .service
            .hold_assistant_order(ticket, &self.peer(client), &masked)
            .await
        {
            Ok(w) => w,
            Err(err) => return Err(live_refused(err)),
        };
        let id = waiter.id.clone();
        let outcome = self
            .service
            .wait_assistant_answer(&mut waiter, self.wait)
            .await;
        let result = self.order_outcome(&id, waiter.expires_at, outcome);
        if matches!(&result, Err(e) if e.code == "awaiting_confirmation") {
            self.orders().insert(id, waiter);
        }
        result.map(|data| tools_output(&account, data))
    }

    /// `check_live_order`: waits again (bounded) for the user's answer to a held live order.
    pub async fn check_live_order(&self, known: &KnownAccounts, args: CheckArgs) -> ToolResult {
        let id = args.confirmation_id.trim().to_owned();
        let Some(mut waiter) = self.orders().remove(&id) else {
            return Err(ToolError {
                code: "not_found",
                message: "no live order of this connection waits under that confirmation_id (it \
                          was answered already, or never asked here)"
                    .into(),
            });
        };
        let outcome = self
            .service
            .wait_assistant_answer(&mut waiter, self.wait)
            .await;
        let result = self.order_outcome(&id, waiter.expires_at, outcome);
        if matches!(&result, Err(e) if e.code == "awaiting_confirmation") {
            self.orders().insert(id, waiter);
        }
        let data = result?;
        if let Some(account) = data.pointer("/placed/account_ref").and_then(|v| v.as_str()) {
            // Learnt for the final scan, like every account a reply names.
            let _ = tools::accounts(&self.service, known, Some(account)).await;
        }
        Ok(Output {
            sources: vec![],
            data,
            untrusted: &["placed.symbol", "placed.status"],
        })
    }

    fn order_outcome(
        &self,
        id: &str,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
        outcome: WaitOutcome,
    ) -> Result<serde_json::Value, ToolError> {
        match outcome {
            WaitOutcome::Answered(Answered::Order(AssistantOrderOutcome::Placed(entry))) => {
                Ok(json!({
                    "placed": tools::order_json(&entry),
                    "note": "A LIVE order (real money), confirmed by the user in the Brokerdesk app.",
                }))
            }
            WaitOutcome::Answered(Answered::Order(AssistantOrderOutcome::Declined)) => {
                Err(ToolError {
                    code: "declined",
                    message: "The user declined this order in the Brokerdesk app. Nothing was \
                              sent."
                        .into(),
                })
            }
            WaitOutcome::Answered(Answered::Order(AssistantOrderOutcome::Failed(why))) => {
                Err(ToolError {
                    code: "not_placed",
                    message: format!(
                        "The user confirmed the order in the Brokerdesk app, but it was not \
                         placed: {}",
                        crate::masking::mask_digit_runs(&why)
                    ),
                })
            }
            WaitOutcome::Answered(Answered::Order(AssistantOrderOutcome::Expired))
            | WaitOutcome::Gone => Err(ToolError {
                code: "expired",
                message: "The order was not confirmed in the Brokerdesk app in time. Nothing was \
                          sent; ask again if the user still wants it."
                    .into(),
            }),
            WaitOutcome::Answered(Answered::Consent(_)) => Err(ToolError {
                code: "internal",
                message: "unexpected answer".into(),
            }),
            WaitOutcome::StillWaiting => Err(ToolError {
                code: "awaiting_confirmation",
                message: format!(
                    "Still waiting in the Brokerdesk app for the user to confirm this live order \
                     (confirmation id {id}{}). Nothing is sent until the user confirms it there. \
                     Call check_live_order with this confirmation_id to learn the outcome.",
                    expires_at
                        .map(|at| format!(", expires at {}", at.format("%H:%M:%S UTC")))
                        .unwrap_or_default()
                ),
            }),
        }
    }
}

impl Drop for Attached {
    /// The connection is gone: its questions leave the app's screen.
    fn drop(&mut self) {
        if let Consent::Pending(waiter) = self.consent.get_mut() {
            self.service.withdraw_assistant_question(&waiter.id);
        }
        let orders = std::mem::take(&mut *self.orders());
        for id in orders.keys() {
            self.service.withdraw_assistant_question(id);
        }
    }
}

/// The arguments of `place_live_order`: those of a paper order (one schema for both tools),
/// with `account_ref` required, which the tool checks.
pub type LiveOrderArgs = PaperOrderArgs;

fn waiting(client: &str) -> ToolError {
    ToolError {
        code: "awaiting_consent",
        message: format!(
            "Waiting for your answer in the Brokerdesk app: it asks whether {client} may read \
             your accounts (allow once, always, or deny). Answer there, then ask again."
        ),
    }
}

fn denied(client: &str) -> ToolError {
    ToolError {
        code: "consent_denied",
        message: format!(
            "The user denied {client} access to their accounts in the Brokerdesk app. Nothing \
             can be read over this connection; reconnect to be asked again."
        ),
    }
}

/// Why a live order was not even put to the user, in words to relay.
fn live_refused(err: ServiceError) -> ToolError {
    let code = err.code();
    match code {
        brokerdesk_model::ErrorCode::Forbidden => ToolError {
            code: "live_not_armed",
            message: format!(
                "Refused: {}. An assistant's live order is only put to the user while live \
                     trading is armed: ask the user to arm live trading in the Brokerdesk app, \
                     then ask again; the order is then shown in the app for the user to confirm.",
                crate::masking::mask_digit_runs(&err.to_string())
            ),
        },
        _ => err.into(),
    }
}

fn tools_output(account: &brokerdesk_model::AccountSnapshot, data: serde_json::Value) -> Output {
    Output {
        sources: vec![tools::source_of(account)],
        data,
        untrusted: &["placed.symbol", "placed.status"],
    }
}
