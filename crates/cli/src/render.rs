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
        mode(account.connection.mode)
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
