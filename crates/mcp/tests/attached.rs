//! The app-attached mode over a real Unix socket, driven by the official Rust SDK's client:
//! the user's consent (deny, allow once, always — sealed to the vault), the bounded wait, and
//! live orders held for the user's confirmation (not armed, confirmed, declined, expired).

#![cfg(unix)]
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod support;

use brokerdesk_mcp::attach::AttachListener;
use brokerdesk_model::vault::Role;
use brokerdesk_model::{AssistantAsk, CallOutcome, ConsentAnswer, OrderDecision, TradingMode};
use brokerdesk_service::{BrokerageService, ServiceConfig};
use rmcp::ServiceExt;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use support::{Client, TestClient, attach_accepting_live, call, data, is_error, orders_sent, seen};

const PASSWORD: &str = "correct horse battery staple 42";

async fn open(dir: &Path, wait: Duration, expiry: Duration, create: bool) -> BrokerageService {
    let mut config = ServiceConfig::new(dir.to_path_buf());
    config.assistant_wait = wait;
    config.assistant_order_expiry = expiry;
    let service = BrokerageService::start(config).await.unwrap();
    if create {
        service
            .vault()
            .create(SecretString::from(PASSWORD), Role::Trader)
            .await
            .unwrap();
    }
    service.unlock(SecretString::from(PASSWORD)).await.unwrap();
    service
}

/// The app's listener on a socket in `dir`, serving `service`.
async fn listen(dir: &Path, service: &BrokerageService) -> std::path::PathBuf {
    let path = dir.join("run").join("mcp.sock");
    let listener = AttachListener::bind(&path).await.unwrap();
    tokio::spawn(listener.serve(service.clone()));
    path
}

async fn attach(socket: &Path) -> Client {
    let stream = tokio::net::UnixStream::connect(socket).await.unwrap();
    TestClient.serve(stream).await.expect("client connects")
}

/// Answers the next consent question the way the user would in the app.
fn answer_consent(service: &BrokerageService, answer: ConsentAnswer) {
    let service = service.clone();
    tokio::spawn(async move {
        for _ in 0..500 {
            if let Some(q) = service
                .assistant_questions()
                .into_iter()
                .find(|q| q.ask == AssistantAsk::Consent)
            {
                service
                    .answer_assistant_consent(&q.id, answer)
                    .await
                    .unwrap();
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
}

/// Answers the next live order question; the outcome of the answer is sent back.
fn answer_order(
    service: &BrokerageService,
    decision: OrderDecision,
) -> tokio::task::JoinHandle<Option<String>> {
    let service = service.clone();
    tokio::spawn(async move {
        for _ in 0..500 {
            if let Some(q) = service
                .assistant_questions()
                .into_iter()
                .find(|q| matches!(q.ask, AssistantAsk::LiveOrder(_)))
            {
                if let AssistantAsk::LiveOrder(o) = &q.ask {
                    assert_eq!(o.account, "••••5678", "the app shows it masked");
                    assert_eq!(o.estimated_value, Some(dec!(100)));
                }
                let r = service.answer_assistant_order(&q.id, decision).await;
                return Some(format!("{r:?}"));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_is_an_error_the_assistant_can_relay_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(
        dir.path(),
        Duration::from_secs(10),
        Duration::from_secs(60),
        true,
    )
    .await;
    let socket = listen(dir.path(), &service).await;
    let client = attach(&socket).await;
    answer_consent(&service, ConsentAnswer::Deny);
    let r = call(&client, "list_accounts", json!({})).await;
    assert!(is_error(&r), "{}", seen(&r));
    assert_eq!(data(&r)["error"]["code"], "consent_denied");
    assert!(seen(&r).contains("denied"));
    // And it stays denied on this connection, without asking again.
    let again = call(&client, "get_balances", json!({})).await;
    assert_eq!(data(&again)["error"]["code"], "consent_denied");
    assert!(service.assistant_questions().is_empty());
    let audit = service.assistant_audit(None).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|c| c.tool == "consent" && c.message.contains("denied")),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|c| c.tool == "list_accounts" && c.outcome == CallOutcome::Error)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_once_reads_and_a_second_connection_asks_again_and_waits() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(
        dir.path(),
        Duration::from_millis(400),
        Duration::from_secs(60),
        true,
    )
    .await;
    let socket = listen(dir.path(), &service).await;
    let first = attach(&socket).await;
    // Unanswered: the call comes back with words to relay, the question stays open.
    let r = call(&first, "list_accounts", json!({})).await;
    assert_eq!(
        data(&r)["error"]["code"],
        "awaiting_consent",
        "{}",
        seen(&r)
    );
    assert!(seen(&r).contains("Waiting for your answer in the Brokerdesk app"));
    let open_questions = service.assistant_questions();
    assert_eq!(open_questions.len(), 1);
    assert_eq!(open_questions[0].client, support::CLIENT_NAME);
    assert_ne!(open_questions[0].executable, "");
    // A resource read is gated too.
    assert!(first.list_all_resources().await.is_err());
    answer_consent(&service, ConsentAnswer::AllowOnce);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = call(&first, "list_accounts", json!({})).await;
    assert!(!is_error(&r), "{}", seen(&r));
    assert_eq!(data(&r)["data"]["accounts"][0]["connection"], "paper-local");
    // Once: another connection is asked again.
    let second = attach(&socket).await;
    let r = call(&second, "list_accounts", json!({})).await;
    assert_eq!(data(&r)["error"]["code"], "awaiting_consent");
    assert_eq!(service.assistant_questions().len(), 1);
    // A connection that goes away takes its question off the app's screen.
    drop(second);
    for _ in 0..100 {
        if service.assistant_questions().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(service.assistant_questions().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn always_is_sealed_survives_a_restart_and_a_file_edit_adds_no_one() {
    let dir = tempfile::tempdir().unwrap();
    {
        let service = open(
            dir.path(),
            Duration::from_secs(10),
            Duration::from_secs(60),
            true,
        )
        .await;
        let socket = listen(dir.path(), &service).await;
        let client = attach(&socket).await;
        answer_consent(&service, ConsentAnswer::Always);
        let r = call(&client, "list_accounts", json!({})).await;
        assert!(!is_error(&r), "{}", seen(&r));
        assert_eq!(service.allowed_assistants().unwrap().len(), 1);
    }
    let file = dir.path().join("assistant_clients.json");
    let sealed = std::fs::read_to_string(&file).unwrap();
    // After a restart: no question for the same client.
    let service = open(
        dir.path(),
        Duration::from_millis(300),
        Duration::from_secs(60),
        false,
    )
    .await;
    let _ = std::fs::remove_file(dir.path().join("run").join("mcp.sock"));
    let socket = listen(dir.path(), &service).await;
    let client = attach(&socket).await;
    let r = call(&client, "get_balances", json!({})).await;
    assert!(!is_error(&r), "{}", seen(&r));
    assert!(service.assistant_questions().is_empty());
    // Revoked: asked again.
    let allowed = service.allowed_assistants().unwrap();
    service
        .revoke_assistant(&allowed[0].client, &allowed[0].executable)
        .unwrap();
    let client = attach(&socket).await;
    let r = call(&client, "get_balances", json!({})).await;
    assert_eq!(data(&r)["error"]["code"], "awaiting_consent");
    // A hand edit that puts the client back (the old list, another client's name) is ignored.
    let mut edited: serde_json::Value = serde_json::from_str(&sealed).unwrap();
    edited["clients"][0]["client"] = json!("evil-client");
    std::fs::write(&file, edited.to_string()).unwrap();
    assert!(service.allowed_assistants().unwrap().is_empty());
    let mut stripped: serde_json::Value = serde_json::from_str(&sealed).unwrap();
    stripped.as_object_mut().unwrap().remove("tag");
    std::fs::write(&file, stripped.to_string()).unwrap();
    assert!(service.allowed_assistants().unwrap().is_empty());
    let client = attach(&socket).await;
    let r = call(&client, "get_balances", json!({})).await;
    assert_eq!(data(&r)["error"]["code"], "awaiting_consent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_app_refuses_without_asking() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(
        dir.path(),
        Duration::from_secs(5),
        Duration::from_secs(60),
        true,
    )
    .await;
    service.lock().unwrap();
    let socket = listen(dir.path(), &service).await;
    let client = attach(&socket).await;
    let r = call(&client, "list_accounts", json!({})).await;
    assert_eq!(data(&r)["error"]["code"], "vault_locked", "{}", seen(&r));
    assert!(seen(&r).contains("never takes the vault password"));
    assert!(service.assistant_questions().is_empty());
}

/// An allowed connection and the live account's reference.
async fn allowed(service: &BrokerageService, socket: &Path) -> (Client, serde_json::Value) {
    let client = attach(socket).await;
    answer_consent(service, ConsentAnswer::AllowOnce);
    let accounts = data(&call(&client, "list_accounts", json!({})).await);
    let live = accounts["data"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["mode"] == "live")
        .expect("the live account is listed")["account_ref"]
        .clone();
    (client, live)
}

fn order(live: &serde_json::Value) -> serde_json::Value {
    json!({"account_ref": live, "symbol": "MSFT", "side": "buy", "qty": "1",
           "order_type": "limit", "limit_price": "100"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_order_is_refused_unless_armed_and_placed_only_when_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(
        dir.path(),
        Duration::from_secs(10),
        Duration::from_secs(60),
        true,
    )
    .await;
    let broker = attach_accepting_live(&service, "Standin Broker — live");
    let socket = listen(dir.path(), &service).await;
    let (client, live) = allowed(&service, &socket).await;

    // Not armed: refused, in words to relay, and nothing asked or sent.
    let r = call(&client, "place_live_order", order(&live)).await;
    assert_eq!(data(&r)["error"]["code"], "live_not_armed", "{}", seen(&r));
    assert!(seen(&r).contains("arm live trading in the Brokerdesk app"));
    assert!(service.assistant_questions().is_empty());
    // The paper tool refuses a live account, and says which tool to use.
    let r = call(&client, "place_paper_order", order(&live)).await;
    assert!(seen(&r).contains("place_live_order"), "{}", seen(&r));

    service.vault().arm_live(Duration::from_secs(600)).unwrap();
    // Declined: nothing sent.
    let answered = answer_order(&service, OrderDecision::Decline);
    let r = call(&client, "place_live_order", order(&live)).await;
    assert_eq!(data(&r)["error"]["code"], "declined", "{}", seen(&r));
    assert!(answered.await.unwrap().is_some());
    assert_eq!(orders_sent(&broker), 0);

    // Confirmed: placed through the service, journaled.
    let answered = answer_order(&service, OrderDecision::Confirm);
    let r = call(&client, "place_live_order", order(&live)).await;
    assert!(!is_error(&r), "{}", seen(&r));
    assert!(answered.await.unwrap().unwrap().starts_with("Ok(Some"));
    assert_eq!(data(&r)["data"]["placed"]["order_id"], "live-1");
    assert_eq!(orders_sent(&broker), 1);
    let blotter = service.blotter().await.unwrap();
    assert!(
        blotter
            .iter()
            .any(|e| e.order.id.as_str() == "live-1" && e.mode == TradingMode::Live),
        "journaled: {blotter:?}"
    );
    let audit = service.assistant_audit(Some(100)).await.unwrap();
    for step in [
        "held for the user's confirmation",
        "declined by the user",
        "placed",
    ] {
        assert!(
            audit
                .iter()
                .any(|c| c.tool == "live order confirmation" && c.message.contains(step)),
            "{step}: {audit:?}"
        );
    }
    assert!(
        !serde_json::to_string(&audit)
            .unwrap()
            .contains("LIVE00012345678")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_live_order_waits_then_expires_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(
        dir.path(),
        Duration::from_millis(300),
        Duration::from_millis(1500),
        true,
    )
    .await;
    let broker = attach_accepting_live(&service, "Standin Broker — live");
    let socket = listen(dir.path(), &service).await;
    let client = attach(&socket).await;
    answer_consent(&service, ConsentAnswer::AllowOnce);
    // The consent wait is short here: ask until allowed.
    let mut accounts = data(&call(&client, "list_accounts", json!({})).await);
    for _ in 0..20 {
        if accounts["error"].is_null() {
            break;
        }
        accounts = data(&call(&client, "list_accounts", json!({})).await);
    }
    let live = accounts["data"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["mode"] == "live")
        .unwrap()["account_ref"]
        .clone();
    service.vault().arm_live(Duration::from_secs(600)).unwrap();
    let r = call(&client, "place_live_order", order(&live)).await;
    assert_eq!(
        data(&r)["error"]["code"],
        "awaiting_confirmation",
        "{}",
        seen(&r)
    );
    let questions = service.assistant_questions();
    assert_eq!(questions.len(), 1);
    let id = questions[0].id.clone();
    assert!(seen(&r).contains(&id), "the confirmation id is given");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = call(&client, "check_live_order", json!({"confirmation_id": id})).await;
    assert_eq!(data(&r)["error"]["code"], "expired", "{}", seen(&r));
    // Too late to confirm in the app as well, in words about the question (not an order's
    // broker warnings).
    let late = service
        .answer_assistant_order(&id, OrderDecision::Confirm)
        .await
        .unwrap_err();
    assert!(late.to_string().contains("no longer open"), "{late}");
    assert_eq!(orders_sent(&broker), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_lists_no_live_tools() {
    let dir = tempfile::tempdir().unwrap();
    let client = support::connect(support::service(dir.path()).await).await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(names.contains(&"place_paper_order"));
    assert!(!names.contains(&"place_live_order"), "{names:?}");
}
