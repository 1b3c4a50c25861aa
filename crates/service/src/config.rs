//! Where the service keeps its data, and how the local sandbox starts.

use crate::error::ServiceError;
use brokerdesk_paper::SandboxCredentials;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Where the rates come from unless the configuration says otherwise.
pub const ECB_DAILY_URL: &str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml";

#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Journals, the vault and settings live here.
    pub data_dir: PathBuf,
    /// Cash of a new local paper account (Alpaca's paper default: $100,000).
    pub paper_starting_cash: Decimal,
    /// Lock the vault after this long without user activity; `None` never.
    pub auto_lock: Option<Duration>,
    /// Where the local sandbox serves its Alpaca API (loopback only; a taken port falls back
    /// to any free one).
    pub sandbox_addr: SocketAddr,
    /// The key pair the local sandbox accepts. `None` (the default): the per-install pair in
    /// `<data dir>/paper/credentials.json`, made on first use. Set in code only (tests that
    /// need a fixed key), never from the environment or over IPC.
    pub sandbox_credentials: Option<SandboxCredentials>,
    /// How often the supervisor re-reads a connection that has no streams (balances and
    /// positions). A connection with streams is never re-read on a timer: fills and
    /// reconnects trigger its reads.
    pub refresh_every: Duration,
    /// How often the supervisor asks for the watched quotes of a connection that has market
    /// data but no quote stream.
    pub quote_poll_every: Duration,
    /// Whether the supervisor polls over REST at all (`BROKERDESK_REST_POLLING=off` turns it
    /// off: then only streams, and what the user asks for, move the page).
    pub rest_polling: bool,
    /// Vendor id → base URL to reach a key-connected vendor (`stripe`, `square`, `paypal`,
    /// `snaptrade` — with its `/api/v1` prefix —, `plaid`, `alpaca`) instead of its own URL:
    /// for tests and proxies. Set in code only, never from the environment or over IPC, so
    /// nothing outside the process can send a user's keys elsewhere. Empty by default.
    pub key_vendor_urls: BTreeMap<String, String>,
    /// Where the local sandbox's prices come from: the seeded simulation (default) or a
    /// replayed CSV. Changed at run time with `LocalSandbox::sandbox().set_price_source`.
    pub sandbox_prices: brokerdesk_paper::PriceSource,
    /// Where the exchange rates for base-currency totals are fetched (at most once a day);
    /// `None`: never (the default in code, so tests stay offline). `from_env` sets the ECB's
    /// file unless `BROKERDESK_FX_RATES` is `off` or another https (or loopback) address.
    pub fx_rates_url: Option<String>,
    /// How long an attached assistant's tool call waits for the user's answer in the app
    /// before it answers "waiting for your answer in the Brokerdesk app" (45 s; tests shorten
    /// it). The question stays open after that.
    pub assistant_wait: Duration,
    /// How long a live order an assistant asked for waits for the user's confirmation before
    /// it expires unplaced (3 minutes, as a broker's order warnings).
    pub assistant_order_expiry: Duration,
}

/// Where Alpaca clients find the app's sandbox by default (same as `brokerdesk sandbox serve`).
pub const DEFAULT_SANDBOX_ADDR: &str = "127.0.0.1:8787";

impl ServiceConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            paper_starting_cash: Decimal::from(100_000),
            auto_lock: Some(Duration::from_secs(15 * 60)),
            sandbox_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            sandbox_credentials: None,
            refresh_every: Duration::from_secs(30),
            quote_poll_every: Duration::from_secs(5),
            rest_polling: true,
            key_vendor_urls: BTreeMap::new(),
            sandbox_prices: brokerdesk_paper::PriceSource::Simulated,
            fx_rates_url: None,
            assistant_wait: Duration::from_secs(45),
            assistant_order_expiry: Duration::from_secs(3 * 60),
        }
    }

    /// `BROKERDESK_DATA_DIR` wins; else the platform's data directory
    /// (`~/.local/share/brokerdesk`, `~/Library/Application Support/brokerdesk`,
    /// `%APPDATA%\brokerdesk`). `BROKERDESK_PAPER_CASH` sets the sandbox's starting cash,
    /// `BROKERDESK_AUTO_LOCK_MINUTES` the vault's idle lock (0: never), `BROKERDESK_SANDBOX_ADDR`
    /// where the sandbox listens, `BROKERDESK_REST_POLLING` (`on`, the default, or `off`)
    /// whether the supervisor polls connections over REST (streams still run).
    pub fn from_env() -> Result<Self, ServiceError> {
        let data_dir = std::env::var_os("BROKERDESK_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::data_dir().map(|d| d.join("brokerdesk")))
            .unwrap_or_else(|| PathBuf::from(".brokerdesk"));
        let mut config = Self::new(data_dir);
        if let Ok(cash) = std::env::var("BROKERDESK_PAPER_CASH") {
            config.paper_starting_cash = parse_cash(&cash)?;
        }
        let addr = std::env::var("BROKERDESK_SANDBOX_ADDR")
            .unwrap_or_else(|_| DEFAULT_SANDBOX_ADDR.to_owned());
        config.sandbox_addr = addr.trim().parse().map_err(|_| {
            ServiceError::Config(format!(
                "BROKERDESK_SANDBOX_ADDR={addr:?} is not an address such as 127.0.0.1:8787"
            ))
        })?;
        if let Ok(minutes) = std::env::var("BROKERDESK_AUTO_LOCK_MINUTES") {
            config.auto_lock = parse_auto_lock(&minutes)?;
        }
        if let Ok(polling) = std::env::var("BROKERDESK_REST_POLLING") {
            config.rest_polling = parse_switch(&polling).ok_or_else(|| {
                ServiceError::Config(format!(
                    "BROKERDESK_REST_POLLING={polling:?} is neither `on` nor `off`"
                ))
            })?;
        }
        config.fx_rates_url = match std::env::var("BROKERDESK_FX_RATES") {
            Err(_) => Some(ECB_DAILY_URL.to_owned()),
            Ok(v) => parse_fx_rates(&v)?,
        };
        Ok(config)
    }
}

/// `BROKERDESK_FX_RATES`: `off`, or the address of a file in the ECB's format (https, or
/// http on this computer for a stand-in).
fn parse_fx_rates(text: &str) -> Result<Option<String>, ServiceError> {
    let text = text.trim();
    if parse_switch(text) == Some(false) {
        return Ok(None);
    }
    let ok = url::Url::parse(text).is_ok_and(|u| {
        u.scheme() == "https"
            || (u.scheme() == "http"
                && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
    });
    if ok {
        Ok(Some(text.to_owned()))
    } else {
        Err(ServiceError::Config(format!(
            "BROKERDESK_FX_RATES={text:?} is neither `off` nor an https address"
        )))
    }
}

/// `on`/`off` (and the usual spellings of yes and no).
fn parse_switch(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "1" | "true" | "yes" => Some(true),
        "off" | "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

fn parse_cash(text: &str) -> Result<Decimal, ServiceError> {
    let invalid = |why: &str| {
        ServiceError::Config(format!(
            "BROKERDESK_PAPER_CASH={text:?} {why}; give an amount such as 100000 or 2500.50"
        ))
    };
    let cash = Decimal::from_str(text.trim()).map_err(|_| invalid("is not a number"))?;
    if cash.is_sign_negative() {
        return Err(invalid("is negative"));
    }
    Ok(cash)
}

fn parse_auto_lock(text: &str) -> Result<Option<Duration>, ServiceError> {
    let invalid = || {
        ServiceError::Config(format!(
            "BROKERDESK_AUTO_LOCK_MINUTES={text:?} is not a number of minutes (0: never)"
        ))
    };
    let minutes = Decimal::from_str(text.trim()).map_err(|_| invalid())?;
    if minutes.is_sign_negative() {
        return Err(invalid());
    }
    // Fractions are allowed (0.5 is thirty seconds); whole seconds are what the vault counts.
    let seconds = (minutes * Decimal::from(60))
        .round()
        .to_u64()
        .ok_or_else(invalid)?;
    Ok((seconds > 0).then(|| Duration::from_secs(seconds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cash_parses_exactly_and_refuses_garbage() {
        assert_eq!(parse_cash(" 2500.50 ").unwrap(), Decimal::new(250_050, 2));
        assert!(
            parse_cash("lots")
                .unwrap_err()
                .to_string()
                .contains("not a number")
        );
        assert!(
            parse_cash("-1")
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
    }

    #[test]
    fn rest_polling_switch_parses_on_and_off_only() {
        assert_eq!(parse_switch(" OFF "), Some(false));
        assert_eq!(parse_switch("on"), Some(true));
        assert_eq!(parse_switch("sometimes"), None);
    }

    #[test]
    fn auto_lock_minutes_parse_with_zero_meaning_never() {
        assert_eq!(
            parse_auto_lock("5").unwrap(),
            Some(Duration::from_secs(300))
        );
        assert_eq!(parse_auto_lock("0").unwrap(), None);
        assert_eq!(
            parse_auto_lock("0.5").unwrap(),
            Some(Duration::from_secs(30))
        );
        assert!(parse_auto_lock("soon").is_err());
        assert!(parse_auto_lock("-3").is_err());
    }
}
