//! Alpaca's portfolio history (`GET /v2/account/portfolio/history`) as daily equity: the
//! net worth chart's back-fill.

use super::adapter::AlpacaConnector;
use crate::ConnectorError;
use crate::capability::EquityHistory;
use async_trait::async_trait;
use brokerdesk_model::AccountId;
use brokerdesk_model::net_worth::EquityPoint;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// The `period` covering the days from `since` to `now`: days up to a month, then months up to
/// a year, then years (`A`), always rounded up (a longer period only adds older days, which
/// the caller drops).
pub fn period(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let days = (now.date_naive() - since.date_naive()).num_days().max(0) + 1;
    if days <= 30 {
        format!("{days}D")
    } else if days <= 365 {
        format!("{}M", (days + 29) / 30)
    } else {
        format!("{}A", (days + 364) / 365)
    }
}

#[async_trait]
impl EquityHistory for AlpacaConnector {
    /// Daily bars (`timeframe=1D`). Alpaca reports zero equity for the days before the account
    /// was funded: those leading zeros are not history and are left out, as are missing figures.
    async fn equity_history(
        &self,
        account: &AccountId,
        since: DateTime<Utc>,
    ) -> Result<Vec<EquityPoint>, ConnectorError> {
        self.check(account).await?;
        let history = self
            .portfolio_history(Some(&period(since, Utc::now())), Some("1D"))
            .await?;
        let since_day = since.date_naive();
        Ok(history
            .points
            .into_iter()
            .filter(|p| p.timestamp.date_naive() >= since_day)
            .filter_map(|p| {
                p.equity.map(|equity| EquityPoint {
                    time: p.timestamp,
                    equity,
                })
            })
            .skip_while(|p| p.equity == Decimal::ZERO)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_period_covers_the_whole_gap_in_the_coarsest_unit_that_fits() {
        let now = day("2026-12-04T15:00:00Z");
        assert_eq!(period(day("2026-12-04T01:00:00Z"), now), "1D");
        assert_eq!(period(day("2026-11-28T23:00:00Z"), now), "7D");
        assert_eq!(period(day("2026-09-01T00:00:00Z"), now), "4M");
        assert_eq!(period(day("2021-12-04T00:00:00Z"), now), "6A");
        assert_eq!(
            period(now, day("2026-01-01T00:00:00Z")),
            "1D",
            "never negative"
        );
    }
}
