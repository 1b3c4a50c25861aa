//! What each vendor's OAuth looks like, from its own documentation (shared/specs/NOTES.md).
//! Plain `&'static str` data with no dependencies, so the catalog can hold or mirror it.

/// How the client proves itself at the token endpoint when it has a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)` (RFC 6749 §2.3.1, preferred).
    Basic,
    /// `client_id` and `client_secret` in the form body.
    RequestBody,
}

/// How the token request body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TokenBody {
    /// `application/x-www-form-urlencoded`, as RFC 6749 §4.1.3 says.
    #[default]
    Form,
    /// A JSON object with the same fields (Square documents only this for `/oauth2/token`).
    Json,
}

/// One vendor's OAuth 2.0 facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VendorPreset {
    /// Catalog id (matches the institution id in crates/model).
    pub id: &'static str,
    pub name: &'static str,
    pub authorize_url: &'static str,
    pub token_url: &'static str,
    /// Scopes we ask for by default.
    pub scopes: &'static [&'static str],
    /// The vendor accepts `http://127.0.0.1:<any port>/…` (RFC 8252 §7.3). When false the
    /// user registers one exact redirect URI, port included, and configures it.
    pub loopback_any_port: bool,
    /// The vendor accepts a public client: PKCE and no client secret.
    pub pkce_without_secret: bool,
    /// The token endpoint demands a client secret: the user brings their own registered app,
    /// and its secret lives in the vault.
    pub client_secret_required: bool,
    pub client_auth: ClientAuth,
    pub token_body: TokenBody,
    /// The vendor documents refresh tokens.
    pub refresh_tokens: bool,
    /// Why the preset looks the way it does, for the UI.
    pub notes: &'static str,
}

/// Alpaca OAuth apps: client secret required, no PKCE, no refresh token documented.
pub const ALPACA: VendorPreset = VendorPreset {
    id: "alpaca",
    name: "Alpaca",
    authorize_url: "https://app.alpaca.markets/oauth/authorize",
    token_url: "https://api.alpaca.markets/oauth/token",
    scopes: &["account:write", "trading", "data"],
    loopback_any_port: false,
    pkce_without_secret: false,
    client_secret_required: true,
    client_auth: ClientAuth::RequestBody,
    token_body: TokenBody::Form,
    refresh_tokens: false,
    notes: "Alpaca's token endpoint requires your OAuth app's client secret, and the redirect URI \
            must match one whitelisted in the app exactly. Tokens do not expire and cannot be \
            refreshed.",
};

/// Square: PKCE without a secret is supported; refresh tokens are single-use in that flow.
pub const SQUARE: VendorPreset = VendorPreset {
    id: "square",
    name: "Square",
    authorize_url: "https://connect.squareup.com/oauth2/authorize",
    token_url: "https://connect.squareup.com/oauth2/token",
    scopes: &["MERCHANT_PROFILE_READ", "PAYMENTS_READ"],
    loopback_any_port: false,
    pkce_without_secret: true,
    client_secret_required: false,
    client_auth: ClientAuth::RequestBody,
    token_body: TokenBody::Json,
    refresh_tokens: true,
    notes: "Square supports PKCE without a client secret; its refresh tokens are then single-use \
            (90 days). Production redirect URLs must be HTTPS; http://localhost only in sandbox.",
};

/// Square's sandbox, where loopback redirects are allowed.
pub const SQUARE_SANDBOX: VendorPreset = VendorPreset {
    id: "square-sandbox",
    name: "Square (sandbox)",
    authorize_url: "https://connect.squareupsandbox.com/oauth2/authorize",
    token_url: "https://connect.squareupsandbox.com/oauth2/token",
    ..SQUARE
};

/// Log in with PayPal: identity scopes only, client secret (Basic) at the token endpoint.
pub const PAYPAL: VendorPreset = VendorPreset {
    id: "paypal",
    name: "PayPal",
    authorize_url: "https://www.paypal.com/signin/authorize",
    token_url: "https://api-m.paypal.com/v1/oauth2/token",
    scopes: &["openid"],
    loopback_any_port: false,
    pkce_without_secret: false,
    client_secret_required: true,
    client_auth: ClientAuth::Basic,
    token_body: TokenBody::Form,
    refresh_tokens: true,
    notes: "Log in with PayPal gives identity only and needs your app's client secret; PKCE is \
            not documented. Balances and transactions use the app's own client-credentials token.",
};

/// Stripe Connect OAuth: the platform's secret key is the client secret.
pub const STRIPE_CONNECT: VendorPreset = VendorPreset {
    id: "stripe",
    name: "Stripe Connect",
    authorize_url: "https://connect.stripe.com/oauth/authorize",
    token_url: "https://connect.stripe.com/oauth/token",
    scopes: &["read_only"],
    loopback_any_port: false,
    pkce_without_secret: false,
    client_secret_required: true,
    client_auth: ClientAuth::RequestBody,
    token_body: TokenBody::Form,
    refresh_tokens: true,
    notes: "Stripe Connect OAuth needs the platform's secret key at the token endpoint and is not \
            recommended by Stripe for new platforms; an API key is simpler.",
};

/// Every preset, for lookups by id.
pub const PRESETS: &[VendorPreset] = &[ALPACA, SQUARE, SQUARE_SANDBOX, PAYPAL, STRIPE_CONNECT];

/// The preset with this catalog id.
pub fn preset(id: &str) -> Option<&'static VendorPreset> {
    PRESETS.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_consistent() {
        for p in PRESETS {
            assert!(p.authorize_url.starts_with("https://"), "{}", p.id);
            assert!(p.token_url.starts_with("https://"), "{}", p.id);
            // A vendor cannot both accept public clients and demand a secret.
            assert!(
                !(p.pkce_without_secret && p.client_secret_required),
                "{}",
                p.id
            );
            assert_eq!(preset(p.id), Some(p));
        }
        assert!(preset("square").is_some_and(|p| p.pkce_without_secret));
        assert_eq!(SQUARE_SANDBOX.token_body, TokenBody::Json);
        for id in ["alpaca", "paypal", "stripe"] {
            assert!(preset(id).is_some_and(|p| p.client_secret_required), "{id}");
        }
        assert_eq!(preset("nope"), None);
    }
}
