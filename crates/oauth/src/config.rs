//! One provider's settings for a sign-in: everything a test or a user may override.

use crate::error::FlowError;
use crate::preset::{ClientAuth, TokenBody, VendorPreset};
use secrecy::SecretString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use url::Url;

/// Five minutes, like the authorization codes of most vendors.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Which loopback IP literal the listener binds. Never `localhost` (RFC 8252 §8.3: a name can
/// resolve elsewhere, and a firewall may treat it differently), never `0.0.0.0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LoopbackHost {
    #[default]
    Ipv4,
    Ipv6,
}

impl LoopbackHost {
    pub fn ip(self) -> IpAddr {
        match self {
            Self::Ipv4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Self::Ipv6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
        }
    }

    /// The host as written in a URL and in the `Host` header.
    pub fn literal(self) -> &'static str {
        match self {
            Self::Ipv4 => "127.0.0.1",
            Self::Ipv6 => "[::1]",
        }
    }
}

/// The redirect path.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum RedirectPath {
    /// A fresh random path per flow: a late or foreign redirect cannot reach another flow.
    #[default]
    PerFlow,
    /// A registered path, for servers that match it exactly (most do; only the port may vary).
    Fixed(String),
}

/// Where the browser is sent back to.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RedirectConfig {
    pub host: LoopbackHost,
    /// 0 = an ephemeral port picked by the OS (needs a vendor that allows any loopback port).
    pub port: u16,
    pub path: RedirectPath,
}

/// Settings for signing in to one authorization server.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub authorize_url: Url,
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub client_auth: ClientAuth,
    pub token_body: TokenBody,
    pub scopes: Vec<String>,
    pub redirect: RedirectConfig,
    /// The authorization server's issuer identifier; when set, an `iss` on the redirect must
    /// equal it (RFC 9207).
    pub issuer: Option<String>,
    /// The server advertises `authorization_response_iss_parameter_supported`: refuse a
    /// redirect without `iss`.
    pub require_issuer: bool,
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
    /// Vendor-specific authorize parameters (e.g. `session=false` for Square).
    pub extra_authorize_params: Vec<(String, String)>,
}

impl ProviderConfig {
    /// A public client (PKCE, no secret) with default redirect and timeout.
    pub fn new(authorize_url: &str, token_url: &str, client_id: &str) -> Result<Self, FlowError> {
        let config = Self {
            authorize_url: parse_url("authorize URL", authorize_url)?,
            token_url: parse_url("token URL", token_url)?,
            client_id: client_id.to_owned(),
            client_secret: None,
            client_auth: ClientAuth::Basic,
            token_body: TokenBody::Form,
            scopes: Vec::new(),
            redirect: RedirectConfig::default(),
            issuer: None,
            require_issuer: false,
            timeout: DEFAULT_TIMEOUT,
            extra_authorize_params: Vec::new(),
        };
        config.validate()?;
        Ok(config)
    }

    /// A vendor's preset with the user's client id, and secret where the vendor demands one.
    pub fn from_preset(
        preset: &VendorPreset,
        client_id: &str,
        client_secret: Option<SecretString>,
    ) -> Result<Self, FlowError> {
        if preset.client_secret_required && client_secret.is_none() {
            return Err(FlowError::Config(format!(
                "{} requires the client secret of your own registered OAuth app",
                preset.name
            )));
        }
        let mut config = Self::new(preset.authorize_url, preset.token_url, client_id)?;
        config.client_secret = client_secret;
        config.client_auth = preset.client_auth;
        config.token_body = preset.token_body;
        config.scopes = preset.scopes.iter().map(|s| (*s).to_owned()).collect();
        Ok(config)
    }

    /// Refuses settings that would leak the code or tokens: plain HTTP anywhere but loopback.
    pub fn validate(&self) -> Result<(), FlowError> {
        for (what, url) in [
            ("authorize URL", &self.authorize_url),
            ("token URL", &self.token_url),
        ] {
            if !https_or_loopback_http(url) {
                return Err(FlowError::Config(format!(
                    "the {what} must use https (plain http only on loopback): {url}"
                )));
            }
        }
        if self.client_id.trim().is_empty() {
            return Err(FlowError::Config("the client id is empty".into()));
        }
        if let RedirectPath::Fixed(path) = &self.redirect.path
            && (!path.starts_with('/') || path.contains(['?', '#']))
        {
            return Err(FlowError::Config(format!(
                "the redirect path must start with / and hold no query or fragment: {path:?}"
            )));
        }
        Ok(())
    }
}

/// `https`, or plain `http` to this machine (tests, local servers): nothing else may carry a
/// code, a token or the user's browser.
pub(crate) fn https_or_loopback_http(url: &Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    url.scheme() == "https" && url.host().is_some() || url.scheme() == "http" && loopback
}

fn parse_url(what: &str, s: &str) -> Result<Url, FlowError> {
    Url::parse(s).map_err(|e| FlowError::Config(format!("bad {what} {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preset;

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(ProviderConfig::new("http://127.0.0.1:9/a", "http://[::1]:9/t", "c").is_ok());
        assert!(ProviderConfig::new("https://x.example/a", "https://x.example/t", "c").is_ok());
        let err = ProviderConfig::new("https://x.example/a", "http://x.example/t", "c");
        assert!(matches!(err, Err(FlowError::Config(m)) if m.contains("token URL")));
        assert!(ProviderConfig::new("https://x.example/a", "https://x.example/t", " ").is_err());
        assert!(ProviderConfig::new("not a url", "https://x.example/t", "c").is_err());
    }

    #[test]
    fn presets_that_need_a_secret_refuse_to_start_without_one() {
        let err = ProviderConfig::from_preset(&preset::ALPACA, "id", None);
        assert!(matches!(err, Err(FlowError::Config(m)) if m.contains("client secret")));
        let ok = ProviderConfig::from_preset(&preset::ALPACA, "id", Some("s".into())).unwrap();
        assert_eq!(ok.client_auth, ClientAuth::RequestBody);
        let square = ProviderConfig::from_preset(&preset::SQUARE, "id", None).unwrap();
        assert!(square.client_secret.is_none());
        assert_eq!(square.scopes, ["MERCHANT_PROFILE_READ", "PAYMENTS_READ"]);
    }

    #[test]
    fn debug_hides_the_client_secret() {
        let c = ProviderConfig::from_preset(&preset::PAYPAL, "id", Some("hunter2".into())).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
