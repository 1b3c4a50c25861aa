//! The vault as the service's gate: the rules of `vault_access`, end to end.

use crate::{BrokerageService, ServiceConfig};
use brokerdesk_model::ErrorCode;
use brokerdesk_model::vault::Role;
use brokerdesk_vault::Action;
use secrecy::SecretString;

async fn service() -> (tempfile::TempDir, BrokerageService) {
    let dir = tempfile::tempdir().unwrap();
    let service = BrokerageService::start(ServiceConfig::new(dir.path().to_path_buf()))
        .await
        .unwrap();
    (dir, service)
}

fn pw(p: &str) -> SecretString {
    SecretString::from(p.to_owned())
}

#[tokio::test]
async fn without_a_vault_the_paper_account_is_readable_but_nothing_can_trade() {
    let (_dir, service) = service().await;
    assert!(!service.vault().state().unwrap().initialized);
    assert!(service.accounts_overview().await.is_ok());
    let err = service
        .vault()
        .authorize(Action::PlacePaperOrder)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::VaultLocked);
}

#[tokio::test]
async fn a_locked_vault_gates_reads_and_the_right_password_opens_it() {
    let (_dir, service) = service().await;
    let state = service
        .vault()
        .create(pw("correct horse battery"), Role::Trader)
        .await
        .unwrap();
    assert!(state.initialized && state.unlocked);
    assert_eq!(state.role, Some(Role::Trader));
    assert!(service.accounts_overview().await.is_ok());

    service.vault().lock().unwrap();
    let err = service.accounts_overview().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::VaultLocked);

    let wrong = service
        .vault()
        .unlock(pw("correct horse battery!"))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::InvalidInput);
    assert!(wrong.to_string().contains("wrong password"));
    assert!(service.accounts_overview().await.is_err(), "still locked");

    service
        .vault()
        .unlock(pw("correct horse battery"))
        .await
        .unwrap();
    assert!(service.accounts_overview().await.is_ok());
    assert!(service.vault().authorize(Action::PlacePaperOrder).is_ok());
    let live = service
        .vault()
        .authorize(Action::PlaceLiveOrder)
        .unwrap_err();
    assert_eq!(
        live.code(),
        ErrorCode::Forbidden,
        "live trading needs arming: {live}"
    );
}

#[tokio::test]
async fn a_viewer_may_read_but_not_trade() {
    let (_dir, service) = service().await;
    service
        .vault()
        .create(pw("correct horse battery"), Role::Viewer)
        .await
        .unwrap();
    assert!(service.accounts_overview().await.is_ok());
    let err = service
        .vault()
        .authorize(Action::PlacePaperOrder)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert!(err.to_string().contains("viewer"), "{err}");
}

#[tokio::test]
async fn removing_a_credential_needs_a_valid_id() {
    let (_dir, service) = service().await;
    service
        .vault()
        .create(pw("correct horse battery"), Role::Trader)
        .await
        .unwrap();
    assert!(service.vault().credentials().unwrap().is_empty());
    let err = service.vault().remove_credential("not-a-uuid").unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let err = service
        .vault()
        .remove_credential("6f1e2d3c-0000-4000-8000-000000000000")
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn live_orders_need_an_explicit_time_limited_arm() {
    let (_dir, service) = service().await;
    service
        .vault()
        .create(pw("correct horse battery"), Role::Trader)
        .await
        .unwrap();
    assert_eq!(
        service
            .vault()
            .authorize(Action::PlaceLiveOrder)
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    let too_long = service
        .vault()
        .arm_live(std::time::Duration::from_secs(24 * 3600));
    assert_eq!(too_long.unwrap_err().code(), ErrorCode::Forbidden);

    let state = service
        .vault()
        .arm_live(std::time::Duration::from_secs(600))
        .unwrap();
    assert!(state.live_armed_until.is_some());
    assert!(service.vault().authorize(Action::PlaceLiveOrder).is_ok());

    service.vault().disarm_live().unwrap();
    assert!(service.vault().authorize(Action::PlaceLiveOrder).is_err());

    // Locking ends the arming: it never outlives the session.
    service
        .vault()
        .arm_live(std::time::Duration::from_secs(600))
        .unwrap();
    service.vault().lock().unwrap();
    service
        .vault()
        .unlock(pw("correct horse battery"))
        .await
        .unwrap();
    assert!(service.vault().authorize(Action::PlaceLiveOrder).is_err());
}

#[tokio::test]
async fn reading_accounts_counts_as_activity_and_idleness_locks() {
    let dir = tempfile::tempdir().unwrap();
    let service = BrokerageService::start(ServiceConfig::new(dir.path().to_path_buf()))
        .await
        .unwrap();
    // A clock the test moves: idleness is decided by time, not by how busy the machine is.
    let clock = brokerdesk_vault::ManualClock::new(chrono::Utc::now());
    service
        .vault()
        .swap_store(Box::new(brokerdesk_vault::StrongholdVault::new(
            dir.path(),
            brokerdesk_vault::VaultOptions {
                idle_timeout: Some(std::time::Duration::from_secs(2)),
                clock: std::sync::Arc::new(clock.clone()),
                ..brokerdesk_vault::VaultOptions::default()
            },
        )));
    service
        .vault()
        .create(pw("correct horse battery"), Role::Trader)
        .await
        .unwrap();

    clock.advance(std::time::Duration::from_millis(1300));
    service.accounts_overview().await.unwrap();
    clock.advance(std::time::Duration::from_millis(1300));
    // 2.6 s since sign-in, 1.3 s since the last read: still open.
    assert!(service.accounts_overview().await.is_ok());

    clock.advance(std::time::Duration::from_millis(2300));
    assert!(
        service.vault().enforce_auto_lock().unwrap(),
        "idle past the timeout locks"
    );
    assert_eq!(
        service.accounts_overview().await.unwrap_err().code(),
        ErrorCode::VaultLocked
    );
}

#[tokio::test]
async fn the_supervisor_says_when_the_idle_timer_locked_the_vault_and_not_when_the_user_did() {
    let dir = tempfile::tempdir().unwrap();
    let service = BrokerageService::start(ServiceConfig::new(dir.path().to_path_buf()))
        .await
        .unwrap();
    let clock = brokerdesk_vault::ManualClock::new(chrono::Utc::now());
    service
        .vault()
        .swap_store(Box::new(brokerdesk_vault::StrongholdVault::new(
            dir.path(),
            brokerdesk_vault::VaultOptions {
                idle_timeout: Some(std::time::Duration::from_secs(60)),
                clock: std::sync::Arc::new(clock.clone()),
                ..brokerdesk_vault::VaultOptions::default()
            },
        )));
    service
        .vault()
        .create(pw("correct horse battery"), Role::Trader)
        .await
        .unwrap();
    let mut events = service.subscribe();
    let supervisor = tokio::spawn(service.clone().supervise());
    // Waits up to `within` for the supervisor's auto-lock event.
    async fn auto_locked(
        events: &mut tokio::sync::broadcast::Receiver<brokerdesk_model::ServiceEvent>,
        within: std::time::Duration,
    ) -> bool {
        tokio::time::timeout(within, async {
            loop {
                match events.recv().await {
                    Ok(brokerdesk_model::ServiceEvent::VaultAutoLocked) => return true,
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return false,
                }
            }
        })
        .await
        .unwrap_or(false)
    }
    // The session opens on the supervisor's next tick; then the user locks: no such event.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    service.lock().unwrap();
    assert!(!auto_locked(&mut events, std::time::Duration::from_millis(2500)).await);

    service.unlock(pw("correct horse battery")).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    // Idle past the timeout: whichever read notices, the supervisor tells it once.
    clock.advance(std::time::Duration::from_secs(61));
    assert!(!service.vault().state().unwrap().unlocked);
    assert!(auto_locked(&mut events, std::time::Duration::from_secs(5)).await);
    assert!(!auto_locked(&mut events, std::time::Duration::from_millis(1500)).await);
    supervisor.abort();
}
