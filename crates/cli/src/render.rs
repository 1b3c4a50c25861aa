//! Plain-text tables for people at a terminal.

use brokerdesk_model::money::{format_grouped, format_usd};
use brokerdesk_model::{AccountSnapshot, AccountsOverview, ConnectionSummary, TradingMode};
use std::fmt::Write;

fn mode(mode: TradingMode) -> &'static str {
    match mode {
        TradingMode::Paper => "PAPER",
        TradingMode::Live => "LIVE",
    }
}

fn header(account: &AccountSnapshot) -> String {
    format!(
        "{} · {} · {}",
        account.connection.display_name,
        account.account_id,
        mode(account.mode)
    )
}

fn unreachable(out: &mut String, failed: &[ConnectionSummary]) {
    for c in failed {
        let _ = writeln!(out, "{} · {}", c.display_name, c.status);
    }
}

pub fn accounts(overview: &AccountsOverview) -> String {
    let mut out = String::new();
    for account in &overview.accounts {
        let b = &account.balances;
        let _ = writeln!(out, "{}", header(account));
        let _ = writeln!(
            out,
            "  Cash {}   Buying power {}   Equity {}",
            format_usd(b.cash),
            format_usd(b.buying_power),
            format_usd(b.equity)
        );
    }
    unreachable(&mut out, &overview.unreachable);
    out
}

pub fn positions(overview: &AccountsOverview) -> String {
    let mut out = String::new();
    for account in &overview.accounts {
        let b = &account.balances;
        let _ = writeln!(out, "{}", header(account));
        let _ = writeln!(
            out,
            "  Cash {}   Buying power {}",
            format_usd(b.cash),
            format_usd(b.buying_power)
        );
        if account.positions.is_empty() {
            let _ = writeln!(out, "  No positions.");
            continue;
        }
        let _ = writeln!(
            out,
            "  {:<8} {:>6} {:>14} {:>12} {:>14} {:>14}",
            "Symbol", "Side", "Qty", "Avg price", "Market value", "Unrealized"
        );
        for p in &account.positions {
            let side = match p.side {
                brokerdesk_model::PositionSide::Long => "long",
                brokerdesk_model::PositionSide::Short => "short",
            };
            let _ = writeln!(
                out,
                "  {:<8} {:>6} {:>14} {:>12} {:>14} {:>14}",
                p.symbol.as_str(),
                side,
                format_grouped(p.qty.normalize(), p.qty.normalize().scale()),
                format_usd(p.avg_entry_price),
                format_usd(p.market_value),
                format_usd(p.unrealized_pl)
            );
        }
    }
    unreachable(&mut out, &overview.unreachable);
    out
}

fn dec(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| d.normalize().to_string())
        .unwrap_or_else(|| "—".into())
}

pub fn blotter(entries: &[brokerdesk_model::BlotterEntry]) -> String {
    use brokerdesk_model::order::OrderQuantity;
    let mut out = String::new();
    if entries.is_empty() {
        return "No orders placed from Brokerdesk yet.\n".into();
    }
    let _ = writeln!(
        out,
        "{:<20} {:<5} {:<4} {:<8} {:>10} {:>10} {:>12} {:<16} {:<35} Connection",
        "Submitted", "Mode", "Side", "Symbol", "Qty", "Filled", "Avg price", "Status", "Id"
    );
    for e in entries {
        let o = &e.order;
        let qty = match o.quantity {
            Some(OrderQuantity::Qty(q)) => q.normalize().to_string(),
            Some(OrderQuantity::Notional(n)) => format!("${}", n.normalize()),
            None => "—".into(),
        };
        // The id `brokerdesk cancel` takes: the one Brokerdesk minted, else the broker's.
        let id = o
            .client_order_id
            .as_ref()
            .map_or(o.id.as_str(), |c| c.as_str());
        let _ = writeln!(
            out,
            "{:<20} {:<5} {:<4} {:<8} {:>10} {:>10} {:>12} {:<16} {:<35} {}",
            e.submitted_at.format("%Y-%m-%d %H:%M:%S"),
            mode(e.mode),
            format!("{:?}", o.side).to_lowercase(),
            o.symbol,
            qty,
            o.filled_qty.normalize(),
            dec(o.filled_avg_price),
            format!("{:?}", o.status).to_lowercase(),
            id,
            e.connection_name
        );
    }
    out
}

pub fn quotes(quotes: &[brokerdesk_model::Quote]) -> String {
    let mut out = format!(
        "{:<8} {:>12} {:>12} {:>12}\n",
        "Symbol", "Bid", "Ask", "Last"
    );
    for q in quotes {
        let _ = writeln!(
            out,
            "{:<8} {:>12} {:>12} {:>12}",
            q.symbol,
            dec(q.bid),
            dec(q.ask),
            dec(q.last)
        );
    }
    out
}

pub fn breaks(breaks: &[brokerdesk_model::ReconciliationBreak]) -> String {
    if breaks.is_empty() {
        return "Journal and brokers agree: no breaks.\n".into();
    }
    let mut out = String::new();
    for b in breaks {
        let _ = writeln!(
            out,
            "#{} {} {} {}: journal {} vs broker {} — {}{}",
            b.id,
            b.connection,
            b.account,
            b.symbol,
            b.expected_qty.normalize(),
            b.broker_qty.normalize(),
            b.cause,
            if b.still_present {
                ""
            } else {
                " (no longer seen)"
            }
        );
    }
    out
}

pub fn status(connections: &[ConnectionSummary]) -> String {
    let mut out = String::new();
    for c in connections {
        let latency = c
            .latency_ms
            .map(|ms| format!("{ms} ms"))
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            out,
            "{:<24} {:<5} {:<40} {:>8}  {}",
            c.display_name,
            mode(c.mode),
            c.status.to_string(),
            latency,
            c.id
        );
    }
    out
}
