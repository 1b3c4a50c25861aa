//! A connection of the app to one institution, as the UI shows it.

use crate::ids::{ConnectionId, VendorId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether orders on a connection move real money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradingMode {
    Paper,
    Live,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum ConnectionStatus {
    Connected,
    Disconnected(String),
    /// The institution wants the user to sign in again; the detail says where and how.
    NeedsSignIn(String),
    Degraded(String),
}

impl std::fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connected => f.write_str("Connected"),
            Self::Disconnected(why) => write!(f, "Disconnected: {why}"),
            Self::NeedsSignIn(how) if how.is_empty() => f.write_str("Needs sign-in"),
            Self::NeedsSignIn(how) => write!(f, "Needs sign-in: {how}"),
            Self::Degraded(why) => write!(f, "Degraded: {why}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionSummary {
    pub id: ConnectionId,
    pub vendor: VendorId,
    /// What the user sees: "Paper (local)", "Alpaca — live", …
    pub display_name: String,
    pub mode: TradingMode,
    pub status: ConnectionStatus,
    /// Round trip of the last request to the institution, in milliseconds.
    pub latency_ms: Option<u32>,
    /// When the institution last answered a full refresh.
    #[serde(default)]
    pub last_refresh: Option<DateTime<Utc>>,
    /// Set when the vendor bills each live balance read: balances are read live at most
    /// every this many minutes, and at once on request (`ipc::RefreshLiveBalances`).
    #[serde(default)]
    pub live_balances_every_min: Option<u32>,
}

/// Where an Alpaca connection points: the same API at three addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "url")]
pub enum AlpacaEnvironment {
    Live,
    /// Alpaca's own paper environment.
    Paper,
    /// An Alpaca-compatible server at this URL: Brokerdesk's local sandbox, a test double, or
    /// any other server (then live: see [`AlpacaEnvironment::mode`]).
    Custom(String),
}

impl AlpacaEnvironment {
    /// The one place an Alpaca connection's mode is decided, from facts nobody can type: Alpaca's
    /// own two addresses, or for a custom URL its host as the HTTP client will parse it. A
    /// custom server is paper only on this computer (a loopback address or `localhost`): the
    /// user's own sandbox. Anything else — `https://api.alpaca.markets` typed as a custom URL, a
    /// URL that does not parse, one with a user name — is live.
    pub fn mode(&self) -> TradingMode {
        match self {
            Self::Live => TradingMode::Live,
            Self::Paper => TradingMode::Paper,
            Self::Custom(url) => match check_server_url(url) {
                Ok(parsed) if is_loopback(&parsed) => TradingMode::Paper,
                _ => TradingMode::Live,
            },
        }
    }
}

/// Whether a URL can only reach this computer: 127.0.0.0/8, `::1` (and `::ffff:127.x.y.z`,
/// IPv4's loopback written as IPv6, which the socket layer sends to 127.x.y.z), or exactly
/// `localhost`. Look-alikes such as `127.0.0.1.example.com` or `localhost.` are ordinary host
/// names and do not count.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Checks a server URL the user typed (a custom Alpaca server): http or https, a host, no user
/// name or password (`https://localhost@example.com` goes to example.com), and plain `http://`
/// only to this computer, since keys sent to any other host would cross the network in clear
/// text. Returns the URL as the HTTP client will read it.
pub fn check_server_url(text: &str) -> Result<url::Url, String> {
    let text = text.trim();
    let url = url::Url::parse(text).map_err(|_| format!("`{text}` is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{text}` is not an http(s) URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{text}` has a user name or password before `@`; give the server's address only \
             (keys go in the key fields)"
        ));
    }
    if url.host().is_none() {
        return Err(format!("`{text}` names no server"));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(format!(
            "`{text}` uses plain http:// to another computer: your keys would cross the network \
             unencrypted. Use https://, or http:// only for a server on this computer \
             (127.0.0.1, ::1, localhost)"
        ));
    }
    Ok(url)
}

/// An Alpaca connection by API key, as typed on the Connect page. Travels UI → backend only;
/// `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyConnectionArgs {
    pub environment: AlpacaEnvironment,
    pub key_id: String,
    pub secret_key: String,
    /// What the user calls it; empty for the default name.
    #[serde(default)]
    pub label: String,
}

impl std::fmt::Debug for ApiKeyConnectionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyConnectionArgs")
            .field("environment", &self.environment)
            .field("key_id", &self.key_id)
            .field("secret_key", &"[REDACTED]")
            .field("label", &self.label)
            .finish()
    }
}

/// A connection made by pasting keys from a vendor's dashboard (Stripe, Square, PayPal,
/// SnapTrade, Plaid): the fields are the vendor's (see `key_fields::key_fields`). Travels
/// UI → backend only; `Debug` shows field names, never values.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyConnectionArgs {
    pub vendor: VendorId,
    /// Field name → value, e.g. `secret_key` → `sk_test_…`.
    pub fields: std::collections::BTreeMap<String, String>,
    /// The vendor's sandbox/test environment instead of production.
    #[serde(default)]
    pub sandbox: bool,
    #[serde(default)]
    pub label: String,
}

impl std::fmt::Debug for KeyConnectionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyConnectionArgs")
            .field("vendor", &self.vendor)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("sandbox", &self.sandbox)
            .field("label", &self.label)
            .finish()
    }
}

/// An OAuth sign-in under way: the browser has (or should be) opened on `authorize_url`, and
/// `flow_id` names the flow for finishing or cancelling it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthStarted {
    pub flow_id: String,
    pub authorize_url: String,
}

/// An Interactive Brokers connection through the user's own Client Portal gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IbkrGatewayArgs {
    /// Default `https://localhost:5000/v1/api`.
    pub gateway_url: String,
    /// Accept the gateway's self-signed certificate (loopback hosts only).
    pub accept_self_signed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_args_never_show_the_secret() {
        let args = ApiKeyConnectionArgs {
            environment: AlpacaEnvironment::Custom("http://127.0.0.1:8787".into()),
            key_id: "PKTEST".into(),
            secret_key: "very-secret-value".into(),
            label: String::new(),
        };
        let debug = format!("{args:?}");
        assert!(debug.contains("PKTEST"));
        assert!(!debug.contains("very-secret-value"));
        assert_eq!(args.environment.mode(), TradingMode::Paper);
        assert_eq!(AlpacaEnvironment::Live.mode(), TradingMode::Live);
        assert_eq!(AlpacaEnvironment::Paper.mode(), TradingMode::Paper);
    }

    fn custom(url: &str) -> AlpacaEnvironment {
        AlpacaEnvironment::Custom(url.into())
    }

    #[test]
    fn a_custom_server_is_paper_only_on_this_computer() {
        for paper in [
            "http://127.0.0.1:8787",
            "http://127.0.0.1:8787/",
            "https://127.8.9.10",
            "http://localhost:8787",
            "http://LOCALHOST:8787",
            "http://[::1]:8787",
            // IPv4 loopback written as IPv6 reaches 127.0.0.1 only.
            "http://[::ffff:127.0.0.1]:8787",
            // Shorthand IPv4 is normalised by the parser the HTTP client uses.
            "http://127.1:8787",
            "http://0x7f.0.0.1",
        ] {
            assert_eq!(custom(paper).mode(), TradingMode::Paper, "{paper}");
        }
        for live in [
            "https://api.alpaca.markets",
            "https://paper-api.alpaca.markets.example.com",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil.com",
            "http://localhost.",
            "http://localhost@evil.com",
            "http://user:pw@127.0.0.1:8787",
            "http://[::ffff:10.0.0.1]",
            "http://[::2]",
            "http://0.0.0.0:8787",
            "http://10.0.0.5:8787",
            "ftp://127.0.0.1",
            "127.0.0.1:8787",
            "not a url",
            "",
        ] {
            assert_eq!(custom(live).mode(), TradingMode::Live, "{live}");
        }
    }

    #[test]
    fn server_urls_with_clear_text_keys_or_a_user_name_are_refused() {
        assert!(check_server_url("https://api.alpaca.markets").is_ok());
        assert!(check_server_url(" http://127.0.0.1:8787 ").is_ok());
        assert!(check_server_url("http://localhost:8787").is_ok());
        assert!(check_server_url("http://[::1]:8787").is_ok());
        let http = check_server_url("http://api.alpaca.markets").unwrap_err();
        assert!(http.contains("unencrypted"), "{http}");
        assert!(
            check_server_url("http://127.0.0.1.evil.com")
                .unwrap_err()
                .contains("unencrypted")
        );
        for userinfo in [
            "http://localhost@evil.com",
            "https://localhost@evil.com",
            "https://user:pw@api.alpaca.markets",
            "http://:pw@127.0.0.1",
        ] {
            let err = check_server_url(userinfo).unwrap_err();
            assert!(err.contains("user name or password"), "{userinfo}: {err}");
        }
        assert!(
            check_server_url("ftp://127.0.0.1")
                .unwrap_err()
                .contains("http(s)")
        );
        assert!(
            check_server_url("127.0.0.1:8787")
                .unwrap_err()
                .contains("not a URL")
        );
    }

    #[test]
    fn status_round_trips_with_its_detail() {
        for status in [
            ConnectionStatus::Connected,
            ConnectionStatus::Disconnected("timed out".into()),
            ConnectionStatus::NeedsSignIn("open the gateway and log in".into()),
            ConnectionStatus::Degraded("429 from vendor".into()),
        ] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(
                serde_json::from_str::<ConnectionStatus>(&json).unwrap(),
                status
            );
        }
        assert_eq!(
            serde_json::to_string(&ConnectionStatus::Disconnected("x".into())).unwrap(),
            r#"{"state":"disconnected","detail":"x"}"#
        );
    }
}
