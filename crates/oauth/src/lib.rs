//! OAuth 2.0 for a native app: the system browser, a loopback redirect (RFC 8252), PKCE S256
//! (RFC 7636), `iss` checks (RFC 9207), and refresh with rotation (RFC 9700).
//!
//! - [`SignIn`] / [`sign_in`]: one browser sign-in, ending with tokens in a [`TokenStore`].
//! - [`OAuthSession`]: access tokens for a signed-in connection, refreshed when needed.
//! - [`VendorPreset`]: each vendor's endpoints and rules; [`ProviderConfig`] overrides them.
//! - [`TokenStore`]: where tokens live (the vault implements it; [`MemoryTokenStore`] for tests).
//! - [`BrowserOpener`]: [`SystemBrowser`] (`$BROWSER` or the platform opener) or [`PrintUrl`].
//!
//! Tests: `tests/flow.rs` (every refusal of the listener), `tests/session.rs` (refresh), and
//! `tests/e2e_oidc.rs` against a real authorization server (oidc-provider, `tests/oidc/`) in
//! headless Chromium. Run `tests/oidc/setup.sh` first; with `BROKERDESK_REQUIRE_OAUTH_E2E=1`
//! the end-to-end test fails instead of skipping when its tools are missing.

mod browser;
mod config;
mod endpoint;
mod error;
mod flow;
mod listener;
mod page;
pub mod preset;
mod return_listener;
mod session;
mod store;
mod tokens;

pub use browser::{BrowserOpener, OpenError, PrintUrl, SystemBrowser, check_browser_url};
pub use config::{DEFAULT_TIMEOUT, LoopbackHost, ProviderConfig, RedirectConfig, RedirectPath};
pub use error::{FlowError, SessionError, StoreError, TokenError};
pub use flow::{SignIn, sign_in};
pub use page::html_escape;
pub use preset::{ClientAuth, TokenBody, VendorPreset};
pub use return_listener::ReturnListener;
pub use secrecy::{ExposeSecret, SecretString};
pub use session::{DEFAULT_REFRESH_MARGIN, OAuthSession, SessionStatus};
pub use store::{MemoryTokenStore, TokenStore};
pub use tokens::TokenSet;
