//! The body of `POST /v2/orders` and how it becomes an engine request: the fields Alpaca
//! takes, and `order_class` with its `take_profit` / `stop_loss` turned into a typed class
//! (a bracket has both exits, OTO exactly one), with Alpaca's 422 when a part is missing.

use brokerdesk_model::{AccountId, Symbol};
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::ApiError;
use crate::engine::{
    ClassRequest, Exit, OrderRequest, OrderType, Side, StopLoss, TakeProfit, TimeInForce,
};

#[derive(Deserialize)]
pub(crate) struct TakeProfitBody {
    limit_price: Option<Decimal>,
}

#[derive(Deserialize)]
pub(crate) struct StopLossBody {
    stop_price: Option<Decimal>,
    limit_price: Option<Decimal>,
}

#[derive(Deserialize)]
pub(crate) struct OrderBody {
    symbol: String,
    qty: Option<Decimal>,
    notional: Option<Decimal>,
    side: Side,
    #[serde(rename = "type", alias = "order_type")]
    order_type: OrderType,
    time_in_force: TimeInForce,
    limit_price: Option<Decimal>,
    stop_price: Option<Decimal>,
    trail_price: Option<Decimal>,
    trail_percent: Option<Decimal>,
    extended_hours: Option<bool>,
    client_order_id: Option<String>,
    order_class: Option<String>,
    take_profit: Option<TakeProfitBody>,
    stop_loss: Option<StopLossBody>,
}

fn take_profit(body: Option<&TakeProfitBody>) -> Result<Option<TakeProfit>, ApiError> {
    match body {
        None => Ok(None),
        Some(TakeProfitBody {
            limit_price: Some(limit_price),
        }) => Ok(Some(TakeProfit {
            limit_price: *limit_price,
        })),
        Some(_) => Err(ApiError::unprocessable(
            "take_profit.limit_price is required",
        )),
    }
}

fn stop_loss(body: Option<&StopLossBody>) -> Result<Option<StopLoss>, ApiError> {
    match body {
        None => Ok(None),
        Some(StopLossBody {
            stop_price: Some(stop_price),
            limit_price,
        }) => Ok(Some(StopLoss {
            stop_price: *stop_price,
            limit_price: *limit_price,
        })),
        Some(_) => Err(ApiError::unprocessable("stop_loss.stop_price is required")),
    }
}

impl OrderBody {
    /// The class and its exits, or Alpaca's 422 for a class that lacks a part or has one too
    /// many.
    fn class(&self) -> Result<ClassRequest, ApiError> {
        let tp = take_profit(self.take_profit.as_ref())?;
        let sl = stop_loss(self.stop_loss.as_ref())?;
        let both = |class: &str| match (tp, sl) {
            (Some(take_profit), Some(stop_loss)) => Ok((take_profit, stop_loss)),
            _ => Err(ApiError::unprocessable(format!(
                "{class} orders require take_profit and stop_loss"
            ))),
        };
        match self.order_class.as_deref() {
            None | Some("") | Some("simple") => match (tp, sl) {
                (None, None) => Ok(ClassRequest::Simple),
                _ => Err(ApiError::unprocessable(
                    "take_profit and stop_loss are only allowed for bracket, oco and oto orders",
                )),
            },
            Some("bracket") => {
                let (take_profit, stop_loss) = both("bracket")?;
                Ok(ClassRequest::Bracket {
                    take_profit,
                    stop_loss,
                })
            }
            Some("oco") => {
                let (take_profit, stop_loss) = both("oco")?;
                Ok(ClassRequest::Oco {
                    take_profit,
                    stop_loss,
                })
            }
            Some("oto") => match (tp, sl) {
                (Some(tp), None) => Ok(ClassRequest::Oto {
                    exit: Exit::TakeProfit(tp),
                }),
                (None, Some(sl)) => Ok(ClassRequest::Oto {
                    exit: Exit::StopLoss(sl),
                }),
                (Some(_), Some(_)) => Err(ApiError::unprocessable(
                    "oto orders take one of take_profit or stop_loss, not both",
                )),
                (None, None) => Err(ApiError::unprocessable(
                    "oto orders require take_profit or stop_loss",
                )),
            },
            Some(other) => Err(ApiError::unprocessable(format!(
                "invalid order_class: {other}"
            ))),
        }
    }

    /// The engine's request; `id` and a client order id the edge minted.
    pub(crate) fn into_request(
        self,
        account: AccountId,
        id: Uuid,
        client_order_id: impl FnOnce() -> String,
    ) -> Result<OrderRequest, ApiError> {
        let class = self.class()?;
        // An OCO is a limit order at its take-profit: Alpaca's clients send no limit_price.
        let limit_price = match &class {
            ClassRequest::Oco { take_profit, .. } if self.limit_price.is_none() => {
                Some(take_profit.limit_price)
            }
            _ => self.limit_price,
        };
        Ok(OrderRequest {
            account,
            id,
            client_order_id: self.client_order_id.unwrap_or_else(client_order_id),
            symbol: Symbol::new(&self.symbol),
            side: self.side,
            order_type: self.order_type,
            time_in_force: self.time_in_force,
            qty: self.qty,
            notional: self.notional,
            limit_price,
            stop_price: self.stop_price,
            trail_price: self.trail_price,
            trail_percent: self.trail_percent,
            extended_hours: self.extended_hours.unwrap_or(false),
            class,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> OrderBody {
        serde_json::from_str(json).unwrap()
    }

    const BASE: &str =
        r#""symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day""#;

    #[test]
    fn classes_carry_exactly_their_exits() {
        let b = body(&format!(
            r#"{{{BASE},"order_class":"bracket","take_profit":{{"limit_price":"110"}},"stop_loss":{{"stop_price":"90","limit_price":"89"}}}}"#
        ));
        assert!(matches!(
            b.class().unwrap(),
            ClassRequest::Bracket {
                stop_loss: StopLoss {
                    limit_price: Some(_),
                    ..
                },
                ..
            }
        ));
        let missing = body(&format!(
            r#"{{{BASE},"order_class":"bracket","take_profit":{{"limit_price":"110"}}}}"#
        ));
        let err = missing.class().unwrap_err();
        assert_eq!(err.status.as_u16(), 422);
        let oto_both = body(&format!(
            r#"{{{BASE},"order_class":"oto","take_profit":{{"limit_price":"110"}},"stop_loss":{{"stop_price":"90"}}}}"#
        ));
        assert!(oto_both.class().is_err());
        let oto = body(&format!(
            r#"{{{BASE},"order_class":"oto","stop_loss":{{"stop_price":"90"}}}}"#
        ));
        assert!(matches!(
            oto.class().unwrap(),
            ClassRequest::Oto {
                exit: Exit::StopLoss(_)
            }
        ));
        let simple_with_exit = body(&format!(
            r#"{{{BASE},"take_profit":{{"limit_price":"110"}}}}"#
        ));
        assert!(simple_with_exit.class().is_err());
        assert!(
            body(&format!(r#"{{{BASE},"order_class":"mleg"}}"#))
                .class()
                .is_err()
        );
        let no_stop = body(&format!(
            r#"{{{BASE},"order_class":"bracket","take_profit":{{"limit_price":"110"}},"stop_loss":{{"limit_price":"89"}}}}"#
        ));
        assert!(no_stop.class().is_err());
    }

    #[test]
    fn an_oco_without_limit_price_takes_its_take_profit() {
        let b = body(
            r#"{"symbol":"AAPL","qty":"1","side":"sell","type":"limit","time_in_force":"gtc","order_class":"oco","take_profit":{"limit_price":"110"},"stop_loss":{"stop_price":"90"}}"#,
        );
        let req = b
            .into_request(AccountId::new("A"), Uuid::nil(), || "c".into())
            .unwrap();
        assert_eq!(req.limit_price, Some(Decimal::from(110)));
    }
}
