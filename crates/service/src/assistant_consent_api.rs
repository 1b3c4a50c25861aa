//! `BrokerageService`'s methods over `assistant_consent` (the questions) and
//! `assistant_clients` (the sealed "always" list): what an app-attached assistant asks, and the
//! user's answers from the app. Every answer is written to the assistant audit log.

use crate::assistant_clients::AllowedClients;
use crate::assistant_consent::*;
use crate::error::ServiceError;
use crate::service::BrokerageService;
use brokerdesk_model::{
    AllowedAssistant, AssistantAsk, AssistantCall, AssistantQuestion, BlotterEntry, CallOutcome,
    ConsentAnswer, LiveOrderAsk, OrderDecision, OrderTicket, ServiceEvent, TradingMode,
};
use brokerdesk_vault::Action;
use chrono::Utc;
use std::time::Duration;

/// Who is asking: the client's claimed name and the program that started the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssistantPeer {
    pub client: String,
    pub executable: String,
}

impl BrokerageService {
    /// How long an attached assistant's call waits for an answer (`ServiceConfig`).
    pub fn assistant_wait(&self) -> Duration {
        self.inner.config.assistant_wait
    }

    fn allowed_clients(&self) -> AllowedClients {
        AllowedClients::new(&self.inner.config.data_dir)
    }

    /// The first request of an attached connection: `Ok(None)` when the user allowed this
    /// client (same name and executable) "always", else a consent question is opened and its
    /// waiter returned. A locked vault is refused (`VaultLocked`): the app never asks for the
    /// password on an assistant's behalf, and reads would be refused anyway.
    pub fn ask_assistant_consent(
        &self,
        peer: &AssistantPeer,
    ) -> Result<Option<AnswerWaiter>, ServiceError> {
        self.vault().authorize(Action::Read)?;
        if self.vault().state()?.initialized {
            let allowed = self.allowed_clients().load(self.vault())?;
            if allowed
                .iter()
                .any(|a| a.client == peer.client && a.executable == peer.executable)
            {
                return Ok(None);
            }
        }
        let waiter = self.inner.assistant.insert(
            AssistantQuestion {
                id: uuid::Uuid::new_v4().simple().to_string(),
                client: peer.client.clone(),
                executable: peer.executable.clone(),
                asked_at: Utc::now(),
                expires_at: None,
                ask: AssistantAsk::Consent,
            },
            None,
        );
        self.publish(ServiceEvent::AssistantQuestions);
        Ok(Some(waiter))
    }

    /// Waits at most `within` (and never past a live order's expiry) for the answer.
    pub async fn wait_assistant_answer(
        &self,
        waiter: &mut AnswerWaiter,
        within: Duration,
    ) -> WaitOutcome {
        let until_expiry = waiter.expires_at.map(|at| {
            (at - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                // Just past it, so the sweep below finds it expired.
                .saturating_add(Duration::from_millis(5))
        });
        let wait = until_expiry.map_or(within, |e| e.min(within));
        let changed = tokio::time::timeout(wait, waiter.rx.wait_for(|a| a.is_some()))
            .await
            .map(|r| r.map(|answer| answer.clone()));
        match changed {
            Ok(Ok(Some(a))) => WaitOutcome::Answered(a),
            Ok(Ok(None)) => WaitOutcome::Gone,
            // The sender is gone without an answer.
            Ok(Err(_)) => match waiter.rx.borrow().clone() {
                Some(a) => WaitOutcome::Answered(a),
                None => WaitOutcome::Gone,
            },
            Err(_) => {
                if waiter.expires_at.is_some_and(|at| at <= Utc::now()) {
                    self.expire_assistant_questions();
                }
                match waiter.rx.borrow().clone() {
                    Some(a) => WaitOutcome::Answered(a),
                    None => WaitOutcome::StillWaiting,
                }
            }
        }
    }

    /// A question whose connection went away: taken off the app's screen.
    pub fn withdraw_assistant_question(&self, id: &str) {
        if self.inner.assistant.take(id).is_some() {
            self.publish(ServiceEvent::AssistantQuestions);
        }
    }

    fn expire_assistant_questions(&self) {
        let gone = self.inner.assistant.expire(Utc::now());
        for q in &gone {
            self.audit_answer(q, CallOutcome::Error, "expired: not confirmed in time");
        }
        if !gone.is_empty() {
            self.publish(ServiceEvent::AssistantQuestions);
        }
    }

    /// The questions attached assistants wait on, oldest first.
    pub fn assistant_questions(&self) -> Vec<AssistantQuestion> {
        self.expire_assistant_questions();
        self.inner.assistant.list()
    }

    /// The user's answer to a consent question. "Always" is remembered in the sealed list,
    /// which needs a vault (without one, allow once).
    pub async fn answer_assistant_consent(
        &self,
        id: &str,
        answer: ConsentAnswer,
    ) -> Result<Vec<AssistantQuestion>, ServiceError> {
        self.guard(Action::Read)?;
        let question = {
            let held = self.inner.assistant.lock();
            match held.get(id) {
                Some(h) if h.question.ask == AssistantAsk::Consent => h.question.clone(),
                _ => return Err(ServiceError::AssistantQuestionGone),
            }
        };
        if answer == ConsentAnswer::Always {
            if !self.vault().state()?.initialized {
                return Err(ServiceError::InvalidInput(
                    "remembering an assistant needs a vault (it seals the list); create one, or \
                     allow once"
                        .into(),
                ));
            }
            let clients = self.allowed_clients();
            let mut list = clients.load(self.vault())?;
            if !list
                .iter()
                .any(|a| a.client == question.client && a.executable == question.executable)
            {
                list.push(AllowedAssistant {
                    client: question.client.clone(),
                    executable: question.executable.clone(),
                    allowed_at: Utc::now(),
                });
            }
            let vault = self.vault().clone();
            tokio::task::spawn_blocking(move || clients.save(&vault, &list))
                .await
                .map_err(|e| ServiceError::Internal(format!("saving assistant clients: {e}")))??;
        }
        let Some(held) = self.inner.assistant.take(id) else {
            return Err(ServiceError::AssistantQuestionGone);
        };
        let _ = held.answer.send(Some(Answered::Consent(answer)));
        let (outcome, words) = match answer {
            ConsentAnswer::AllowOnce => (CallOutcome::Ok, "allowed once by the user"),
            ConsentAnswer::Always => (CallOutcome::Ok, "allowed always by the user"),
            ConsentAnswer::Deny => (CallOutcome::Error, "denied by the user"),
        };
        self.audit_answer(&question, outcome, words);
        self.publish(ServiceEvent::AssistantQuestions);
        Ok(self.inner.assistant.list())
    }

    /// Holds a live order an attached assistant asked for, until the user confirms or declines
    /// it in the app (or it expires). Refused up front unless the user may place a live order
    /// now (trader role, live trading armed): the app is not asked to arm on an assistant's
    /// behalf.
    pub async fn hold_assistant_order(
        &self,
        ticket: OrderTicket,
        peer: &AssistantPeer,
        masked_account: &str,
    ) -> Result<AnswerWaiter, ServiceError> {
        ticket.validate().map_err(ServiceError::InvalidInput)?;
        let connection = self.connection(&ticket.connection).await?;
        let mode = connection.account_mode(&ticket.account).await;
        if mode != TradingMode::Live {
            return Err(ServiceError::InvalidInput(
                "only a live order is held for the user's confirmation".into(),
            ));
        }
        self.authorize_order(&connection.id, mode)?;
        let estimated_value = self.estimate_order_value(&connection, &ticket).await;
        let ask = LiveOrderAsk {
            connection_name: connection.display_name.clone(),
            account: masked_account.to_owned(),
            symbol: brokerdesk_model::Symbol::new(ticket.symbol.as_str().trim().to_uppercase()),
            side: ticket.side,
            quantity: ticket.quantity,
            order_type: ticket.order_type,
            time_in_force: ticket.time_in_force,
            limit_price: ticket.limit_price,
            stop_price: ticket.stop_price,
            estimated_value,
            currency: connection
                .account_currency(&ticket.account)
                .unwrap_or_else(|| "USD".to_owned()),
        };
        let now = Utc::now();
        let expiry = chrono::TimeDelta::from_std(self.inner.config.assistant_order_expiry)
            .unwrap_or(chrono::TimeDelta::minutes(3));
        let question = AssistantQuestion {
            id: uuid::Uuid::new_v4().simple().to_string(),
            client: peer.client.clone(),
            executable: peer.executable.clone(),
            asked_at: now,
            expires_at: Some(now + expiry),
            ask: AssistantAsk::LiveOrder(Box::new(ask)),
        };
        // An assistant's order is the user's decision: never past the size guard unasked.
        let ticket = OrderTicket {
            confirm_large: false,
            ..ticket
        };
        self.audit_answer(
            &question,
            CallOutcome::Ok,
            "held for the user's confirmation",
        );
        let waiter = self.inner.assistant.insert(question, Some(ticket));
        self.publish(ServiceEvent::AssistantQuestions);
        Ok(waiter)
    }

    /// The user's answer to an assistant's live order. Confirm: checked again (live trading
    /// still armed) and placed through the normal order path (role, size limit, journal);
    /// while the guard refuses, the question stays for an answer after arming. Decline: nothing
    /// is sent. An unknown, answered or expired id is `AssistantQuestionGone`.
    pub async fn answer_assistant_order(
        &self,
        id: &str,
        decision: OrderDecision,
    ) -> Result<Option<BlotterEntry>, ServiceError> {
        self.expire_assistant_questions();
        let (question, ticket) = {
            let held = self.inner.assistant.lock();
            match held.get(id) {
                Some(Held {
                    question,
                    ticket: Some(ticket),
                    ..
                }) => (question.clone(), ticket.clone()),
                _ => return Err(ServiceError::AssistantQuestionGone),
            }
        };
        if decision == OrderDecision::Confirm {
            let connection = self.connection(&ticket.connection).await?;
            let mode = connection.account_mode(&ticket.account).await;
            self.authorize_order(&connection.id, mode)?;
        }
        let Some(held) = self.inner.assistant.take(id) else {
            return Err(ServiceError::AssistantQuestionGone);
        };
        self.publish(ServiceEvent::AssistantQuestions);
        if decision == OrderDecision::Decline {
            let _ = held
                .answer
                .send(Some(Answered::Order(AssistantOrderOutcome::Declined)));
            self.audit_answer(&question, CallOutcome::Error, "declined by the user");
            return Ok(None);
        }
        match self.place_order(ticket).await {
            Ok(entry) => {
                let _ = held
                    .answer
                    .send(Some(Answered::Order(AssistantOrderOutcome::Placed(
                        Box::new(entry.clone()),
                    ))));
                self.audit_answer(
                    &question,
                    CallOutcome::Ok,
                    &format!(
                        "confirmed by the user and placed ({:?})",
                        entry.order.status
                    ),
                );
                Ok(Some(entry))
            }
            Err(err) => {
                let why = err.to_string();
                let _ = held
                    .answer
                    .send(Some(Answered::Order(AssistantOrderOutcome::Failed(
                        why.clone(),
                    ))));
                self.audit_answer(
                    &question,
                    CallOutcome::Error,
                    &format!("confirmed by the user, not placed: {why}"),
                );
                Err(err)
            }
        }
    }

    /// The clients allowed "always" (Settings). A list changed outside Brokerdesk reads empty.
    pub fn allowed_assistants(&self) -> Result<Vec<AllowedAssistant>, ServiceError> {
        self.guard(Action::Read)?;
        if !self.vault().state()?.initialized {
            return Ok(Vec::new());
        }
        self.allowed_clients().load(self.vault())
    }

    /// Revokes an "always": that client is asked again on its next connection.
    pub fn revoke_assistant(
        &self,
        client: &str,
        executable: &str,
    ) -> Result<Vec<AllowedAssistant>, ServiceError> {
        let mut list = self.allowed_assistants()?;
        let before = list.len();
        list.retain(|a| !(a.client == client && a.executable == executable));
        if list.len() != before {
            self.allowed_clients().save(self.vault(), &list)?;
            self.audit_sync(AssistantCall {
                time: Utc::now(),
                client: client.to_owned(),
                tool: "consent".into(),
                arguments: serde_json::json!({ "executable": executable }).to_string(),
                outcome: CallOutcome::Ok,
                message: "\"always\" revoked by the user".into(),
            });
        }
        Ok(list)
    }

    /// One audit row for a question's step (asked, answered, expired).
    fn audit_answer(&self, question: &AssistantQuestion, outcome: CallOutcome, message: &str) {
        let (tool, arguments) = match &question.ask {
            AssistantAsk::Consent => (
                "consent",
                serde_json::json!({ "executable": question.executable }),
            ),
            AssistantAsk::LiveOrder(o) => (
                "live order confirmation",
                serde_json::json!({
                    "confirmation_id": question.id,
                    "account": o.account,
                    "connection_name": o.connection_name,
                    "symbol": o.symbol,
                    "side": o.side,
                    "quantity": o.quantity,
                    "order_type": o.order_type,
                    "time_in_force": o.time_in_force,
                    "limit_price": o.limit_price,
                    "stop_price": o.stop_price,
                    "estimated_value": o.estimated_value,
                }),
            ),
        };
        self.audit_sync(AssistantCall {
            time: Utc::now(),
            client: question.client.clone(),
            tool: tool.into(),
            arguments: arguments.to_string(),
            outcome,
            message: message.to_owned(),
        });
    }

    /// Written right away (one small WAL insert); a failure is logged, since the user's
    /// answer itself must not be lost to it.
    fn audit_sync(&self, call: AssistantCall) {
        let dir = self.inner.config.data_dir.clone();
        if let Err(e) = crate::assistant_audit::record_now(&dir, &call) {
            tracing::warn!(error = %e, "an assistant answer could not be audited");
        }
    }
}
