//! A payment account (Stripe, Square, PayPal) seen as a portfolio, so that it shows on the
//! Accounts page beside the brokerage accounts: one account per payment account, its money as
//! cash, and no positions (a payment account holds no securities).

use async_trait::async_trait;
use brokerdesk_connectors::paypal::PayPalConnector;
use brokerdesk_connectors::square::SquareConnector;
use brokerdesk_connectors::stripe::StripeConnector;
use brokerdesk_connectors::types::PaymentBalance;
use brokerdesk_connectors::{ConnectorError, Payments, Portfolio};
use brokerdesk_model::{AccountId, Balances, Position};
use rust_decimal::Decimal;
use std::sync::Arc;

/// The payment accounts a credential reads. `Payments` has no list of its own: each vendor
/// names its accounts differently (Stripe: the key's own or a Connect account; Square: the
/// seller's locations; PayPal: the one account of the REST app).
#[async_trait]
pub trait PaymentAccounts: Payments {
    async fn payment_accounts(&self) -> Result<Vec<AccountId>, ConnectorError>;
}

#[async_trait]
impl PaymentAccounts for StripeConnector {
    async fn payment_accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(vec![self.account().clone()])
    }
}

#[async_trait]
impl PaymentAccounts for SquareConnector {
    async fn payment_accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        self.accounts().await
    }
}

#[async_trait]
impl PaymentAccounts for PayPalConnector {
    async fn payment_accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        self.accounts().await
    }
}

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
