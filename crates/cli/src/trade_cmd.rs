//! Quotes, orders, the blotter, reconciliation and connection status: the app's Orders and
//! Accounts pages, headless.

use crate::render;
use brokerdesk_model::order::{OrderQuantity, OrderSide, OrderType, TimeInForce};
use brokerdesk_model::{AccountId, ConnectionId, OrderTicket, Symbol};
use brokerdesk_service::{BrokerageService, LOCAL_PAPER_CONNECTION, ServiceError};
use clap::{Args, Subcommand, ValueEnum};
use rust_decimal::Decimal;

/// The order's side; clap refuses any other word.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Side {
    Buy,
    Sell,
}

impl From<Side> for OrderSide {
    fn from(side: Side) -> Self {
        match side {
            Side::Buy => OrderSide::Buy,
            Side::Sell => OrderSide::Sell,
        }
    }
}

/// Time in force; clap refuses any other word.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Tif {
    Day,
    Gtc,
    Ioc,
    Fok,
    Opg,
    Cls,
}

impl From<Tif> for TimeInForce {
    fn from(tif: Tif) -> Self {
        match tif {
            Tif::Day => TimeInForce::Day,
            Tif::Gtc => TimeInForce::Gtc,
            Tif::Ioc => TimeInForce::Ioc,
            Tif::Fok => TimeInForce::Fok,
            Tif::Opg => TimeInForce::Opg,
            Tif::Cls => TimeInForce::Cls,
        }
    }
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
    /// Confirm an order larger than your order size limit (`brokerdesk settings`), and answer
    /// yes to the broker's warnings about it (printed first); without it such an order is
    /// refused with its value and share of the account's equity, and warnings are asked at the
    /// terminal (declined when there is none).
    #[arg(long)]
    pub yes: bool,
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
            side: self.side.into(),
            quantity: if self.notional {
                OrderQuantity::Notional(self.quantity)
            } else {
                OrderQuantity::Qty(self.quantity)
            },
            order_type,
            time_in_force: self.tif.into(),
            limit_price: self.limit,
            stop_price: self.stop,
            confirm_large: self.yes,
        }
    }
}

/// A broker that keeps warning is not answered yes for ever.
const MAX_WARNINGS: usize = 5;

/// Asks on the terminal; anything but "y"/"yes" is a no.
async fn ask_yes(prompt: &'static str) -> bool {
    use std::io::{BufRead, Write};
    tokio::task::spawn_blocking(move || {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).is_ok()
            && matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    })
    .await
    .unwrap_or(false)
}

fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

pub async fn order(
    service: &BrokerageService,
    args: OrderArgs,
    as_json: bool,
) -> anyhow::Result<String> {
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
    place(service, args, as_json, interactive).await
}

/// `order`, told whether a user at a terminal can be asked (never, in tests).
async fn place(
    service: &BrokerageService,
    args: OrderArgs,
    as_json: bool,
    interactive: bool,
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
    let yes = args.yes;
    let mut placed = service.place_order(args.ticket(account)).await.map(Some);
    // The broker may hold the order back with warnings, perhaps several in turn: each is
    // printed, and answered yes only with --yes or the user's own "y" at the terminal.
    let mut asked = 0;
    while let Err(ServiceError::OrderWarnings(warnings)) = &placed {
        asked += 1;
        eprintln!(
            "{} asks before placing this {} order:",
            warnings.connection_name, warnings.symbol
        );
        for m in &warnings.messages {
            for line in m.lines() {
                eprintln!("  {line}");
            }
        }
        let confirmation = warnings.confirmation.clone();
        let confirmed = asked <= MAX_WARNINGS
            && (yes || (interactive && ask_yes("Send it anyway? [y/N] ").await));
        placed = service
            .answer_order_warnings(&confirmation, confirmed)
            .await;
        if !confirmed {
            if let Err(err) = placed {
                return Err(err.into());
            }
            anyhow::bail!(if yes || interactive {
                "Not sent: the order was declined."
            } else {
                "Not sent: the broker's warnings need a yes. Run it again with --yes to confirm them."
            });
        }
    }
    let entry = match placed {
        Ok(Some(entry)) => entry,
        Ok(None) => anyhow::bail!("Not sent: the order was declined."),
        Err(ServiceError::NeedsConfirmation(large)) => anyhow::bail!(
            "{} Run it again with --yes to place it anyway.",
            large.summary
        ),
        Err(err) => return Err(err.into()),
    };
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
    connection: &str,
    symbols: Vec<String>,
    as_json: bool,
) -> anyhow::Result<String> {
    let symbols: Vec<Symbol> = symbols.into_iter().map(Symbol::new).collect();
    let connection = brokerdesk_model::ConnectionId::new(connection);
    let quotes = service.quotes(&connection, &symbols).await?;
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

#[derive(Subcommand, Debug)]
pub enum SettingsCommand {
    /// Orders above this percentage of the account's equity need --yes (the app asks a second
    /// time). Default 25.
    MaxOrderPct { percent: Decimal },
}

/// Shows the settings, or changes one.
pub fn settings(
    service: &BrokerageService,
    cmd: Option<SettingsCommand>,
    as_json: bool,
) -> anyhow::Result<String> {
    let settings = match cmd {
        None => service.settings()?,
        Some(SettingsCommand::MaxOrderPct { percent }) => service.set_max_order_pct(percent)?,
    };
    Ok(if as_json {
        json(&settings)?
    } else {
        format!(
            "Order size limit: {} % of the account's equity (larger orders need --yes)\n",
            settings.max_order_pct
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokerdesk_model::{KeyConnectionArgs, VendorId};
    use brokerdesk_service::ServiceConfig;
    use brokerdesk_vault::Role;
    use secrecy::SecretString;
    use serde_json::json;
    use wiremock::matchers::{body_json, method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const REPLY: &str = "99097238-9824-4830-84ef-46979aa22593";

    /// The connectors' recorded IBKR examples (crates/connectors/tests/fixtures/SOURCES.md).
    fn fixture(name: &str) -> serde_json::Value {
        let path = format!(
            "{}/../connectors/tests/fixtures/ibkr/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn ok(body: serde_json::Value) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(body)
    }

    /// A paper gateway whose order endpoint answers with the spec's warning example; its reply
    /// endpoint places the order on a yes and refuses on a no.
    async fn gateway() -> MockServer {
        let server = MockServer::start().await;
        for (verb, p, body) in [
            (
                "GET",
                "/v1/api/portfolio/accounts",
                json!([{ "id": "DU123456" }]),
            ),
            (
                "GET",
                "/v1/api/iserver/accounts",
                json!({ "accounts": ["DU123456"] }),
            ),
            (
                "GET",
                "/v1/api/iserver/account/orders",
                json!({ "orders": [] }),
            ),
            (
                "POST",
                "/v1/api/tickle",
                fixture("spec_example_POST_tickle__success.json"),
            ),
            (
                "POST",
                "/v1/api/iserver/account/DU123456/orders",
                fixture(
                    "spec_example_POST_iserver_account_accountId_orders__orderReplyMessageExample.json",
                ),
            ),
        ] {
            Mock::given(method(verb))
                .and(path(p))
                .respond_with(ok(body))
                .mount(&server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path_regex(r"^/v1/api/portfolio/[^/]+/summary$"))
            .respond_with(ok(fixture(
                "spec_example_GET_portfolio_accountId_summary__success.json",
            )))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("/v1/api/iserver/reply/{REPLY}")))
            .and(body_json(json!({ "confirmed": true })))
            .respond_with(ok(fixture(
                "spec_example_POST_iserver_account_accountId_orders__orderSubmitSuccessExample.json",
            )))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("/v1/api/iserver/reply/{REPLY}")))
            .and(body_json(json!({ "confirmed": false })))
            .respond_with(ok(fixture(
                "spec_example_POST_iserver_reply_replyId__orderSubmitErrorExample.json",
            )))
            .mount(&server)
            .await;
        server
    }

    async fn service_with(server: &MockServer) -> (tempfile::TempDir, BrokerageService, String) {
        let dir = tempfile::tempdir().unwrap();
        let service = BrokerageService::start(ServiceConfig::new(dir.path().join("data")))
            .await
            .unwrap();
        service
            .vault()
            .create(SecretString::from("correct horse battery"), Role::Trader)
            .await
            .unwrap();
        let added = service
            .add_key_connection(KeyConnectionArgs {
                vendor: VendorId::new("ibkr"),
                fields: [
                    ("gateway_url".to_owned(), format!("{}/v1/api", server.uri())),
                    ("accept_self_signed".to_owned(), "false".to_owned()),
                ]
                .into(),
                sandbox: false,
                label: String::new(),
            })
            .await
            .unwrap();
        (dir, service, added.id.to_string())
    }

    fn buy(connection: &str, yes: bool) -> OrderArgs {
        OrderArgs {
            side: Side::Buy,
            symbol: "265598".into(),
            quantity: Decimal::ONE,
            notional: false,
            limit: Some(Decimal::TEN),
            stop: None,
            tif: Tif::Day,
            connection: connection.to_owned(),
            account: Some("DU123456".into()),
            yes,
        }
    }

    async fn replies(server: &MockServer) -> Vec<serde_json::Value> {
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path().contains("/iserver/reply/"))
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn a_brokers_warning_is_declined_without_yes_and_confirmed_with_it() {
        let server = gateway().await;
        let (_dir, service, id) = service_with(&server).await;
        let err = place(&service, buy(&id, false), false, false)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("--yes"), "{err}");
        assert_eq!(replies(&server).await, vec![json!({ "confirmed": false })]);

        let out = place(&service, buy(&id, true), true, false).await.unwrap();
        let entry: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(entry["order"]["id"], "1370093239");
        assert_eq!(
            replies(&server).await.last(),
            Some(&json!({ "confirmed": true }))
        );
        let blotter = service.blotter().await.unwrap();
        assert_eq!(blotter.len(), 2, "one declined, one placed: {blotter:?}");
    }
}
