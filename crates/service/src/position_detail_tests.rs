//! The position page's data through the service: a sandbox fill marked with its cost basis,
//! and a connection without price history saying so.

use crate::connection::ConnectionParts;
use crate::service_tests::{config, market_buy, paper_account};
use crate::{BrokerageService, LOCAL_PAPER_CONNECTION};
use async_trait::async_trait;
use brokerdesk_connectors::{ConnectorError, MarketData, Portfolio};
use brokerdesk_model::order::OrderStatus;
use brokerdesk_model::position_detail::{ChartRange, Figure, PriceHistory};
use brokerdesk_model::{
    AccountId, Balances, ConnectionId, OrderSide, Position, PositionSide, Quote, Symbol,
    TradingMode, VendorId,
};
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_buy_shows_its_fill_cost_basis_and_price_history() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let account = paper_account(&service).await;
    service
        .place_order(market_buy(
            LOCAL_PAPER_CONNECTION,
            &account,
            "AAPL",
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

    let detail = service
        .position_detail(
            &ConnectionId::new(LOCAL_PAPER_CONNECTION),
            &account,
            // Typed in lower case: the same symbol.
            &Symbol::new("aapl"),
            ChartRange::Month,
        )
        .await
        .unwrap();
    assert_eq!(detail.symbol.as_str(), "AAPL");
    assert_eq!(detail.mode, TradingMode::Paper);
    assert_eq!(detail.currency, "USD");
    let position = detail.position.clone().expect("the account holds AAPL now");
    assert_eq!(position.qty, dec!(1));

    // The fill, from the journal, at the price the position's cost basis was built from.
    assert_eq!(detail.fills.len(), 1, "{:?}", detail.fills);
    let fill = &detail.fills[0];
    assert_eq!(fill.side, OrderSide::Buy);
    assert_eq!(fill.qty, dec!(1));
    assert_eq!(fill.price, position.avg_entry_price);
    assert_eq!(detail.cost_basis, Figure::Known(fill.price));
    assert_eq!(detail.total_pl, Figure::Known(position.unrealized_pl));

    // The sandbox's own bars, oldest first, ending no later than now.
    let PriceHistory::Bars { bars, .. } = &detail.history else {
        panic!("the sandbox has price history: {:?}", detail.history);
    };
    assert!(bars.len() >= 15, "a month of daily bars: {}", bars.len());
    assert!(bars.windows(2).all(|w| w[0].time < w[1].time));
    // The fill falls within the chart's time axis (at or after its first bar).
    assert!(fill.time >= bars[0].time);
    // The day's P&L comes from the previous close in the same bars: known here.
    assert!(
        matches!(detail.day_pl, Figure::Known(_)),
        "{:?}",
        detail.day_pl
    );

    // The order placed on it, and none of another symbol.
    assert_eq!(detail.orders.len(), 1);
    assert_eq!(detail.orders[0].order.symbol.as_str(), "AAPL");

    // A symbol not held: no position, and its figures are unknown rather than zero.
    let other = service
        .position_detail(
            &ConnectionId::new(LOCAL_PAPER_CONNECTION),
            &account,
            &Symbol::new("MSFT"),
            ChartRange::Week,
        )
        .await
        .unwrap();
    assert!(other.position.is_none());
    assert!(other.fills.is_empty() && other.orders.is_empty());
    assert_eq!(other.cost_basis, Figure::Unknown);
    assert_eq!(other.day_pl, Figure::Unknown);
}

/// One account holding one position, and quotes without history (the trait's default).
struct NoHistory;

#[async_trait]
impl Portfolio for NoHistory {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(vec![AccountId::new("X-1")])
    }
    async fn balances(&self, _: &AccountId) -> Result<Balances, ConnectorError> {
        Ok(Balances {
            currency: "EUR".into(),
            cash: dec!(10),
            buying_power: dec!(10),
            equity: dec!(20),
        })
    }
    async fn positions(&self, _: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Ok(vec![Position {
            symbol: Symbol::new("SAP"),
            side: PositionSide::Long,
            qty: dec!(1),
            avg_entry_price: dec!(9),
            cost_basis: dec!(9),
            current_price: dec!(10),
            market_value: dec!(10),
            unrealized_pl: dec!(1),
            asset_class: brokerdesk_model::AssetClass::Equity,
        }])
    }
}

#[async_trait]
impl MarketData for NoHistory {
    async fn latest_quotes(&self, _: &[Symbol]) -> Result<Vec<Quote>, ConnectorError> {
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn a_connection_without_price_history_says_so_and_keeps_its_figures() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let broker = Arc::new(NoHistory);
    service.attach(ConnectionParts {
        id: ConnectionId::new("no-history"),
        vendor: VendorId::new("nohistory"),
        display_name: "Example Bank".into(),
        mode: TradingMode::Live,
        portfolio: broker.clone(),
        trading: None,
        market: Some(broker),
        streams: None,
        latency: None,
        keep: Vec::new(),
    });
    let detail = service
        .position_detail(
            &ConnectionId::new("no-history"),
            &AccountId::new("X-1"),
            &Symbol::new("SAP"),
            ChartRange::Year,
        )
        .await
        .unwrap();
    assert_eq!(
        detail.history,
        PriceHistory::NotOffered {
            institution: "Example Bank".into()
        }
    );
    assert_eq!(detail.currency, "EUR");
    assert_eq!(detail.cost_basis, Figure::Known(dec!(9)));
    assert_eq!(detail.total_pl, Figure::Known(dec!(1)));
    // No bars, so no previous close: the day's P&L is unknown, not zero.
    assert_eq!(detail.day_pl, Figure::Unknown);

    let missing = service
        .position_detail(
            &ConnectionId::new("no-history"),
            &AccountId::new("NOT-THERE"),
            &Symbol::new("SAP"),
            ChartRange::Year,
        )
        .await
        .unwrap_err();
    assert_eq!(missing.code(), brokerdesk_model::ErrorCode::NotFound);
}
