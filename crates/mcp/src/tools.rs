//! Each tool: a typed argument struct (its JSON schema is what the model sees) and a function
//! over the service returning an [`Output`]. No business logic here: every figure, guard and
//! order comes from `BrokerageService`, as for the CLI and the app; this file chooses what to
//! show and masks account numbers on the way out.

use crate::envelope::{Output, Source};
use crate::masking::{KnownAccounts, account_ref, mask_account, mask_digit_runs};
use brokerdesk_model::{
    AccountId, AccountSnapshot, AccountsOverview, ActivityFilter, ConnectionId, OrderQuantity,
    OrderSide, OrderTicket, OrderType, PriceSource, Symbol, TimeInForce, TradingMode,
};
use brokerdesk_service::{BrokerageService, LOCAL_PAPER_CONNECTION, ServiceError};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Longest symbol accepted (US tickers are at most 5 letters, share classes add a suffix).
const MAX_SYMBOL_CHARS: usize = 12;
const MAX_SYMBOLS: usize = 50;
const MAX_QUERY_CHARS: usize = 100;

/// A refused or failed tool call: a code and a sentence the assistant can relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolError {
    pub code: &'static str,
    pub message: String,
}

impl ToolError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: "invalid_input",
            message: message.into(),
        }
    }
}

impl From<ServiceError> for ToolError {
    fn from(err: ServiceError) -> Self {
        let code = err.code();
        let message = match code {
            brokerdesk_model::ErrorCode::VaultLocked => format!(
                "{err}. Brokerdesk's vault is locked, so your accounts cannot be read. \
                 Brokerdesk never takes the vault password from an assistant: the user unlocks \
                 it in the Brokerdesk app (when this server is attached to the running app), or \
                 starts `brokerdesk mcp` with BROKERDESK_PASSWORD in its environment (see the \
                 README's \"Use with an AI assistant\")."
            ),
            _ => mask_digit_runs(&err.to_string()),
        };
        Self {
            code: code.as_str(),
            message,
        }
    }
}

pub type ToolResult = Result<Output, ToolError>;

// ---------- argument types shared by several tools ----------

/// An exact decimal written as a string ("12.5"), never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecimalString(pub Decimal);

impl JsonSchema for DecimalString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DecimalString".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]{1,15}(\\.[0-9]{1,10})?$",
            "description": "An exact positive decimal as a string, e.g. \"10\" or \"0.5\""
        })
    }
}

impl<'de> Deserialize<'de> for DecimalString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let s = s.trim();
        let plain = !s.is_empty()
            && s.len() <= 26
            && s.chars().all(|c| c.is_ascii_digit() || c == '.')
            && s.matches('.').count() <= 1;
        if !plain {
            return Err(serde::de::Error::custom(format!(
                "{:?} is not a plain decimal such as \"10\" or \"0.5\"",
                s.chars().take(40).collect::<String>()
            )));
        }
        Decimal::from_str(s)
            .map(DecimalString)
            .map_err(|e| serde::de::Error::custom(format!("{s:?} is out of range: {e}")))
    }
}

/// Which account: `account_ref` as `list_accounts` gives it.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountArgs {
    /// The account's `account_ref` from `list_accounts`; omit for every account.
    #[serde(default)]
    pub account_ref: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotesArgs {
    /// Ticker symbols, e.g. ["AAPL", "MSFT"] (1 to 50).
    pub symbols: Vec<String>,
    /// The connection to quote from (its `connection` from `list_accounts`); default the local
    /// paper sandbox, whose prices are simulated.
    #[serde(default)]
    pub connection: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityArgs {
    /// Only this account (`account_ref` from `list_accounts`).
    #[serde(default)]
    pub account_ref: Option<String>,
    /// Plain text matched against descriptions, counterparties and symbols.
    #[serde(default)]
    pub search: Option<String>,
    /// From this time on, RFC 3339 (e.g. "2026-11-01T00:00:00Z").
    #[serde(default)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// At most this many, newest first (1 to 200; default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Part of a bank's, broker's or payment app's name (2 to 100 characters).
    pub query: String,
}

#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[default]
    Market,
    Limit,
    Stop,
    StopLimit,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tif {
    #[default]
    Day,
    Gtc,
    Ioc,
    Fok,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaperOrderArgs {
    /// A paper account's `account_ref` from `list_accounts`; default the local paper sandbox.
    #[serde(default)]
    pub account_ref: Option<String>,
    pub symbol: String,
    pub side: Side,
    /// Number of shares (may be fractional). Give `qty` or `notional`, not both.
    #[serde(default)]
    pub qty: Option<DecimalString>,
    /// A dollar amount to buy or sell (market orders only).
    #[serde(default)]
    pub notional: Option<DecimalString>,
    #[serde(default)]
    pub order_type: Kind,
    #[serde(default)]
    pub time_in_force: Tif,
    /// For limit and stop-limit orders.
    #[serde(default)]
    pub limit_price: Option<DecimalString>,
    /// For stop and stop-limit orders.
    #[serde(default)]
    pub stop_price: Option<DecimalString>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelArgs {
    /// The order's `order_id` (or `client_order_id`) from `list_orders`.
    pub order_id: String,
}

// ---------- helpers ----------

pub(crate) fn symbol(raw: &str) -> Result<Symbol, ToolError> {
    let s = raw.trim().to_uppercase();
    let ok = !s.is_empty()
        && s.chars().count() <= MAX_SYMBOL_CHARS
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '/'))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(Symbol::new(s))
    } else {
        Err(ToolError::invalid(format!(
            "{:?} is not a ticker symbol (letters and digits, up to {MAX_SYMBOL_CHARS})",
            raw.chars().take(40).collect::<String>()
        )))
    }
}

pub(crate) fn source_of(a: &AccountSnapshot) -> Source {
    Source::account(
        &a.connection.id,
        &a.connection.display_name,
        &a.account_id,
        a.mode,
        Some(a.as_of),
    )
}

fn mode_word(mode: TradingMode) -> &'static str {
    match mode {
        TradingMode::Paper => "paper (simulated money and prices)",
        TradingMode::Live => "live (real money)",
    }
}

/// The overview, each account number learnt for the final scan, narrowed to one account when
/// `account_ref` names one.
pub(crate) async fn accounts(
    service: &BrokerageService,
    known: &KnownAccounts,
    account: Option<&str>,
) -> Result<(Vec<AccountSnapshot>, AccountsOverview), ToolError> {
    let overview = service.accounts_overview().await?;
    for a in &overview.accounts {
        known.learn(&a.account_id);
    }
    let chosen: Vec<AccountSnapshot> = match account {
        None => overview.accounts.clone(),
        Some(r) => {
            let found: Vec<AccountSnapshot> = overview
                .accounts
                .iter()
                .filter(|a| account_ref(&a.connection.id, &a.account_id) == r.trim())
                .cloned()
                .collect();
            if found.is_empty() {
                return Err(ToolError {
                    code: "not_found",
                    message: format!(
                        "no account with account_ref {:?}; list_accounts gives each account's",
                        r.chars().take(40).collect::<String>()
                    ),
                });
            }
            found
        }
    };
    Ok((chosen, overview))
}

fn balances_json(a: &AccountSnapshot) -> Value {
    match &a.balance_unknown {
        Some(why) => json!({ "unknown": mask_digit_runs(why.note()) }),
        None => json!({
            "currency": a.balances.currency,
            "cash": a.balances.cash,
            "buying_power": a.balances.buying_power,
            "equity": a.balances.equity,
        }),
    }
}

fn account_json(a: &AccountSnapshot) -> Value {
    json!({
        "account": mask_account(a.account_id.as_str()),
        "account_ref": account_ref(&a.connection.id, &a.account_id),
        "connection": a.connection.id,
        "connection_name": a.connection.display_name,
        "mode": a.mode,
        "mode_meaning": mode_word(a.mode),
        "as_of": a.as_of,
        "balances": balances_json(a),
        "positions_count": a.positions.len(),
    })
}

fn unreachable_json(overview: &AccountsOverview) -> Value {
    overview
        .unreachable
        .iter()
        .map(|c| {
            json!({
                "connection": c.id,
                "connection_name": c.display_name,
                "status": mask_digit_runs(&c.status.to_string()),
            })
        })
        .collect()
}

/// Sum of `values` per currency, checked: an overflow is said, never wrapped.
fn totals<'a>(
    values: impl Iterator<Item = (&'a str, Decimal)>,
) -> Result<BTreeMap<String, Decimal>, ToolError> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for (currency, v) in values {
        let slot = out.entry(currency.to_owned()).or_default();
        *slot = slot.checked_add(v).ok_or_else(|| ToolError {
            code: "internal",
            message: "the total is too large to add up exactly".into(),
        })?;
    }
    Ok(out)
}

// ---------- the tools ----------

pub async fn list_accounts(service: &BrokerageService, known: &KnownAccounts) -> ToolResult {
    let (accounts, overview) = accounts(service, known, None).await?;
    Ok(Output {
        sources: accounts.iter().map(source_of).collect(),
        data: json!({
            "accounts": accounts.iter().map(account_json).collect::<Vec<_>>(),
            "unreachable_connections": unreachable_json(&overview),
        }),
        untrusted: &[
            "accounts[].connection_name",
            "accounts[].balances.unknown",
            "unreachable_connections[].connection_name",
            "unreachable_connections[].status",
        ],
    })
}

pub async fn get_balances(
    service: &BrokerageService,
    known: &KnownAccounts,
    args: AccountArgs,
) -> ToolResult {
    let (accounts, overview) = accounts(service, known, args.account_ref.as_deref()).await?;
    let equity = totals(
        accounts
            .iter()
            .filter(|a| a.balance_unknown.is_none())
            .map(|a| (a.balances.currency.as_str(), a.balances.equity)),
    )?;
    let cash = totals(
        accounts
            .iter()
            .filter(|a| a.balance_unknown.is_none())
            .map(|a| (a.balances.currency.as_str(), a.balances.cash)),
    )?;
    Ok(Output {
        sources: accounts.iter().map(source_of).collect(),
        data: json!({
            "accounts": accounts.iter().map(account_json).collect::<Vec<_>>(),
            "total_equity_by_currency": equity,
            "total_cash_by_currency": cash,
            "unreachable_connections": unreachable_json(&overview),
        }),
        untrusted: &[
            "accounts[].connection_name",
            "accounts[].balances.unknown",
            "unreachable_connections[].connection_name",
            "unreachable_connections[].status",
        ],
    })
}

fn price_json(source: Option<&PriceSource>) -> Value {
    match source {
        Some(PriceSource::Quote { at }) => json!({"from": "quote", "at": at}),
        Some(PriceSource::Positions { as_of }) => json!({"from": "broker_positions", "at": as_of}),
        None => json!({"from": "broker_positions"}),
    }
}

pub async fn get_positions(
    service: &BrokerageService,
    known: &KnownAccounts,
    args: AccountArgs,
) -> ToolResult {
    let (accounts, overview) = accounts(service, known, args.account_ref.as_deref()).await?;
    let per_account: Vec<Value> = accounts
        .iter()
        .map(|a| {
            let positions: Vec<Value> = a
                .positions
                .iter()
                .map(|p| {
                    json!({
                        "symbol": p.symbol,
                        "side": p.side,
                        "qty": p.qty,
                        "avg_entry_price": p.avg_entry_price,
                        "cost_basis": p.cost_basis,
                        "current_price": p.current_price,
                        "market_value": p.market_value,
                        "unrealized_pl": p.unrealized_pl,
                        "price": price_json(a.prices.get(&p.symbol)),
                    })
                })
                .collect();
            let mut v = account_json(a);
            v["positions"] = Value::Array(positions);
            v
        })
        .collect();
    let market_value = totals(accounts.iter().flat_map(|a| {
        a.positions
            .iter()
            .map(move |p| (a.balances.currency.as_str(), p.market_value))
    }))?;
    let equity = totals(
        accounts
            .iter()
            .filter(|a| a.balance_unknown.is_none())
            .map(|a| (a.balances.currency.as_str(), a.balances.equity)),
    )?;
    Ok(Output {
        sources: accounts.iter().map(source_of).collect(),
        data: json!({
            "accounts": per_account,
            "total_market_value_by_currency": market_value,
            "total_equity_by_currency": equity,
            "unreachable_connections": unreachable_json(&overview),
        }),
        untrusted: &[
            "accounts[].connection_name",
            "accounts[].balances.unknown",
            "accounts[].positions[].symbol",
            "unreachable_connections[].connection_name",
            "unreachable_connections[].status",
        ],
    })
}

pub async fn get_quotes(service: &BrokerageService, args: QuotesArgs) -> ToolResult {
    if args.symbols.is_empty() || args.symbols.len() > MAX_SYMBOLS {
        return Err(ToolError::invalid(format!(
            "give 1 to {MAX_SYMBOLS} symbols"
        )));
    }
    let symbols = args
        .symbols
        .iter()
        .map(|s| symbol(s))
        .collect::<Result<Vec<_>, _>>()?;
    let connection = ConnectionId::new(
        args.connection
            .as_deref()
            .map(str::trim)
            .unwrap_or(LOCAL_PAPER_CONNECTION),
    );
    let summary = service
        .list_connections()
        .await?
        .into_iter()
        .find(|c| c.id == connection)
        .ok_or_else(|| ToolError {
            code: "not_found",
            message: format!(
                "no connection {:?}; list_accounts names each account's connection",
                connection.as_str().chars().take(60).collect::<String>()
            ),
        })?;
    let quotes = service.quotes(&connection, &symbols).await?;
    let missing: Vec<&Symbol> = symbols
        .iter()
        .filter(|s| !quotes.iter().any(|q| &q.symbol == *s))
        .collect();
    if quotes.is_empty() {
        return Err(ToolError {
            code: "not_found",
            message: format!(
                "{} has no quote for {}: check the symbols",
                summary.display_name,
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(Output {
        sources: vec![Source {
            connection: summary.id.clone(),
            connection_name: summary.display_name.clone(),
            account: None,
            account_ref: None,
            mode: summary.mode,
            as_of: quotes.iter().filter_map(|q| q.timestamp).max(),
        }],
        data: json!({
            "prices_are": match summary.mode {
                TradingMode::Paper => "simulated by the paper sandbox",
                TradingMode::Live => "the connection's market data; may be delayed",
            },
            "quotes": quotes,
            "no_quote_for": missing,
        }),
        untrusted: &[],
    })
}

pub async fn get_activity(
    service: &BrokerageService,
    known: &KnownAccounts,
    args: ActivityArgs,
) -> ToolResult {
    if args
        .search
        .as_deref()
        .is_some_and(|s| s.chars().count() > MAX_QUERY_CHARS)
    {
        return Err(ToolError::invalid(format!(
            "search is at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let limit = args.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ToolError::invalid("limit is 1 to 200"));
    }
    let mut filter = ActivityFilter {
        search: args.search,
        since: args.since,
        ..ActivityFilter::default()
    };
    if let Some(r) = args.account_ref.as_deref() {
        let (chosen, _) = accounts(service, known, Some(r)).await?;
        filter.connections = chosen.iter().map(|a| a.connection.id.clone()).collect();
        filter.accounts = chosen.iter().map(|a| a.account_id.clone()).collect();
    }
    // New movements first, as `brokerdesk activity` does; a connection that fails keeps its
    // error in `sync_errors` and never hides the others.
    service.sync_activity().await?;
    let list = service.activity(filter, None, Some(limit)).await?;
    let mut sources: BTreeMap<String, Source> = BTreeMap::new();
    let rows: Vec<Value> = list
        .rows
        .iter()
        .map(|r| {
            known.learn(&r.entry.account_id);
            let s = Source::account(
                &r.connection,
                &r.connection_name,
                &r.entry.account_id,
                r.mode,
                None,
            );
            let key = s.account_ref.clone().unwrap_or_default();
            sources.entry(key).or_insert(s);
            let e = &r.entry;
            json!({
                "time": e.time,
                "account": mask_account(e.account_id.as_str()),
                "account_ref": account_ref(&r.connection, &e.account_id),
                "connection": r.connection,
                "kind": e.kind,
                "amount": e.amount,
                "currency": e.currency,
                "fee": e.fee,
                "status": e.status,
                "counterparty": e.counterparty.as_deref().map(mask_digit_runs),
                "description": e.description.as_deref().map(mask_digit_runs),
                "symbol": e.symbol,
                "quantity": e.quantity,
                "price": e.price,
            })
        })
        .collect();
    let sync_errors: Vec<Value> = list
        .sync_errors
        .iter()
        .map(|e| {
            json!({
                "connection": e.connection,
                "connection_name": e.connection_name,
                "message": mask_digit_runs(&e.message),
            })
        })
        .collect();
    Ok(Output {
        sources: sources.into_values().collect(),
        data: json!({
            "rows": rows,
            "total_matching": list.total,
            "more": list.next.is_some(),
            "sync_errors": sync_errors,
        }),
        untrusted: &[
            "rows[].counterparty",
            "rows[].description",
            "rows[].symbol",
            "sync_errors[].connection_name",
            "sync_errors[].message",
        ],
    })
}

pub async fn get_reconciliation(service: &BrokerageService, known: &KnownAccounts) -> ToolResult {
    let breaks = service.reconcile().await?;
    let names: BTreeMap<ConnectionId, (String, TradingMode)> = service
        .list_connections()
        .await?
        .into_iter()
        .map(|c| (c.id, (c.display_name, c.mode)))
        .collect();
    let mut sources: BTreeMap<String, Source> = BTreeMap::new();
    let rows: Vec<Value> = breaks
        .iter()
        .map(|b| {
            known.learn(&b.account);
            let (name, mode) = names
                .get(&b.connection)
                .cloned()
                .unwrap_or_else(|| (b.connection.as_str().to_owned(), TradingMode::Live));
            let s = Source::account(&b.connection, &name, &b.account, mode, None);
            sources
                .entry(s.account_ref.clone().unwrap_or_default())
                .or_insert(s);
            json!({
                "id": b.id,
                "account": mask_account(b.account.as_str()),
                "account_ref": account_ref(&b.connection, &b.account),
                "connection": b.connection,
                "symbol": b.symbol,
                "kind": b.kind,
                "expected_qty": b.expected_qty,
                "broker_qty": b.broker_qty,
                "expected_avg_cost": b.expected_avg_cost,
                "broker_avg_cost": b.broker_avg_cost,
                "likely_cause": b.cause,
                "detected_at": b.detected_at,
                "still_present": b.still_present,
            })
        })
        .collect();
    Ok(Output {
        sources: sources.into_values().collect(),
        data: json!({
            "breaks": rows,
            "meaning": "Differences between the orders Brokerdesk journaled and what each broker \
                        reports; an empty list means every account agrees.",
        }),
        untrusted: &["breaks[].symbol"],
    })
}

pub async fn search_institutions(service: &BrokerageService, args: SearchArgs) -> ToolResult {
    let query = args.query.trim();
    let n = query.chars().count();
    if !(2..=MAX_QUERY_CHARS).contains(&n) {
        return Err(ToolError::invalid(format!(
            "query is 2 to {MAX_QUERY_CHARS} characters"
        )));
    }
    let catalog = service.vendor_catalog();
    let from_catalog: Vec<Value> =
        brokerdesk_model::search::search_catalog(&catalog.institutions, query)
            .into_iter()
            .take(20)
            .map(|r| {
                json!({
                    "id": r.item.id,
                    "name": r.item.name,
                    "kind": r.item.kind,
                    "has_sandbox": r.item.sandbox,
                    "summary": r.item.summary,
                })
            })
            .collect();
    let remote: Vec<Value> = service
        .search_institutions(query)
        .await?
        .into_iter()
        .take(20)
        .map(|r| json!({"id": r.id, "name": r.name, "trading": r.trading}))
        .collect();
    Ok(Output {
        sources: vec![],
        data: json!({
            "catalog": from_catalog,
            "from_connected_aggregators": remote,
            "how_to_connect": "The user connects an institution in the Brokerdesk app (Connect) \
                               or with `brokerdesk connect`; an assistant cannot.",
        }),
        untrusted: &[
            "from_connected_aggregators[].name",
            "from_connected_aggregators[].id",
        ],
    })
}

pub(crate) fn order_json(e: &brokerdesk_model::BlotterEntry) -> Value {
    let o = &e.order;
    json!({
        "order_id": o.id,
        "client_order_id": o.client_order_id,
        "account": mask_account(e.account.as_str()),
        "account_ref": account_ref(&e.connection, &e.account),
        "connection": e.connection,
        "mode": e.mode,
        "symbol": o.symbol,
        "side": o.side,
        "order_type": o.order_type,
        "time_in_force": o.time_in_force,
        "quantity": o.quantity,
        "filled_qty": o.filled_qty,
        "filled_avg_price": o.filled_avg_price,
        "limit_price": o.limit_price,
        "stop_price": o.stop_price,
        "status": o.status,
        "submitted_at": e.submitted_at,
        "updated_at": o.updated_at,
    })
}

pub async fn list_orders(service: &BrokerageService, known: &KnownAccounts) -> ToolResult {
    let entries = service.blotter().await?;
    let mut sources: BTreeMap<String, Source> = BTreeMap::new();
    for e in &entries {
        known.learn(&e.account);
        let s = Source::account(&e.connection, &e.connection_name, &e.account, e.mode, None);
        sources
            .entry(s.account_ref.clone().unwrap_or_default())
            .or_insert(s);
    }
    Ok(Output {
        sources: sources.into_values().collect(),
        data: json!({ "orders": entries.iter().map(order_json).collect::<Vec<_>>() }),
        untrusted: &["orders[].symbol", "orders[].status"],
    })
}

/// The words an assistant relays when asked to trade on a live account with the paper tool.
/// `attached`: this server is attached to the running app, where live orders can be confirmed.
pub fn live_refusal(account: &str, connection_name: &str, attached: bool) -> String {
    if attached {
        format!(
            "Refused: {account} at {connection_name} is a live account (real money), and \
             place_paper_order only places paper orders. For a live order use place_live_order: \
             the user must have armed live trading in the Brokerdesk app, and confirms that \
             specific order there before anything is sent."
        )
    } else {
        format!(
            "Refused: {account} at {connection_name} is a live account (real money). Brokerdesk \
             only places paper orders for an assistant. To trade on the live account, the user \
             opens the Brokerdesk app, arms live trading and places and confirms the order there."
        )
    }
}

/// The order an assistant asked for, on `account`. Never `confirm_large`: a large order is the
/// user's to confirm, in the app or the CLI.
pub(crate) fn order_ticket(
    account: &AccountSnapshot,
    symbol: Symbol,
    quantity: OrderQuantity,
    args: &PaperOrderArgs,
) -> OrderTicket {
    OrderTicket {
        connection: account.connection.id.clone(),
        account: account.account_id.clone(),
        symbol,
        side: match args.side {
            Side::Buy => OrderSide::Buy,
            Side::Sell => OrderSide::Sell,
        },
        quantity,
        order_type: match args.order_type {
            Kind::Market => OrderType::Market,
            Kind::Limit => OrderType::Limit,
            Kind::Stop => OrderType::Stop,
            Kind::StopLimit => OrderType::StopLimit,
        },
        time_in_force: match args.time_in_force {
            Tif::Day => TimeInForce::Day,
            Tif::Gtc => TimeInForce::Gtc,
            Tif::Ioc => TimeInForce::Ioc,
            Tif::Fok => TimeInForce::Fok,
        },
        limit_price: args.limit_price.map(|d| d.0),
        stop_price: args.stop_price.map(|d| d.0),
        confirm_large: false,
    }
}

/// `qty` or `notional`, exactly one.
pub(crate) fn quantity_of(args: &PaperOrderArgs) -> Result<OrderQuantity, ToolError> {
    match (args.qty, args.notional) {
        (Some(q), None) => Ok(OrderQuantity::Qty(q.0)),
        (None, Some(n)) => Ok(OrderQuantity::Notional(n.0)),
        _ => Err(ToolError::invalid("give either qty or notional")),
    }
}

pub async fn place_paper_order(
    service: &BrokerageService,
    known: &KnownAccounts,
    args: PaperOrderArgs,
    attached: bool,
) -> ToolResult {
    let symbol = symbol(&args.symbol)?;
    let quantity = quantity_of(&args)?;
    let (chosen, _) = match args.account_ref.as_deref() {
        Some(r) => accounts(service, known, Some(r)).await?,
        None => {
            let (all, overview) = accounts(service, known, None).await?;
            let paper: Vec<AccountSnapshot> = all
                .into_iter()
                .filter(|a| a.connection.id.as_str() == LOCAL_PAPER_CONNECTION)
                .collect();
            if paper.is_empty() {
                return Err(ToolError {
                    code: "unavailable",
                    message: "the local paper sandbox could not be read; name a paper account's \
                              account_ref"
                        .into(),
                });
            }
            (paper, overview)
        }
    };
    let Some(account) = chosen.into_iter().next() else {
        return Err(ToolError::invalid("no such account"));
    };
    // The account's own mode, as the service decides it for every order (one gateway can
    // hold paper and live accounts). A live account is refused here, before anything is
    // journaled; the service would refuse it too, since nothing over MCP can arm live trading.
    let mode = service
        .account_mode(&account.connection.id, &account.account_id)
        .await?;
    if mode != TradingMode::Paper {
        return Err(ToolError {
            code: "forbidden",
            message: live_refusal(
                &mask_account(account.account_id.as_str()),
                &account.connection.display_name,
                attached,
            ),
        });
    }
    let ticket = order_ticket(&account, symbol, quantity, &args);
    let entry = match service.place_order(ticket).await {
        Ok(entry) => entry,
        Err(err @ ServiceError::NeedsConfirmation(_)) => {
            return Err(ToolError {
                code: "needs_confirmation",
                message: format!(
                    "{} An assistant cannot confirm it: the user can place it in the Brokerdesk \
                     app or with `brokerdesk order … --yes`.",
                    mask_digit_runs(&err.to_string())
                ),
            });
        }
        Err(err) => return Err(err.into()),
    };
    Ok(Output {
        sources: vec![source_of(&account)],
        data: json!({
            "placed": order_json(&entry),
            "note": "A paper order: simulated money and simulated prices.",
        }),
        untrusted: &["placed.symbol", "placed.status"],
    })
}

pub async fn cancel_order(
    service: &BrokerageService,
    known: &KnownAccounts,
    args: CancelArgs,
) -> ToolResult {
    let wanted = args.order_id.trim();
    if wanted.is_empty() || wanted.chars().count() > 128 {
        return Err(ToolError::invalid("order_id is 1 to 128 characters"));
    }
    let entries = service.blotter().await?;
    let Some(entry) = entries.iter().find(|e| {
        e.order.id.as_str() == wanted
            || e.order
                .client_order_id
                .as_ref()
                .is_some_and(|c| c.as_str() == wanted)
    }) else {
        return Err(ToolError {
            code: "not_found",
            message: "no order with that id among the orders Brokerdesk placed (list_orders)"
                .into(),
        });
    };
    known.learn(&entry.account);
    if entry.mode != TradingMode::Paper {
        return Err(ToolError {
            code: "forbidden",
            message: format!(
                "Refused: that order is on a live account at {}. An assistant only manages paper \
                 orders; the user can cancel it in the Brokerdesk app.",
                entry.connection_name
            ),
        });
    }
    service
        .cancel_order(&entry.connection, &entry.account, &entry.order.id)
        .await?;
    let after = service.blotter().await?;
    let now = after
        .iter()
        .find(|e| e.order.id == entry.order.id)
        .unwrap_or(entry);
    Ok(Output {
        sources: vec![Source::account(
            &entry.connection,
            &entry.connection_name,
            &entry.account,
            entry.mode,
            None,
        )],
        data: json!({ "cancel_requested": true, "order": order_json(now) }),
        untrusted: &["order.symbol", "order.status"],
    })
}

/// One account's summary for its MCP resource: balances and positions.
pub async fn account_summary(
    service: &BrokerageService,
    known: &KnownAccounts,
    account: &str,
) -> ToolResult {
    get_positions(
        service,
        known,
        AccountArgs {
            account_ref: Some(account.to_owned()),
        },
    )
    .await
}

/// Every account as (reference, title) for the resource list.
pub async fn account_list(
    service: &BrokerageService,
    known: &KnownAccounts,
) -> Result<Vec<(String, String, AccountId)>, ToolError> {
    let (accounts, _) = accounts(service, known, None).await?;
    Ok(accounts
        .iter()
        .map(|a| {
            (
                account_ref(&a.connection.id, &a.account_id),
                format!(
                    "{} {} ({})",
                    a.connection.display_name,
                    mask_account(a.account_id.as_str()),
                    match a.mode {
                        TradingMode::Paper => "paper",
                        TradingMode::Live => "live",
                    }
                ),
                a.account_id.clone(),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_plain_strings_in_range() {
        let ok: DecimalString = serde_json::from_value(json!("12.5")).unwrap();
        assert_eq!(ok.0, Decimal::new(125, 1));
        for bad in [
            json!("1e400"),
            json!("-1"),
            json!("abc"),
            json!(""),
            json!(12.5),
            json!("1.2.3"),
        ] {
            assert!(
                serde_json::from_value::<DecimalString>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        let huge = "9".repeat(30);
        assert!(serde_json::from_value::<DecimalString>(json!(huge)).is_err());
    }

    #[test]
    fn symbols_are_checked() {
        assert_eq!(symbol(" aapl ").unwrap().as_str(), "AAPL");
        assert_eq!(symbol("BRK.B").unwrap().as_str(), "BRK.B");
        for bad in ["", "A B", "'; DROP TABLE", &"X".repeat(100), ".A"] {
            assert!(symbol(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_live_refusal_says_what_to_do() {
        let m = live_refusal("••••1234", "Broker — live", false);
        assert!(m.contains("only places paper orders"));
        assert!(m.contains("arms live trading"));
    }
}
