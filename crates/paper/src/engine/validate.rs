//! Checks on an order's own fields, before the venue looks at the account or the market.

use rust_decimal::Decimal;

use super::fast_decimal::Sign;
use super::rejection::Rejection;
use super::types::{OrderRequest, OrderType, TimeInForce};

pub use super::limits::*;

/// The decimal places a price may have: whole cents at $1 and above, four below (Rule 612).
/// Orders are held to it, and the simulated tape and prices set by hand keep to it.
pub fn price_dp(price: Decimal) -> u32 {
    if price >= Decimal::ONE { 2 } else { 4 }
}

/// The smallest step of a price at `price`: a cent, or a hundredth of a cent below $1.
pub fn price_tick(price: Decimal) -> Decimal {
    Decimal::new(1, price_dp(price))
}

/// Whole cents at $1 and above, four decimals below (Rule 612).
pub fn check_increment(field: &str, price: Decimal) -> Result<(), Rejection> {
    let dp = price.normalize().scale();
    if dp > price_dp(price) {
        return Err(Rejection::SubPenny {
            field: field.to_owned(),
            price,
        });
    }
    Ok(())
}

fn invalid(msg: impl Into<String>) -> Rejection {
    Rejection::Invalid(msg.into())
}

/// `value`, if given, must be in (0, max]. Inline, with the error apart: six of these run
/// on every order, nearly all on `None` or a plain value.
#[inline]
pub(super) fn positive(
    field: &str,
    value: Option<Decimal>,
    max: Decimal,
) -> Result<Option<Decimal>, Rejection> {
    match value {
        Some(v) if !(v.gt0() && at_most(v, max)) => Err(out_of_range(field, v, max)),
        other => Ok(other),
    }
}

#[cold]
fn out_of_range(field: &str, v: Decimal, max: Decimal) -> Rejection {
    if v.gt0() {
        invalid(format!("{field} must be <= {max}"))
    } else {
        invalid(format!("{field} must be > 0"))
    }
}

pub fn validate(req: &OrderRequest) -> Result<(), Rejection> {
    // At most 128 bytes is at most 128 characters: most ids skip the UTF-8 walk.
    if req.client_order_id.len() > 128 && req.client_order_id.chars().count() > 128 {
        return Err(invalid("client_order_id must be at most 128 characters"));
    }
    let qty = positive("qty", req.qty, MAX_QTY)?;
    let notional = positive("notional", req.notional, MAX_NOTIONAL)?;
    positive("limit_price", req.limit_price, MAX_PRICE)?;
    positive("stop_price", req.stop_price, MAX_PRICE)?;
    positive("trail_price", req.trail_price, MAX_PRICE)?;
    positive("trail_percent", req.trail_percent, Decimal::ONE_HUNDRED)?;
    match (qty, notional) {
        (Some(_), Some(_)) => return Err(invalid("only one of qty or notional may be specified")),
        (None, None) => return Err(invalid("qty or notional is required")),
        _ => {}
    }
    let fractional = qty.is_some_and(|q| !is_whole(q));
    // Normalising only lowers the scale: most quantities need not be normalised at all.
    if let Some(q) = qty
        && q.scale() > MAX_QTY_DP
        && q.normalize().scale() > MAX_QTY_DP
    {
        return Err(invalid("qty must have at most 9 decimal places"));
    }
    if (fractional || notional.is_some())
        && (req.order_type != OrderType::Market || req.time_in_force != TimeInForce::Day)
    {
        return Err(invalid(
            "fractional orders must be market orders with time_in_force day",
        ));
    }
    let needs_limit = matches!(req.order_type, OrderType::Limit | OrderType::StopLimit);
    let needs_stop = matches!(req.order_type, OrderType::Stop | OrderType::StopLimit);
    match (needs_limit, req.limit_price) {
        (true, None) => return Err(invalid("limit_price is required")),
        (false, Some(_)) => return Err(invalid("limit_price is only allowed for limit orders")),
        _ => {}
    }
    match (needs_stop, req.stop_price) {
        (true, None) => return Err(invalid("stop_price is required")),
        (false, Some(_)) => return Err(invalid("stop_price is only allowed for stop orders")),
        _ => {}
    }
    if req.order_type == OrderType::TrailingStop {
        match (req.trail_price, req.trail_percent) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(invalid(
                    "exactly one of trail_price or trail_percent is required",
                ));
            }
            (_, Some(p)) if p >= Decimal::ONE_HUNDRED => {
                return Err(invalid("trail_percent must be below 100"));
            }
            _ => {}
        }
        if !matches!(req.time_in_force, TimeInForce::Day | TimeInForce::Gtc) {
            return Err(invalid("trailing stop orders must be day or gtc"));
        }
    } else if req.trail_price.is_some() || req.trail_percent.is_some() {
        return Err(invalid(
            "trail_price and trail_percent are only allowed for trailing_stop orders",
        ));
    }
    if let Some(p) = req.limit_price {
        check_increment("limit_price", p)?;
    }
    if let Some(p) = req.stop_price {
        check_increment("stop_price", p)?;
    }
    if let Some(p) = req.trail_price {
        check_increment("trail_price", p)?;
    }
    if matches!(
        req.time_in_force,
        TimeInForce::Opg | TimeInForce::Cls | TimeInForce::Ioc | TimeInForce::Fok
    ) && !matches!(req.order_type, OrderType::Market | OrderType::Limit)
    {
        return Err(invalid(
            format!(
                "time_in_force {:?} is only allowed for market and limit orders",
                req.time_in_force
            )
            .to_lowercase(),
        ));
    }
    if req.extended_hours
        && (req.order_type != OrderType::Limit || req.time_in_force != TimeInForce::Day)
    {
        return Err(invalid("extended hours order must be DAY limit orders"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn increments() {
        assert!(check_increment("limit_price", dec!(150.12)).is_ok());
        assert!(check_increment("limit_price", dec!(150.120)).is_ok());
        assert!(check_increment("limit_price", dec!(150.123)).is_err());
        assert!(check_increment("limit_price", dec!(0.1234)).is_ok());
        assert!(check_increment("limit_price", dec!(0.12345)).is_err());
        let err = check_increment("limit_price", dec!(1.001)).unwrap_err();
        assert_eq!(err.http_status(), 422);
        assert!(err.to_string().contains("sub-penny"));
    }
}
