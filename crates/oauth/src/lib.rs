//! OAuth 2.0 for a native app: system browser, loopback redirect (RFC 8252), PKCE (RFC 7636).
//!
//! Built in its own issue; the crate exists so that the dependency graph of DESIGN.md holds
//! from the first commit.
