//! Reference exchange rates for totals in the user's base currency: the European Central
//! Bank's euro reference rates (`eurofxref-daily.xml`: free, no key, one file a working day),
//! fetched at most once a day and kept in `<data dir>/fx-rates.json` with their date, so a
//! restart or a day offline still has the last rates (shown with their date).
//!
//! The UI asks only when its accounts hold more than one currency: a user whose money is all
//! in one currency never makes this request.

use brokerdesk_model::fx::{FxRates, FxRatesReply};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use crate::config::ECB_DAILY_URL;
/// How the source is named next to a converted total.
pub const ECB_SOURCE: &str = "European Central Bank euro reference rates";
/// Rates fetched less than this long ago are not fetched again.
pub(crate) const FRESH_FOR: Duration = Duration::hours(24);
/// After a failed fetch, the next try waits this long (no request on every page view).
pub(crate) const RETRY_AFTER: Duration = Duration::hours(1);
/// The ECB's file is about 2 kB; anything far larger is not it.
pub(crate) const MAX_BYTES: usize = 256 * 1024;

/// The file kept in the data dir.
#[derive(Serialize, Deserialize)]
pub(crate) struct Cached {
    pub(crate) fetched_at: DateTime<Utc>,
    pub(crate) rates: FxRates,
}

/// The rates' cache and the one fetch at a time.
pub(crate) struct FxState {
    pub(crate) path: PathBuf,
    /// `None`: never fetch (tests, or `BROKERDESK_FX_RATES=off`).
    pub(crate) url: Option<String>,
    /// The last failed attempt and why, so a failure is said and not retried at once.
    pub(crate) last_failure: tokio::sync::Mutex<Option<(DateTime<Utc>, String)>>,
}

impl FxState {
    pub(crate) fn new(data_dir: &Path, url: Option<String>) -> Self {
        Self {
            path: data_dir.join("fx-rates.json"),
            url,
            last_failure: tokio::sync::Mutex::new(None),
        }
    }

    pub(crate) fn load(&self) -> Result<Option<Cached>, String> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                format!(
                    "the saved rates in {} are unreadable: {e}",
                    self.path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("reading {}: {e}", self.path.display())),
        }
    }

    /// The rates, fetched first when the saved ones are a day old (or missing).
    pub(crate) async fn get(&self, now: DateTime<Utc>) -> FxRatesReply {
        let mut failure = self.last_failure.lock().await;
        let (cached, mut problem) = match self.load() {
            Ok(c) => (c, None),
            Err(why) => (None, Some(why)),
        };
        if let Some(c) = &cached
            && now - c.fetched_at < FRESH_FOR
        {
            return FxRatesReply {
                rates: Some(c.rates.clone()),
                problem,
            };
        }
        let Some(url) = &self.url else {
            return FxRatesReply {
                rates: cached.map(|c| c.rates),
                problem: Some("fetching exchange rates is turned off".into()),
            };
        };
        if let Some((at, why)) = failure.as_ref()
            && now - *at < RETRY_AFTER
        {
            return FxRatesReply {
                rates: cached.map(|c| c.rates),
                problem: Some(why.clone()),
            };
        }
        match fetch(url).await {
            Ok(rates) => {
                *failure = None;
                let saved = Cached {
                    fetched_at: now,
                    rates: rates.clone(),
                };
                match serde_json::to_vec_pretty(&saved) {
                    Ok(json) => {
                        if let Err(e) = crate::atomic_file::write(&self.path, &json) {
                            problem = Some(format!("the rates could not be saved: {e}"));
                        }
                    }
                    Err(e) => problem = Some(format!("the rates could not be saved: {e}")),
                }
                FxRatesReply {
                    rates: Some(rates),
                    problem,
                }
            }
            Err(why) => {
                tracing::warn!(error = %why, "exchange rates");
                *failure = Some((now, why.clone()));
                FxRatesReply {
                    rates: cached.map(|c| c.rates),
                    problem: Some(why),
                }
            }
        }
    }
}

pub(crate) async fn fetch(url: &str) -> Result<FxRates, String> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| format!("the exchange rates could not be fetched: {e}"))?;
    let reply = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("the exchange rates could not be fetched: {e}"))?;
    if !reply.status().is_success() {
        return Err(format!(
            "the exchange rates could not be fetched: the server answered {}",
            reply.status()
        ));
    }
    let body = reply
        .bytes()
        .await
        .map_err(|e| format!("the exchange rates could not be fetched: {e}"))?;
    if body.len() > MAX_BYTES {
        return Err("the exchange rates file is far larger than expected".into());
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| "the exchange rates file is not text".to_string())?;
    parse_ecb(text)
}

/// Reads the ECB's `eurofxref-daily.xml`: the `Cube time='…'` date and each
/// `Cube currency='…' rate='…'` (units per 1 EUR). Refuses a file without a date or rates, a
/// rate that is not a positive decimal and a code that is not three capital letters.
pub fn parse_ecb(xml: &str) -> Result<FxRates, String> {
    use quick_xml::events::Event;
    let bad = |why: String| format!("the exchange rates file is not the ECB's format: {why}");
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut date: Option<NaiveDate> = None;
    let mut rates = std::collections::BTreeMap::new();
    loop {
        match reader.read_event().map_err(|e| bad(e.to_string()))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Cube" => {
                let (mut currency, mut rate, mut time) = (None, None, None);
                for attr in e.attributes() {
                    let attr = attr.map_err(|e| bad(e.to_string()))?;
                    let value = attr.value.to_string();
                    match attr.key.local_name().as_ref() {
                        "currency" => currency = Some(value),
                        "rate" => rate = Some(value),
                        "time" => time = Some(value),
                        _ => {}
                    }
                }
                if let Some(t) = time {
                    date = Some(
                        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                            .map_err(|_| bad(format!("the date {t:?}")))?,
                    );
                }
                match (currency, rate) {
                    (Some(code), Some(rate)) => {
                        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
                            return Err(bad(format!("the currency {code:?}")));
                        }
                        let value = Decimal::from_str(&rate)
                            .ok()
                            .filter(|r| *r > Decimal::ZERO)
                            .ok_or_else(|| bad(format!("the rate {rate:?} for {code}")))?;
                        rates.insert(code, value);
                    }
                    (None, None) => {}
                    _ => return Err(bad("a rate without its currency, or the reverse".into())),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let date = date.ok_or_else(|| bad("no date".into()))?;
    if rates.is_empty() {
        return Err(bad("no rates".into()));
    }
    Ok(FxRates {
        anchor: "EUR".into(),
        date,
        source: ECB_SOURCE.into(),
        rates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    pub(crate) fn recorded() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/ecb/eurofxref-daily.xml"
        ))
        .unwrap()
    }

    #[test]
    pub(crate) fn the_recorded_file_reads_exactly() {
        let r = parse_ecb(&recorded()).unwrap();
        assert_eq!(r.anchor, "EUR");
        assert_eq!(r.date, NaiveDate::from_ymd_opt(2024, 6, 28).unwrap());
        assert_eq!(r.rates.len(), 30);
        assert_eq!(r.rates["USD"], dec!(1.0705));
        assert_eq!(r.rates["JPY"], dec!(171.94));
        assert_eq!(r.rates["GBP"], dec!(0.84638));
        assert_eq!(r.source, ECB_SOURCE);
    }

    #[test]
    pub(crate) fn a_file_that_is_not_the_ecbs_is_refused() {
        for bad in [
            "",
            "<html><body>Service unavailable</body></html>",
            "<Cube><Cube time='2024-06-28'></Cube></Cube>",
            "<Cube><Cube currency='USD' rate='1.07'/></Cube>",
            "<Cube time='2024-06-28'><Cube currency='USD' rate='-1'/></Cube>",
            "<Cube time='2024-06-28'><Cube currency='usd' rate='1'/></Cube>",
            "<Cube time='28/06/2024'><Cube currency='USD' rate='1'/></Cube>",
            "<Cube time='2024-06-28'><Cube currency='USD'/></Cube>",
        ] {
            assert!(parse_ecb(bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    pub(crate) async fn fetched_once_a_day_then_served_from_the_data_dir() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/stats/eurofxref/eurofxref-daily.xml"))
            .respond_with(ResponseTemplate::new(200).set_body_string(recorded()))
            .expect(2)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("{}/stats/eurofxref/eurofxref-daily.xml", server.uri());
        let fx = FxState::new(dir.path(), Some(url.clone()));
        let now = Utc::now();
        let first = fx.get(now).await;
        assert_eq!(first.problem, None);
        assert_eq!(first.rates.as_ref().unwrap().rates["USD"], dec!(1.0705));
        // Within the day: no second request, from this state or a new one (a restart).
        assert_eq!(fx.get(now + Duration::hours(23)).await, first);
        let restarted = FxState::new(dir.path(), Some(url));
        assert_eq!(restarted.get(now + Duration::hours(1)).await, first);
        // A day later: fetched again (the second of the two expected requests).
        assert_eq!(fx.get(now + Duration::hours(25)).await, first);
    }

    #[tokio::test]
    pub(crate) async fn a_failed_fetch_keeps_the_last_rates_and_says_why() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(503))
            .expect(1)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let old = Cached {
            fetched_at: Utc::now() - Duration::days(3),
            rates: parse_ecb(&recorded()).unwrap(),
        };
        std::fs::write(
            dir.path().join("fx-rates.json"),
            serde_json::to_vec(&old).unwrap(),
        )
        .unwrap();
        let fx = FxState::new(dir.path(), Some(server.uri()));
        let reply = fx.get(Utc::now()).await;
        assert_eq!(reply.rates, Some(old.rates.clone()));
        assert!(
            reply.problem.as_deref().unwrap().contains("503"),
            "{reply:?}"
        );
        // Not asked again straight away (the mock expects one request).
        let again = fx.get(Utc::now() + Duration::minutes(5)).await;
        assert_eq!(again.rates, Some(old.rates));
        // Without a URL nothing is fetched and nothing invented.
        let off = FxState::new(tempfile::tempdir().unwrap().path(), None)
            .get(Utc::now())
            .await;
        assert_eq!(off.rates, None);
        assert!(off.problem.is_some());
    }
}
