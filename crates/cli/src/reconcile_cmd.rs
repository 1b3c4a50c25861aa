//! `brokerdesk reconcile accept …`: take the broker's figures for a break, as the app's
//! "Accept broker figures" does (the symbol's baseline is reset to what the broker holds).

use anyhow::bail;
use brokerdesk_model::ReconciliationBreak;
use brokerdesk_service::BrokerageService;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum ReconcileCommand {
    /// Accept the broker's figures: for one break by its id (`#7` or `7`, as `reconcile`
    /// lists it), or for every break of CONNECTION ACCOUNT SYMBOL.
    Accept {
        /// A break id, or a connection id followed by ACCOUNT and SYMBOL.
        target: String,
        #[arg(requires = "symbol")]
        account: Option<String>,
        symbol: Option<String>,
    },
}

/// The open breaks `cmd` names; never none.
fn chosen(
    open: &[ReconciliationBreak],
    target: &str,
    account: Option<&str>,
    symbol: Option<&str>,
) -> anyhow::Result<Vec<i64>> {
    let ids: Vec<i64> = match (account, symbol) {
        (Some(account), Some(symbol)) => open
            .iter()
            .filter(|b| {
                b.connection.as_str() == target
                    && b.account.as_str() == account
                    && b.symbol.as_str().eq_ignore_ascii_case(symbol)
            })
            .map(|b| b.id)
            .collect(),
        _ => {
            let Ok(id) = target.trim_start_matches('#').parse::<i64>() else {
                bail!(
                    "`{target}` is not a break id; give an id such as 7, or CONNECTION ACCOUNT \
                     SYMBOL"
                );
            };
            open.iter().filter(|b| b.id == id).map(|b| b.id).collect()
        }
    };
    if ids.is_empty() {
        bail!(
            "no open break matches; `brokerdesk reconcile` lists them ({} open)",
            open.len()
        );
    }
    Ok(ids)
}

pub async fn run(
    service: &BrokerageService,
    cmd: Option<ReconcileCommand>,
    as_json: bool,
) -> anyhow::Result<String> {
    let Some(ReconcileCommand::Accept {
        target,
        account,
        symbol,
    }) = cmd
    else {
        return crate::trade_cmd::reconcile(service, as_json).await;
    };
    let open = service.open_breaks()?;
    let ids = chosen(&open, &target, account.as_deref(), symbol.as_deref())?;
    let mut remaining = open.clone();
    for id in &ids {
        remaining = service.resolve_break(*id)?;
    }
    Ok(if as_json {
        serde_json::to_string_pretty(&remaining)? + "\n"
    } else {
        let accepted: Vec<String> = open
            .iter()
            .filter(|b| ids.contains(&b.id))
            .map(|b| {
                format!(
                    "#{} {} {} {} (broker {})",
                    b.id,
                    b.connection,
                    b.account,
                    b.symbol,
                    b.broker_qty.normalize()
                )
            })
            .collect();
        format!(
            "Accepted the broker's figures for {}.\n{}",
            accepted.join(", "),
            crate::render::breaks(&remaining)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokerdesk_model::reconcile::BreakKind;
    use brokerdesk_model::{AccountId, ConnectionId, Symbol};

    fn brk(id: i64, symbol: &str) -> ReconciliationBreak {
        ReconciliationBreak {
            id,
            connection: ConnectionId::new("c1"),
            account: AccountId::new("A1"),
            symbol: Symbol::new(symbol),
            kind: BreakKind::Quantity,
            expected_qty: 0.into(),
            broker_qty: 3.into(),
            expected_avg_cost: None,
            broker_avg_cost: None,
            cause: String::new(),
            detected_at: chrono::Utc::now(),
            still_present: true,
        }
    }

    #[test]
    fn breaks_are_chosen_by_id_or_by_connection_account_and_symbol() {
        let open = [brk(4, "AAPL"), brk(5, "MSFT"), brk(6, "AAPL")];
        assert_eq!(chosen(&open, "#5", None, None).unwrap(), [5]);
        assert_eq!(chosen(&open, "4", None, None).unwrap(), [4]);
        assert_eq!(
            chosen(&open, "c1", Some("A1"), Some("aapl")).unwrap(),
            [4, 6]
        );
        assert!(chosen(&open, "9", None, None).is_err());
        assert!(chosen(&open, "c2", Some("A1"), Some("AAPL")).is_err());
        assert!(
            chosen(&open, "c1", None, None)
                .unwrap_err()
                .to_string()
                .contains("not a break id")
        );
    }
}
