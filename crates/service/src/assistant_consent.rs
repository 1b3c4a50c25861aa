//! Questions an app-attached AI assistant waits on, until the user answers them in the app:
//! "Allow <client> to read your accounts?" and "place this live order?". Held in memory (a
//! restart forgets them; the assistant's connection is gone with the app anyway).
//!
//! Each question has a `watch` channel: the MCP connection that asked keeps the receiver and
//! waits on it (bounded), and may wait again on a later call; the answer stays in the channel
//! after the question leaves the list. Dropping the sender unanswered (withdrawn, or the app
//! gone) is seen by the waiter as "no answer".

use brokerdesk_model::{AssistantQuestion, BlotterEntry, ConsentAnswer, OrderTicket};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

/// What came of a live order an assistant asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum AssistantOrderOutcome {
    Placed(Box<BlotterEntry>),
    Declined,
    /// Confirmed, but the service refused or the broker rejected it: the reason.
    Failed(String),
    /// Not answered within its time; nothing was sent.
    Expired,
}

/// An answer, as the waiting connection receives it.
#[derive(Clone, Debug, PartialEq)]
pub enum Answered {
    Consent(ConsentAnswer),
    Order(AssistantOrderOutcome),
}

/// What a waiting connection holds: the question's id and the receiving end of its answer.
pub struct AnswerWaiter {
    pub id: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub(crate) rx: watch::Receiver<Option<Answered>>,
}

/// Where a wait ended.
#[derive(Clone, Debug, PartialEq)]
pub enum WaitOutcome {
    Answered(Answered),
    /// Not answered yet; the question is still open.
    StillWaiting,
    /// The question is gone without an answer (withdrawn, or the app's service stopped).
    Gone,
}

pub(crate) struct Held {
    pub(crate) question: AssistantQuestion,
    /// The order to place on Confirm (live orders only).
    pub(crate) ticket: Option<OrderTicket>,
    pub(crate) answer: watch::Sender<Option<Answered>>,
}

#[derive(Default)]
pub(crate) struct AssistantQuestions {
    held: Mutex<HashMap<String, Held>>,
}

impl AssistantQuestions {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Held>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn insert(
        &self,
        question: AssistantQuestion,
        ticket: Option<OrderTicket>,
    ) -> AnswerWaiter {
        let (tx, rx) = watch::channel(None);
        let waiter = AnswerWaiter {
            id: question.id.clone(),
            expires_at: question.expires_at,
            rx,
        };
        self.lock().insert(
            question.id.clone(),
            Held {
                question,
                ticket,
                answer: tx,
            },
        );
        waiter
    }

    /// The open questions, oldest first.
    pub(crate) fn list(&self) -> Vec<AssistantQuestion> {
        let mut out: Vec<AssistantQuestion> =
            self.lock().values().map(|h| h.question.clone()).collect();
        out.sort_by(|a, b| a.asked_at.cmp(&b.asked_at).then(a.id.cmp(&b.id)));
        out
    }

    /// Removes the live orders whose time is up, telling their waiters; true if any went.
    pub(crate) fn expire(&self, now: DateTime<Utc>) -> Vec<AssistantQuestion> {
        let mut held = self.lock();
        let gone: Vec<String> = held
            .iter()
            .filter(|(_, h)| h.question.expires_at.is_some_and(|at| at <= now))
            .map(|(k, _)| k.clone())
            .collect();
        gone.into_iter()
            .filter_map(|k| held.remove(&k))
            .map(|h| {
                let _ = h
                    .answer
                    .send(Some(Answered::Order(AssistantOrderOutcome::Expired)));
                h.question
            })
            .collect()
    }

    pub(crate) fn take(&self, id: &str) -> Option<Held> {
        self.lock().remove(id)
    }
}
