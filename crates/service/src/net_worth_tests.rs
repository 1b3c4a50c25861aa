//! Net worth through the service: a refresh stores the accounts' equity, the back-fill reads a
//! vendor's history once, the live total never holds paper money, currencies never mix.

use crate::connection::{Connection, ConnectionParts};
use crate::service_tests::config;
use crate::{BrokerageService, LOCAL_PAPER_CONNECTION};
use async_trait::async_trait;
use brokerdesk_connectors::{ConnectorError, EquityHistory, Portfolio};
use brokerdesk_model::net_worth::{EquityPoint, HistoryRange, NetWorthQuery};
use brokerdesk_model::{AccountId, Balances, ConnectionId, Position, TradingMode, VendorId};
use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A live broker with one account in a given currency and equity.
struct Broker {
    currency: &'static str,
    equity: Decimal,
}

#[async_trait]
impl Portfolio for Broker {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(vec![AccountId::new(format!("ACC-{}", self.currency))])
    }
    async fn balances(&self, _: &AccountId) -> Result<Balances, ConnectorError> {
        Ok(Balances {
            currency: self.currency.into(),
            cash: self.equity,
            buying_power: self.equity,
            equity: self.equity,
        })
    }
    async fn positions(&self, _: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Ok(Vec::new())
    }
}

/// A vendor's daily history: three days ending yesterday; counts the requests.
struct History {
    asked: AtomicUsize,
}

#[async_trait]
impl EquityHistory for History {
    async fn equity_history(
        &self,
        _: &AccountId,
        _since: DateTime<Utc>,
    ) -> Result<Vec<EquityPoint>, ConnectorError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let today = Utc::now()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        Ok((1..=3)
            .rev()
            .map(|d| EquityPoint {
                time: today - TimeDelta::days(d),
                equity: Decimal::from(900 + d),
            })
            .collect())
    }
}

fn broker(
    id: &str,
    currency: &'static str,
    equity: Decimal,
    history: Option<Arc<dyn EquityHistory>>,
) -> Connection {
    Connection::new(ConnectionParts {
        id: ConnectionId::new(id),
        vendor: VendorId::new("test"),
        display_name: id.to_uppercase(),
        mode: TradingMode::Live,
        portfolio: Arc::new(Broker { currency, equity }),
        trading: None,
        market: None,
        streams: None,
        latency: None,
        keep: Vec::new(),
    })
    .with_equity_history(history)
}

fn query(range: HistoryRange, include_paper: bool) -> NetWorthQuery {
    NetWorthQuery {
        range,
        account: None,
        include_paper,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paper_stays_out_of_the_live_total_and_currencies_are_totalled_apart() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    service.attach_connection(broker("usd", "USD", dec!(1000.50), None));
    service.attach_connection(broker("usd2", "USD", dec!(24.25), None));
    service.attach_connection(broker("eur", "EUR", dec!(300), None));
    service.refresh().await;

    let live = service
        .net_worth_history(query(HistoryRange::Day, false))
        .await
        .unwrap();
    assert_eq!(live.accounts.len(), 3, "the paper account is not asked for");
    assert!(live.accounts.iter().all(|a| a.mode == TradingMode::Live));
    assert_eq!(
        live.live_totals.keys().collect::<Vec<_>>(),
        vec!["EUR", "USD"],
        "one total per currency"
    );
    assert_eq!(
        live.live_totals["USD"].last().unwrap().equity,
        dec!(1024.75)
    );
    assert_eq!(live.live_totals["EUR"].last().unwrap().equity, dec!(300));
    assert!(live.paper_totals.is_empty());

    let both = service
        .net_worth_history(query(HistoryRange::Day, true))
        .await
        .unwrap();
    let paper = both
        .accounts
        .iter()
        .find(|a| a.key.connection.as_str() == LOCAL_PAPER_CONNECTION)
        .expect("the paper account, asked for");
    assert_eq!(paper.mode, TradingMode::Paper);
    assert_eq!(
        both.live_totals, live.live_totals,
        "showing paper changes nothing in the live total"
    );
    let paper_usd = both.paper_totals["USD"].last().unwrap().equity;
    assert_eq!(paper_usd, paper.points.last().unwrap().equity);
    assert!(paper_usd > dec!(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendors_history_is_backfilled_once_and_a_restart_reads_it_again() {
    let (dir, config) = config();
    let history = Arc::new(History {
        asked: AtomicUsize::new(0),
    });
    {
        let service = BrokerageService::start(config.clone()).await.unwrap();
        service.attach_connection(broker(
            "usd",
            "USD",
            dec!(1000),
            Some(history.clone() as Arc<dyn EquityHistory>),
        ));
        let overview = service.refresh().await;
        // The refresh started one in the background; this one waits for its own.
        service.backfill_net_worth(&overview.accounts).await;
        service.backfill_net_worth(&overview.accounts).await;
        let asked = history.asked.load(Ordering::SeqCst);
        assert_eq!(asked, 1, "read once per account");
        let h = service
            .net_worth_history(query(HistoryRange::Week, false))
            .await
            .unwrap();
        let usd = &h.accounts[0];
        assert!(usd.backfilled);
        assert_eq!(
            usd.points.iter().map(|p| p.equity).collect::<Vec<_>>(),
            vec![dec!(903), dec!(902), dec!(901), dec!(1000)]
        );
    }
    let service = BrokerageService::start(config).await.unwrap();
    let h = service
        .net_worth_history(query(HistoryRange::All, false))
        .await
        .unwrap();
    assert_eq!(
        h.accounts.len(),
        1,
        "the attached broker's history survives"
    );
    assert_eq!(h.accounts[0].points.len(), 4);
    assert_eq!(h.live_totals["USD"].last().unwrap().equity, dec!(1000));
    drop(dir);
}
