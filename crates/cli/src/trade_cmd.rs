//! Quotes, orders, the blotter, reconciliation and connection status: the app's Orders and
//! Accounts pages, headless.

use crate::render;
use brokerdesk_model::order::{OrderQuantity, OrderSide, OrderType, TimeInForce};
use brokerdesk_model::{AccountId, ConnectionId, OrderTicket, Symbol};
use brokerdesk_service::{BrokerageService, LOCAL_PAPER_CONNECTION};
use clap::{Args, ValueEnum};
use rust_decimal::Decimal;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Side {
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Tif {
    Day,
    Gtc,
    Ioc,
    Fok,
    Opg,
    Cls,
}

#[derive(Args, Debug)]
pub struct OrderArgs {
    pub side: Side,
    pub symbol: String,
    /// Shares (fractions allowed); with --notional, a dollar amount.
    pub quantity: Decimal,
    /// Buy or sell this many dollars' worth (market orders only).
    #[arg(long)]
    pub notional: bool,
    /// Limit price: makes it a limit order (a stop-limit with --stop).
    #[arg(long)]
    pub limit: Option<Decimal>,
    /// Stop price: makes it a stop order (a stop-limit with --limit).
    #[arg(long)]
    pub stop: Option<Decimal>,
    #[arg(long, value_enum, default_value = "day")]
    pub tif: Tif,
    /// The connection to trade on (see `brokerdesk status`).
    #[arg(long, default_value = LOCAL_PAPER_CONNECTION)]
    pub connection: String,
    /// The account; defaults to the connection's only account.
    #[arg(long)]
    pub account: Option<String>,
}

impl OrderArgs {
    fn ticket(&self, account: AccountId) -> OrderTicket {
        let order_type = match (self.limit, self.stop) {
            (None, None) => OrderType::Market,
            (Some(_), None) => OrderType::Limit,
            (None, Some(_)) => OrderType::Stop,
            (Some(_), Some(_)) => OrderType::StopLimit,
        };
        OrderTicket {
            connection: ConnectionId::new(self.connection.clone()),
            account,
            symbol: Symbol::new(self.symbol.clone()),
            side: match self.side {
                Side::Buy => OrderSide::Buy,
                Side::Sell => OrderSide::Sell,
            },
            quantity: if self.notional {
                OrderQuantity::Notional(self.quantity)
            } else {
                OrderQuantity::Qty(self.quantity)
            },
            order_type,
            time_in_force: match self.tif {
                Tif::Day => TimeInForce::Day,
                Tif::Gtc => TimeInForce::Gtc,
                Tif::Ioc => TimeInForce::Ioc,
                Tif::Fok => TimeInForce::Fok,
                Tif::Opg => TimeInForce::Opg,
                Tif::Cls => TimeInForce::Cls,
            },
            limit_price: self.limit,
            stop_price: self.stop,
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

pub async fn order(
    service: &BrokerageService,
    args: OrderArgs,
    as_json: bool,
) -> anyhow::Result<String> {
    let connection = ConnectionId::new(args.connection.clone());
    let account = match &args.account {
        Some(a) => AccountId::new(a.clone()),
        None => {
            let accounts = service.connection_accounts(&connection).await?;
            match accounts.as_slice() {
                [only] => only.account_id.clone(),
                [] => anyhow::bail!("{connection} has no account"),
                _ => anyhow::bail!("{connection} has several accounts; choose one with --account"),
            }
        }
    };
    let entry = service.place_order(args.ticket(account)).await?;
    Ok(if as_json {
        json(&entry)?
    } else {
        render::blotter(std::slice::from_ref(&entry))
    })
}

pub async fn orders(service: &BrokerageService, as_json: bool) -> anyhow::Result<String> {
    let blotter = service.blotter().await?;
    Ok(if as_json {
        json(&blotter)?
    } else {
        render::blotter(&blotter)
    })
}

pub async fn quotes(
    service: &BrokerageService,
    symbols: Vec<String>,
    as_json: bool,
) -> anyhow::Result<String> {
    let symbols: Vec<Symbol> = symbols.into_iter().map(Symbol::new).collect();
    let quotes = service.quotes(&symbols).await?;
    Ok(if as_json {
        json(&quotes)?
    } else {
        render::quotes(&quotes)
    })
}

pub async fn reconcile(service: &BrokerageService, as_json: bool) -> anyhow::Result<String> {
    let breaks = service.reconcile().await?;
    Ok(if as_json {
        json(&breaks)?
    } else {
        render::breaks(&breaks)
    })
}

pub async fn status(service: &BrokerageService, as_json: bool) -> anyhow::Result<String> {
    let connections = service.status().await?;
    Ok(if as_json {
        json(&connections)?
    } else {
        render::status(&connections)
    })
}
