//! Activity through the service: a sandbox fill read back by the real Alpaca connector, a
//! failing connection beside working ones, and the CSV export.

use crate::connection::{Connection, ConnectionParts};
use crate::service_tests::{config, market_buy, paper_account};
use crate::{BrokerageService, LOCAL_PAPER_CONNECTION};
use async_trait::async_trait;
use brokerdesk_connectors::types::{ActivityPage, TransactionQuery};
use brokerdesk_connectors::{AccountActivity, ConnectorError, Portfolio};
use brokerdesk_model::order::OrderStatus;
use brokerdesk_model::{
    AccountId, ActivityEntry, ActivityFilter, ActivityKind, ActivityStatus, Balances, ConnectionId,
    Position, TradingMode, VendorId,
};
use chrono::TimeZone;
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_fill_becomes_an_activity_row_through_the_alpaca_connector() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let account = paper_account(&service).await;
    service
        .place_order(market_buy(
            LOCAL_PAPER_CONNECTION,
            &account,
            "AAPL",
            // One share: the sandbox fills 2+ shares in parts now and then (one line each).
            dec!(1),
        ))
        .await
        .unwrap();
    let mut filled = false;
    for _ in 0..100 {
        if service.blotter().await.unwrap()[0].order.status == OrderStatus::Filled {
            filled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(filled, "the sandbox fills a market order");
    let errors = service.sync_activity().await.unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let list = service
        .activity(ActivityFilter::default(), None, None)
        .await
        .unwrap();
    assert_eq!(list.total, 1, "{list:?}");
    let row = &list.rows[0];
    assert_eq!(row.connection.as_str(), LOCAL_PAPER_CONNECTION);
    assert_eq!(row.mode, TradingMode::Paper);
    assert_eq!(row.entry.kind, ActivityKind::Fill);
    assert_eq!(row.entry.account_id, account);
    let price = row.entry.price.expect("a fill has its price");
    assert_eq!(row.entry.quantity, Some(dec!(1)));
    assert_eq!(row.entry.amount, -price, "a buy takes cash out");
    // Syncing again stores nothing twice.
    service.sync_activity().await.unwrap();
    let again = service
        .activity(ActivityFilter::default(), None, None)
        .await
        .unwrap();
    assert_eq!(again.total, 1);
}

/// Accounts for a fake connection.
struct Accounts(Vec<AccountId>);

#[async_trait]
impl Portfolio for Accounts {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(self.0.clone())
    }
    async fn balances(&self, a: &AccountId) -> Result<Balances, ConnectorError> {
        Err(ConnectorError::UnknownAccount(a.clone()))
    }
    async fn positions(&self, a: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Err(ConnectorError::UnknownAccount(a.clone()))
    }
}

/// Activity that always fails, or one fixed page per account.
enum Source {
    Down,
    Entries(Vec<ActivityEntry>),
}

#[async_trait]
impl AccountActivity for Source {
    async fn activity(
        &self,
        account: &AccountId,
        _: &TransactionQuery,
    ) -> Result<ActivityPage, ConnectorError> {
        match self {
            Source::Down => Err(ConnectorError::Unavailable("the vendor is down".into())),
            Source::Entries(all) => Ok(ActivityPage {
                entries: all
                    .iter()
                    .filter(|e| &e.account_id == account)
                    .cloned()
                    .collect(),
                next_cursor: None,
            }),
        }
    }
}

fn fake(id: &str, name: &str, accounts: &[&str], source: Source) -> Connection {
    Connection::new(ConnectionParts {
        id: ConnectionId::new(id),
        vendor: VendorId::new("fake"),
        display_name: name.into(),
        mode: TradingMode::Live,
        portfolio: Arc::new(Accounts(
            accounts.iter().map(|a| AccountId::new(*a)).collect(),
        )),
        trading: None,
        market: None,
        streams: None,
        latency: None,
        keep: Vec::new(),
    })
    .with_activity(Some(Arc::new(source)))
}

fn payment(id: &str, account: &str, secs: i64, text: &str) -> ActivityEntry {
    ActivityEntry {
        id: id.into(),
        account_id: AccountId::new(account),
        time: chrono::Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
        kind: ActivityKind::Payment,
        amount: dec!(-1234.50),
        currency: "EUR".into(),
        fee: Some(dec!(0.35)),
        status: ActivityStatus::Completed,
        counterparty: Some(text.into()),
        description: Some(text.into()),
        symbol: None,
        quantity: None,
        price: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_connection_does_not_hide_the_others_activity() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    service.attach_connection(fake("down", "Down Bank", &["X"], Source::Down));
    service.attach_connection(fake(
        "pay",
        "Payments",
        &["P1", "P2"],
        Source::Entries(vec![
            payment("t1", "P1", 1, "Ada"),
            payment("t2", "P2", 2, "Bob"),
        ]),
    ));
    let mut events = service.subscribe();
    let errors = service.sync_activity().await.unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].connection.as_str(), "down");
    assert_eq!(errors[0].connection_name, "Down Bank");
    assert!(errors[0].message.contains("the vendor is down"));
    let list = service
        .activity(
            ActivityFilter {
                connections: vec![ConnectionId::new("pay")],
                ..Default::default()
            },
            None,
            None,
        )
        .await
        .unwrap();
    let ids: Vec<_> = list.rows.iter().map(|r| r.entry.id.as_str()).collect();
    assert_eq!(ids, ["t2", "t1"]);
    assert_eq!(list.sync_errors, errors, "the page shows the failure too");
    assert_eq!(list.rows[0].connection_name, "Payments");
    let mut announced = false;
    while let Ok(event) = events.try_recv() {
        announced |= event == brokerdesk_model::ServiceEvent::ActivityChanged;
    }
    assert!(announced, "new rows are announced");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_export_quotes_and_guards_text_but_not_numbers() {
    let (dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    service.attach_connection(fake(
        "pay",
        "=Payments",
        &["P1"],
        Source::Entries(vec![
            payment("t1", "P1", 1, "=HYPERLINK(\"http://x\",\"a, b\")"),
            payment("t2", "P1", 2, "plain \"quoted\"\nline two"),
            payment("t3", "P1", 3, "@SUM(A1)"),
            payment("t4", "P1", 4, "-2+3"),
        ]),
    ));
    service.sync_activity().await.unwrap();
    let target = dir.path().join("out.csv");
    let (path, written) = service
        .export_activity_csv(ActivityFilter::default(), Some(target.clone()))
        .await
        .unwrap();
    assert_eq!((path.as_path(), written), (target.as_path(), 4));
    let text = std::fs::read_to_string(&target).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, crate::activity_csv::HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let descriptions: Vec<&str> = rows.iter().map(|r| &r[col("description")]).collect();
    assert_eq!(
        descriptions,
        [
            "'-2+3",
            "'@SUM(A1)",
            "plain \"quoted\"\nline two",
            "'=HYPERLINK(\"http://x\",\"a, b\")"
        ]
    );
    assert_eq!(&rows[0][col("connection")], "'=Payments");
    assert_eq!(&rows[0][col("amount")], "-1234.50", "numbers stay numbers");
    assert_eq!(&rows[0][col("currency")], "EUR");
    assert_eq!(&rows[0][col("fee")], "0.35");
    assert_eq!(&rows[0][col("kind")], "payment");
    // RFC 4180: the embedded quotes are doubled inside a quoted field.
    assert!(
        text.contains("\"plain \"\"quoted\"\"\nline two\""),
        "{text}"
    );

    // Without a path it goes to the data folder's exports folder.
    let (default_path, _) = service
        .export_activity_csv(ActivityFilter::default(), None)
        .await
        .unwrap();
    assert!(default_path.starts_with(dir.path().join("data").join("exports")));
    assert!(default_path.is_file());
    // Paths that are relative, climb with `..` or lead nowhere are refused, nothing written.
    for bad in [
        std::path::PathBuf::from("relative.csv"),
        dir.path().join("data").join("..").join("x.csv"),
        dir.path().join("missing").join("x.csv"),
    ] {
        let err = service
            .export_activity_csv(ActivityFilter::default(), Some(bad.clone()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, crate::ServiceError::InvalidInput(_)),
            "{bad:?}: {err}"
        );
        assert!(!bad.exists());
    }
}
