//! The Activity page's queries over 100 000 stored movements across 10 accounts, through the
//! public service API (authorization, the blocking pool, SQLite, decoding): the first page
//! unfiltered, filtered by account and kind, a text search, a deep page by cursor, the total
//! count each time; and a CSV export of all 100 000 rows.
//!
//! The rows come in through a sync, as in the app: one attached connection whose activity
//! capability hands each account's 10 000 movements over in one page.

use async_trait::async_trait;
use brokerdesk_connectors::types::{ActivityPage, TransactionQuery};
use brokerdesk_connectors::{AccountActivity, ConnectorError, Portfolio};
use brokerdesk_model::{
    AccountId, ActivityCursor, ActivityEntry, ActivityFilter, ActivityKind, ActivityStatus,
    Balances, ConnectionId, Position, Symbol, TradingMode, VendorId,
};
use brokerdesk_service::{BrokerageService, ConnectionParts, ServiceConfig};
use chrono::TimeZone;
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use std::sync::Arc;

const ACCOUNTS: usize = 10;
const PER_ACCOUNT: usize = 10_000;

struct Accounts;

#[async_trait]
impl Portfolio for Accounts {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok((0..ACCOUNTS)
            .map(|i| AccountId::new(format!("ACC{i}")))
            .collect())
    }
    async fn balances(&self, a: &AccountId) -> Result<Balances, ConnectorError> {
        Err(ConnectorError::UnknownAccount(a.clone()))
    }
    async fn positions(&self, a: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Err(ConnectorError::UnknownAccount(a.clone()))
    }
}

/// 10 000 movements per account, one every 30 s, kinds and symbols in rotation; every
/// hundredth names the counterparty "Ada Lovelace".
struct Generated;

#[async_trait]
impl AccountActivity for Generated {
    async fn activity(
        &self,
        account: &AccountId,
        _: &TransactionQuery,
    ) -> Result<ActivityPage, ConnectorError> {
        let symbols = ["AAPL", "MSFT", "SPY", "TSLA", "NVDA"];
        let entries = (0..PER_ACCOUNT)
            .map(|i| {
                let n = i64::try_from(i).expect("small");
                ActivityEntry {
                    id: format!("{account}-{i}"),
                    account_id: account.clone(),
                    time: chrono::Utc
                        .timestamp_opt(1_700_000_000 + n * 30, 0)
                        .single()
                        .expect("a time"),
                    kind: ActivityKind::ALL[i % ActivityKind::ALL.len()],
                    amount: Decimal::new(-(n % 100_000) - 1, 2),
                    currency: if i % 3 == 0 { "EUR" } else { "USD" }.into(),
                    fee: None,
                    status: ActivityStatus::Completed,
                    counterparty: (i % 100 == 0).then(|| "Ada Lovelace".to_owned()),
                    description: Some(format!("movement {i} of {account}")),
                    symbol: Some(Symbol::new(symbols[i % symbols.len()])),
                    quantity: None,
                    price: None,
                }
            })
            .collect();
        Ok(ActivityPage {
            entries,
            next_cursor: None,
        })
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temp dir");
    let service = runtime.block_on(async {
        let service = BrokerageService::start(ServiceConfig::new(dir.path().join("data")))
            .await
            .expect("service");
        service.attach_with_activity(
            ConnectionParts {
                id: ConnectionId::new("generated"),
                vendor: VendorId::new("generated"),
                display_name: "Generated".into(),
                mode: TradingMode::Live,
                portfolio: Arc::new(Accounts),
                trading: None,
                market: None,
                streams: None,
                latency: None,
                keep: Vec::new(),
            },
            Arc::new(Generated),
        );
        let started = std::time::Instant::now();
        let errors = service.sync_activity().await.expect("sync");
        assert!(errors.is_empty(), "{errors:?}");
        eprintln!("sync of 100 000 movements: {:?}", started.elapsed());
        service
    });
    let list = |filter: ActivityFilter, cursor: Option<ActivityCursor>| {
        let service = service.clone();
        async move {
            service
                .activity(filter, cursor, Some(50))
                .await
                .expect("a page")
        }
    };
    let total = runtime
        .block_on(list(ActivityFilter::default(), None))
        .total;
    assert_eq!(total, 100_000);
    // A cursor 90 000 rows deep, found by paging once.
    let deep = runtime.block_on(async {
        let mut cursor = None;
        let mut seen = 0;
        while seen < 90_000 {
            let page = service
                .activity(ActivityFilter::default(), cursor, Some(1000))
                .await
                .expect("a page");
            seen += page.rows.len();
            cursor = page.next;
        }
        cursor.expect("more after 90 000")
    });
    let by_account_kind = ActivityFilter {
        accounts: vec![AccountId::new("ACC3")],
        kinds: vec![ActivityKind::Dividend],
        ..ActivityFilter::default()
    };
    let search = ActivityFilter {
        search: Some("lovelace".into()),
        ..ActivityFilter::default()
    };
    let mut group = c.benchmark_group("activity_query_100k");
    group.bench_function("first_page_unfiltered", |b| {
        b.to_async(&runtime)
            .iter(|| list(ActivityFilter::default(), None))
    });
    group.bench_function("first_page_account_and_kind", |b| {
        b.to_async(&runtime)
            .iter(|| list(by_account_kind.clone(), None))
    });
    group.bench_function("text_search", |b| {
        b.to_async(&runtime).iter(|| list(search.clone(), None))
    });
    group.bench_function("deep_page_by_cursor", |b| {
        b.to_async(&runtime)
            .iter(|| list(ActivityFilter::default(), Some(deep)))
    });
    group.sample_size(10);
    let out = dir.path().join("export.csv");
    group.bench_function("csv_export_100k", |b| {
        b.to_async(&runtime).iter(|| {
            let service = service.clone();
            let out = out.clone();
            async move {
                let (_, rows) = service
                    .export_activity_csv(ActivityFilter::default(), Some(out))
                    .await
                    .expect("export");
                assert_eq!(rows, 100_000);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
