//! `brokerdesk cancel ORDER_ID`: cancel an open order placed from Brokerdesk, found in the
//! journal by the broker's order id or by its client order id (both as `brokerdesk orders`
//! lists them).

use anyhow::bail;
use brokerdesk_model::BlotterEntry;
use brokerdesk_service::BrokerageService;

#[derive(Debug, clap::Args)]
pub struct CancelArgs {
    /// The order's id or client order id, as `brokerdesk orders` (or `orders --json`) lists it.
    pub order: String,
}

/// The one journal entry `wanted` names.
fn find<'a>(blotter: &'a [BlotterEntry], wanted: &str) -> anyhow::Result<&'a BlotterEntry> {
    let wanted = wanted.trim();
    let mut hits = blotter.iter().filter(|e| {
        e.order.id.as_str() == wanted
            || e.order
                .client_order_id
                .as_ref()
                .is_some_and(|c| c.as_str() == wanted)
    });
    match (hits.next(), hits.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => bail!("no order `{wanted}` in the journal; `brokerdesk orders` lists them"),
        (Some(_), Some(_)) => {
            bail!("`{wanted}` names more than one order; give the other id of the one you mean")
        }
    }
}

pub async fn cancel(
    service: &BrokerageService,
    args: CancelArgs,
    as_json: bool,
) -> anyhow::Result<String> {
    let blotter = service.blotter().await?;
    let entry = find(&blotter, &args.order)?;
    if !entry.order.status.is_open() {
        bail!(
            "order {} ({} {}) is already {}; nothing to cancel",
            entry.order.id,
            entry.order.symbol,
            format!("{:?}", entry.order.side).to_lowercase(),
            format!("{:?}", entry.order.status).to_lowercase()
        );
    }
    service
        .cancel_order(&entry.connection, &entry.account, &entry.order.id)
        .await?;
    // The journal as the broker now tells it (a fill may have beaten the cancel).
    let after = service.blotter().await?;
    let entry = find(&after, entry.order.id.as_str())?;
    Ok(if as_json {
        serde_json::to_string_pretty(entry)? + "\n"
    } else {
        crate::render::blotter(std::slice::from_ref(entry))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokerdesk_model::order::{Order, OrderSide, OrderStatus, OrderType, TimeInForce};
    use brokerdesk_model::{AccountId, ClientOrderId, ConnectionId, OrderId, Symbol, TradingMode};

    fn entry(id: &str, client: &str) -> BlotterEntry {
        BlotterEntry {
            connection: ConnectionId::new("paper-local"),
            connection_name: "Paper (local)".into(),
            mode: TradingMode::Paper,
            currency: None,
            account: AccountId::new("a"),
            order: Order {
                id: OrderId::new(id),
                client_order_id: Some(ClientOrderId::new(client)),
                symbol: Symbol::new("AAPL"),
                side: OrderSide::Buy,
                order_type: OrderType::Limit,
                time_in_force: TimeInForce::Day,
                quantity: None,
                filled_qty: Default::default(),
                filled_avg_price: None,
                limit_price: None,
                stop_price: None,
                status: OrderStatus::New,
                created_at: None,
                updated_at: None,
            },
            submitted_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn an_order_is_found_by_either_id_and_only_when_unambiguous() {
        let blotter = [entry("o-1", "bd-1"), entry("o-2", "bd-2")];
        assert_eq!(find(&blotter, "o-2").unwrap().order.id.as_str(), "o-2");
        assert_eq!(find(&blotter, " bd-1 ").unwrap().order.id.as_str(), "o-1");
        assert!(
            find(&blotter, "o-3")
                .unwrap_err()
                .to_string()
                .contains("no order")
        );
        let clash = [entry("x", "bd-1"), entry("bd-1", "bd-9")];
        assert!(
            find(&clash, "bd-1")
                .unwrap_err()
                .to_string()
                .contains("more than one")
        );
    }
}
