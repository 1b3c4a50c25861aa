//! What the UI may know about the vault: roles, credential kinds and metadata, the lock state.
//! Never a secret: these types are what crosses IPC, and none of them can hold one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the profile stored in the vault may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads balances, positions and history; places no orders.
    Viewer,
    /// May place orders: paper freely, live once live trading is armed.
    Trader,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Viewer => "viewer",
            Role::Trader => "trader",
        })
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Ok(Role::Viewer),
            "trader" => Ok(Role::Trader),
            other => Err(format!(
                "unknown role `{other}` (expected viewer or trader)"
            )),
        }
    }
}

/// What sort of secret a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    ApiKey,
    ApiSecret,
    OauthToken,
    OauthRefreshToken,
    AggregatorSecret,
    Other,
}

impl CredentialKind {
    pub const ALL: [Self; 6] = [
        Self::ApiKey,
        Self::ApiSecret,
        Self::OauthToken,
        Self::OauthRefreshToken,
        Self::AggregatorSecret,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiKey => "api_key",
            Self::ApiSecret => "api_secret",
            Self::OauthToken => "oauth_token",
            Self::OauthRefreshToken => "oauth_refresh_token",
            Self::AggregatorSecret => "aggregator_secret",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CredentialKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| format!("unknown credential kind `{s}`"))
    }
}

/// A stored credential as the UI sees it: everything but the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialInfo {
    pub id: String,
    pub vendor: crate::VendorId,
    pub connection: Option<crate::ConnectionId>,
    pub label: String,
    pub kind: CredentialKind,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The vault's state: whether it exists, whether it is unlocked, and what the profile may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultState {
    pub initialized: bool,
    pub unlocked: bool,
    /// Known only while unlocked.
    pub role: Option<Role>,
    pub credentials: Option<usize>,
    pub idle_timeout_secs: Option<u64>,
    /// When the vault locks itself unless used before then.
    pub locks_at: Option<DateTime<Utc>>,
    pub live_armed_until: Option<DateTime<Utc>>,
}

/// How hard a new password would be to guess, for the hint under the password field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordStrength {
    /// Refused: shorter than the vault's minimum.
    TooShort,
    Weak,
    Fair,
    Strong,
}

/// The vault refuses passwords shorter than this.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A rough guess from length and variety: long passphrases score well without symbols, short
/// ones need variety. It is a hint, not a guarantee; the vault's Argon2id does the real work.
pub fn password_strength(password: &str) -> PasswordStrength {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return PasswordStrength::TooShort;
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_numeric()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|present| **present)
    .count();
    let distinct = {
        let mut seen: Vec<char> = password.chars().collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    };
    if distinct < 5 {
        return PasswordStrength::Weak;
    }
    match (chars, classes) {
        (20.., _) | (14.., 3..) | (12.., 4) => PasswordStrength::Strong,
        (12.., _) | (_, 3..) => PasswordStrength::Fair,
        _ => PasswordStrength::Weak,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_hint() {
        assert_eq!(password_strength("short"), PasswordStrength::TooShort);
        assert_eq!(
            password_strength("aaaaaaaaaaaaaaaaaaaaaaaa"),
            PasswordStrength::Weak
        );
        assert_eq!(password_strength("password"), PasswordStrength::Weak);
        assert_eq!(password_strength("Passw0rd!"), PasswordStrength::Fair);
        assert_eq!(
            password_strength("correct horse battery staple"),
            PasswordStrength::Strong
        );
        assert_eq!(
            password_strength("Tr0ub4dor&3xyz"),
            PasswordStrength::Strong
        );
    }
}
