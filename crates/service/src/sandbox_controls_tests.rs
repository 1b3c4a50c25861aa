//! Settings › Paper sandbox through the service: a replayed price file in use at once and after
//! a restart, bad choices refused with nothing changed, and a reset that leaves no break behind.

use crate::service_tests::{config, eventually, market_buy, paper_account, trader};
use crate::{BrokerageService, LOCAL_PAPER_CONNECTION};
use brokerdesk_model::sandbox::{ReplayAtEnd, SandboxPrices};
use brokerdesk_model::vault::Role;
use brokerdesk_model::{AccountId, ConnectionId, ErrorCode, IpcError, Symbol};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use std::time::Duration;

/// A trades file whose every row is AAPL at `price`.
fn trades_file(dir: &std::path::Path, price: &str) -> std::path::PathBuf {
    let path = dir.join("aapl.csv");
    let rows: String = (0..5)
        .map(|s| format!("2026-01-02T14:30:0{s}Z,AAPL,{price},100\n"))
        .collect();
    std::fs::write(&path, format!("timestamp,symbol,price,size\n{rows}")).unwrap();
    path
}

/// AAPL's quote midpoint (a replayed trade is quoted one cent either side of it).
async fn last_aapl(service: &BrokerageService) -> Option<Decimal> {
    let paper = ConnectionId::new(LOCAL_PAPER_CONNECTION);
    let quotes = service.quotes(&paper, &[Symbol::new("AAPL")]).await.ok()?;
    let q = quotes.first()?;
    Some((q.bid? + q.ask?) / Decimal::TWO)
}

async fn until_aapl_is(service: &BrokerageService, price: Decimal) {
    for _ in 0..100 {
        if last_aapl(service).await == Some(price) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "AAPL never traded at {price} (last {:?})",
        last_aapl(service).await
    );
}

fn code(err: crate::ServiceError) -> ErrorCode {
    IpcError::from(&err).code
}

#[tokio::test]
async fn a_replay_chosen_in_settings_sets_the_prices_now_and_after_a_restart() {
    let (dir, config) = config();
    let file = trades_file(dir.path(), "123.45");
    let service = BrokerageService::start(config.clone()).await.unwrap();
    trader(&service).await;
    assert_eq!(
        service.sandbox_controls().unwrap().prices,
        SandboxPrices::Simulated
    );
    let replay = SandboxPrices::Replay {
        path: file.display().to_string(),
        at_end: ReplayAtEnd::Loop,
    };
    let controls = service.set_sandbox_prices(replay.clone()).await.unwrap();
    assert_eq!(controls.prices, replay);
    assert_eq!(controls.unavailable, None);
    until_aapl_is(&service, dec!(123.45)).await;
    assert_eq!(service.settings().unwrap().sandbox_prices, replay);

    // The next start replays the same file.
    drop(service);
    let service = BrokerageService::start(config.clone()).await.unwrap();
    service
        .unlock(SecretString::from("correct horse battery"))
        .await
        .unwrap();
    assert_eq!(service.sandbox_controls().unwrap().prices, replay);
    until_aapl_is(&service, dec!(123.45)).await;

    // A saved file that is gone costs the sandbox nothing: simulated, saying why.
    drop(service);
    std::fs::remove_file(&file).unwrap();
    let service = BrokerageService::start(config).await.unwrap();
    service
        .unlock(SecretString::from("correct horse battery"))
        .await
        .unwrap();
    let controls = service.sandbox_controls().unwrap();
    assert_eq!(controls.prices, SandboxPrices::Simulated);
    assert!(
        controls
            .prices_note
            .as_deref()
            .is_some_and(|n| n.contains("aapl.csv")),
        "{controls:?}"
    );
    assert!(
        service.accounts_overview().await.unwrap().accounts[0]
            .balances
            .cash
            > Decimal::ZERO
    );
}

#[tokio::test]
async fn a_bad_price_choice_is_refused_and_changes_nothing() {
    let (dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    let garbage = dir.path().join("garbage.csv");
    std::fs::write(&garbage, "not,a,price,file\n1,2,3,4\n").unwrap();
    for (path, why) in [
        ("relative/prices.csv".to_owned(), "full path"),
        (
            dir.path().join("missing.csv").display().to_string(),
            "missing.csv",
        ),
        (garbage.display().to_string(), "prices not changed"),
    ] {
        let err = service
            .set_sandbox_prices(SandboxPrices::Replay {
                path,
                at_end: ReplayAtEnd::Stop,
            })
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains(why), "{message}");
        assert_eq!(code(err), ErrorCode::InvalidInput);
    }
    assert_eq!(
        service.sandbox_controls().unwrap().prices,
        SandboxPrices::Simulated
    );
    assert_eq!(
        service.settings().unwrap().sandbox_prices,
        SandboxPrices::Simulated
    );
}

/// Buys `qty` AAPL on the paper account and waits until the account shows the position whole;
/// the journal agrees with it (no break).
async fn holds_aapl(service: &BrokerageService, account: &AccountId, qty: Decimal) {
    service
        .place_order(market_buy(LOCAL_PAPER_CONNECTION, account, "AAPL", qty))
        .await
        .unwrap();
    eventually(|| async {
        service.accounts_overview().await.unwrap().accounts[0]
            .positions
            .first()
            .is_some_and(|p| p.qty == qty)
    })
    .await;
    assert!(service.reconcile().await.unwrap().is_empty());
}

/// A started service with a trader signed in whose paper account holds 3 AAPL, no break.
async fn trader_holding_three_aapl() -> (tempfile::TempDir, BrokerageService, AccountId) {
    let (dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    let account = paper_account(&service).await;
    holds_aapl(&service, &account, dec!(3)).await;
    (dir, service, account)
}

/// The open breaks told by the next `Breaks` event (the journal followed a reset); `what` says
/// what did not happen if none comes.
async fn next_breaks(
    events: &mut tokio::sync::broadcast::Receiver<brokerdesk_model::ServiceEvent>,
    what: &str,
) -> usize {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(brokerdesk_model::ServiceEvent::Breaks { open }) = events.recv().await {
                return open;
            }
        }
    })
    .await
    .expect(what)
}

#[tokio::test]
async fn a_reset_needs_a_confirmation_and_the_trader_role_and_leaves_no_break() {
    let (_dir, mut config) = config();
    config.paper_starting_cash = dec!(50000);
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    let account = paper_account(&service).await;
    holds_aapl(&service, &account, dec!(3)).await;

    let err = service.reset_sandbox(false).await.unwrap_err();
    assert!(err.to_string().contains("must be confirmed"), "{err}");
    assert_eq!(
        service.accounts_overview().await.unwrap().accounts[0]
            .positions
            .len(),
        1,
        "an unconfirmed reset changed the account"
    );

    let controls = service.reset_sandbox(true).await.unwrap();
    assert_eq!(controls.starting_cash, dec!(50000));
    let after = &service.accounts_overview().await.unwrap().accounts[0];
    assert!(after.positions.is_empty(), "{:?}", after.positions);
    assert_eq!(after.balances.cash, dec!(50000));
    // The journal still holds the 3 shares' fill: without its reset it would expect them.
    assert!(
        service.reconcile().await.unwrap().is_empty(),
        "the reset left a break"
    );
    // Trading again counts from the reset.
    holds_aapl(&service, &account, dec!(1)).await;
}

/// Another Alpaca client (or `brokerdesk sandbox reset` while the app runs) resets the account
/// through the sandbox's own endpoint, past the service: the journal follows it all the same.
#[tokio::test]
async fn a_reset_sent_straight_to_the_sandbox_leaves_no_break_either() {
    let (_dir, service, account) = trader_holding_three_aapl().await;
    let mut events = service.subscribe();

    let info = service.app_info();
    let creds_dir = std::path::Path::new(info.sandbox_credentials_file.as_deref().unwrap())
        .parent()
        .unwrap()
        .to_owned();
    let creds = brokerdesk_paper::SandboxCredentials::load_or_create(&creds_dir).unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{}/v2/sandbox/reset", info.sandbox_url.unwrap()))
        .header("APCA-API-KEY-ID", creds.key_id())
        .header("APCA-API-SECRET-KEY", creds.secret_key())
        .json(&serde_json::json!({ "confirm": true }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());

    // The fronts hear of it, and by then the journal expects nothing of the old fill.
    assert_eq!(
        next_breaks(&mut events, "no breaks event after the reset").await,
        0
    );
    eventually(|| async {
        service.accounts_overview().await.unwrap().accounts[0]
            .positions
            .is_empty()
    })
    .await;
    assert!(
        service.reconcile().await.unwrap().is_empty(),
        "a reset from another client left a break"
    );
    holds_aapl(&service, &account, dec!(1)).await;
}

/// A reset inside a burst of events larger than the exchange's broadcast buffer: the follower
/// (on this one runtime thread, held up meanwhile) misses the reset's own event and must find
/// the reset from the account's new opening time.
#[tokio::test(flavor = "current_thread")]
async fn a_reset_lost_in_a_burst_of_events_is_followed_all_the_same() {
    use brokerdesk_paper::engine::CommandKind;
    let (_dir, service, account) = trader_holding_three_aapl().await;
    let mut events = service.subscribe();
    let sandbox = service.inner.sandbox_control.sandbox.clone().unwrap();
    let handle = sandbox.sandbox().handle();
    let cash = service.inner.sandbox_control.starting_cash;
    // Cancels of orders that do not exist: one `rejected` event each, cheaply.
    let burst = |from: u128, account: &AccountId| {
        let account = account.clone();
        move |_: &brokerdesk_paper::server::State| -> Vec<CommandKind> {
            (from..from + 17_000)
                .map(|n| CommandKind::Cancel {
                    account: account.clone(),
                    order_id: uuid::Uuid::from_u128(n),
                })
                .collect()
        }
    };
    let (before, after) = (burst(1, &account), burst(100_000, &account));
    let reset_account = account.clone();
    // Blocks this runtime's only thread: the follower cannot run until the burst is over.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            handle.plan(before).await.unwrap();
            handle
                .apply(CommandKind::ResetAccount {
                    account: reset_account,
                    cash,
                })
                .await
                .unwrap();
            handle.plan(after).await.unwrap();
        });
    })
    .join()
    .unwrap();

    assert_eq!(
        next_breaks(&mut events, "the missed reset was not followed").await,
        0
    );
    assert!(
        service.reconcile().await.unwrap().is_empty(),
        "a reset lost in a burst left a break"
    );
    holds_aapl(&service, &account, dec!(1)).await;
}

#[tokio::test]
async fn a_viewer_may_look_but_not_reset_or_change_prices() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    service
        .vault()
        .create(SecretString::from("correct horse battery"), Role::Viewer)
        .await
        .unwrap();
    assert!(service.sandbox_controls().is_ok());
    let err = service.reset_sandbox(true).await.unwrap_err();
    assert_eq!(code(err), ErrorCode::Forbidden);
    let err = service
        .set_sandbox_prices(SandboxPrices::Simulated)
        .await
        .unwrap_err();
    assert_eq!(code(err), ErrorCode::Forbidden);
}

#[tokio::test]
async fn before_any_vault_the_sandbox_is_controlled_as_it_is_traded() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let account = paper_account(&service).await;
    service
        .place_order(market_buy(
            LOCAL_PAPER_CONNECTION,
            &account,
            "MSFT",
            dec!(1),
        ))
        .await
        .unwrap();
    service.reset_sandbox(true).await.unwrap();
    let controls = service
        .set_sandbox_prices(SandboxPrices::Simulated)
        .await
        .unwrap();
    assert_eq!(controls.prices, SandboxPrices::Simulated);
}
