//! `brokerdesk activity`: every connection's money movements, newest first, read fresh from
//! each connection that reports them; as a table, as JSON (`--json`) or into a CSV file.

use anyhow::Context;
use brokerdesk_model::{AccountId, ActivityFilter, ActivityKind, ActivityList};
use brokerdesk_service::BrokerageService;
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ActivityArgs {
    /// Only this account (its id, as `brokerdesk accounts` lists it); may be repeated.
    #[arg(long = "account", value_name = "ID")]
    accounts: Vec<String>,
    /// From this date (YYYY-MM-DD, UTC) or time (RFC 3339) on.
    #[arg(long, value_parser = parse_since)]
    since: Option<DateTime<Utc>>,
    /// Only this kind (fill, dividend, interest, fee, transfer, payment, payout, refund,
    /// other); may be repeated.
    #[arg(long = "kind", value_parser = parse_kind)]
    kinds: Vec<ActivityKind>,
    /// Rows shown (the newest); `--csv` writes them all.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Write every matching movement to this CSV file instead.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("bad date {s:?}: use YYYY-MM-DD or an RFC 3339 time"))
}

fn parse_kind(s: &str) -> Result<ActivityKind, String> {
    s.parse()
}

pub async fn run(
    service: &BrokerageService,
    args: ActivityArgs,
    as_json: bool,
) -> anyhow::Result<String> {
    // Read what is new first; a connection that fails is said, the others still list.
    for failed in service.sync_activity().await? {
        eprintln!(
            "brokerdesk: warning: the activity of {} could not be read: {}",
            failed.connection_name, failed.message
        );
    }
    let filter = ActivityFilter {
        accounts: args.accounts.into_iter().map(AccountId::new).collect(),
        kinds: args.kinds,
        since: args.since,
        ..ActivityFilter::default()
    };
    if let Some(file) = args.csv {
        let file =
            std::path::absolute(&file).with_context(|| format!("bad path {}", file.display()))?;
        let (path, rows) = service.export_activity_csv(filter, Some(file)).await?;
        return Ok(if as_json {
            serde_json::to_string_pretty(&serde_json::json!({
                "path": path.display().to_string(),
                "rows": rows,
            }))? + "\n"
        } else {
            format!("{rows} movements written to {}\n", path.display())
        });
    }
    let list = service.activity(filter, None, Some(args.limit)).await?;
    Ok(if as_json {
        serde_json::to_string_pretty(&list)? + "\n"
    } else {
        table(&list)
    })
}

/// Vendor text is shown on one line, as data.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn table(list: &ActivityList) -> String {
    if list.rows.is_empty() {
        return "No activity.\n".into();
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20}  {:<24}  {:<9}  {:>16} {:<4}  {:<9}  DESCRIPTION",
        "TIME (UTC)", "ACCOUNT", "KIND", "AMOUNT", "", "STATUS"
    );
    for row in &list.rows {
        let e = &row.entry;
        let text = [e.description.as_deref(), e.counterparty.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / ");
        let _ = writeln!(
            out,
            "{:<20}  {:<24}  {:<9}  {:>16} {:<4}  {:<9}  {}",
            e.time.format("%Y-%m-%d %H:%M:%S"),
            one_line(&format!("{} {}", row.connection_name, e.account_id)),
            e.kind.as_str(),
            e.amount,
            one_line(&e.currency),
            e.status.as_str(),
            one_line(&text),
        );
    }
    let _ = writeln!(out, "{} of {} shown", list.rows.len(), list.total);
    out
}
