//! A payment account seen as a portfolio, so that it shows on the Accounts page beside the
//! brokerage accounts: one account per payment account, its money as cash, and no positions
//! (a payment account holds no securities). Payment vendors' descriptors offer it as their
//! `portfolio` next to their `payments`.

use crate::types::PaymentBalance;
use crate::vendor::PaymentAccounts;
use crate::{ConnectorError, Portfolio};
use async_trait::async_trait;
use brokerdesk_model::{AccountId, Balances, Position};
use rust_decimal::Decimal;
use std::sync::Arc;

/// `Portfolio` over a payment connector.
pub struct PaymentPortfolio<P>(pub Arc<P>);

/// The balance shown for a payment account: the USD balance when the account holds dollars,
/// else the first currency the vendor lists (PayPal lists the primary one first; Stripe its
/// default currency). Other currencies are not converted or summed: there is no honest rate
/// to do it with here. `cash` is what is available now, `buying_power` the same (a payment
/// account buys nothing on credit), `equity` available plus pending (money on its way in,
/// or held). An account that reports no currency at all holds nothing: zero USD.
pub fn balances_of(payment: &[PaymentBalance]) -> Balances {
    let chosen = payment
        .iter()
        .find(|b| b.currency.eq_ignore_ascii_case("USD"))
        .or_else(|| payment.first());
    match chosen {
        Some(b) => Balances {
            currency: b.currency.to_ascii_uppercase(),
            cash: b.available,
            buying_power: b.available,
            equity: b.available + b.pending,
        },
        None => Balances {
            currency: "USD".into(),
            cash: Decimal::ZERO,
            buying_power: Decimal::ZERO,
            equity: Decimal::ZERO,
        },
    }
}

#[async_trait]
impl<P: PaymentAccounts + 'static> Portfolio for PaymentPortfolio<P> {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        self.0.payment_accounts().await
    }

    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        Ok(balances_of(&self.0.payment_balances(account).await?))
    }

    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        // The same answer as every other portfolio for an account it does not have.
        if self.0.payment_accounts().await?.contains(account) {
            Ok(Vec::new())
        } else {
            Err(ConnectorError::UnknownAccount(account.clone()))
        }
    }
}

/// What a payment account can show: its balance and activity as the vendor says, and no
/// securities.
pub fn payment_capabilities(
    balances: brokerdesk_model::catalog::Capability,
    transactions: brokerdesk_model::catalog::Capability,
) -> brokerdesk_model::catalog::Capabilities {
    use brokerdesk_model::catalog::Capability;
    const NONE: &str = "A payment account holds no securities.";
    brokerdesk_model::catalog::Capabilities {
        balances,
        positions: Capability::no(NONE),
        quotes: Capability::no(NONE),
        trading: Capability::no(NONE),
        transactions,
    }
}

/// The capabilities of a payment connector: its payments, its accounts as a portfolio, and
/// its transactions as the accounts' activity.
pub fn payment_connection<P: PaymentAccounts + crate::AccountActivity + 'static>(
    connector: Arc<P>,
    latency: Option<crate::vendor::LatencyProbe>,
) -> crate::vendor::Capabilities {
    crate::vendor::Capabilities {
        portfolio: Some(Arc::new(PaymentPortfolio(Arc::clone(&connector))) as Arc<dyn Portfolio>),
        activity: Some(Arc::clone(&connector) as Arc<dyn crate::AccountActivity>),
        payments: Some(connector as Arc<dyn PaymentAccounts>),
        latency,
        ..crate::vendor::Capabilities::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn b(currency: &str, available: Decimal, pending: Decimal) -> PaymentBalance {
        PaymentBalance {
            currency: currency.into(),
            available,
            pending,
        }
    }

    #[test]
    fn usd_wins_else_the_first_currency_and_pending_counts_in_equity_only() {
        let usd = balances_of(&[
            b("EUR", dec!(5), dec!(0)),
            b("USD", dec!(998.03), dec!(23.50)),
        ]);
        assert_eq!(usd.currency, "USD");
        assert_eq!((usd.cash, usd.buying_power), (dec!(998.03), dec!(998.03)));
        assert_eq!(usd.equity, dec!(1021.53));

        let jpy = balances_of(&[
            b("jpy", dec!(12500), dec!(-100)),
            b("EUR", dec!(1), dec!(0)),
        ]);
        assert_eq!((jpy.currency.as_str(), jpy.cash), ("JPY", dec!(12500)));
        assert_eq!(
            jpy.equity,
            dec!(12400),
            "negative pending (refunds) lowers equity"
        );

        let none = balances_of(&[]);
        assert_eq!((none.currency.as_str(), none.cash), ("USD", Decimal::ZERO));
    }
}
