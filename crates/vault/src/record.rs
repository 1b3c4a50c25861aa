//! Credential records: metadata the UI may see, apart from the sealed secret it may not.

use brokerdesk_model::{ConnectionId, VendorId};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// The vault's id of one stored credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CredentialId(Uuid);

impl CredentialId {
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for CredentialId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim())
            .map(Self)
            .map_err(|_| format!("`{s}` is not a credential id"))
    }
}

pub use brokerdesk_model::vault::CredentialKind;

/// Everything about a credential except the secret. Safe for the UI, logs and JSON output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialMeta {
    pub id: CredentialId,
    pub vendor: VendorId,
    /// The connection this credential belongs to, when it has been attached to one.
    pub connection: Option<ConnectionId>,
    pub label: String,
    pub kind: CredentialKind,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl CredentialMeta {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

/// A credential to store. `Debug` shows the secret as `[REDACTED]` (secrecy's own impl).
#[derive(Debug)]
pub struct NewCredential {
    pub vendor: VendorId,
    pub connection: Option<ConnectionId>,
    pub label: String,
    pub kind: CredentialKind,
    pub expires_at: Option<DateTime<Utc>>,
    pub secret: SecretString,
}

/// The associated data a record is sealed under. Length-prefixed so that no two different field
/// tuples encode alike; moving a record to another id, vendor, connection or kind breaks it.
pub(crate) fn record_aad(meta: &CredentialMeta) -> Vec<u8> {
    let mut aad = b"brokerdesk-vault/record/v1".to_vec();
    let mut field = |bytes: &[u8]| {
        aad.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        aad.extend_from_slice(bytes);
    };
    field(meta.id.0.as_bytes());
    field(meta.vendor.as_str().as_bytes());
    match &meta.connection {
        // A marker byte keeps "no connection" apart from "connection with an empty id".
        None => field(&[0]),
        Some(c) => {
            field(&[1]);
            field(c.as_str().as_bytes());
        }
    }
    field(meta.kind.as_str().as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> CredentialMeta {
        let now = Utc::now();
        CredentialMeta {
            id: CredentialId::new_random(),
            vendor: VendorId::new("alpaca"),
            connection: None,
            label: "main".into(),
            kind: CredentialKind::ApiKey,
            created_at: now,
            updated_at: now,
            last_used_at: None,
            expires_at: None,
        }
    }

    #[test]
    fn aad_changes_with_every_bound_field_but_not_label() {
        let m = meta();
        let base = record_aad(&m);
        let variants = [
            CredentialMeta {
                id: CredentialId::new_random(),
                ..m.clone()
            },
            CredentialMeta {
                vendor: VendorId::new("ibkr"),
                ..m.clone()
            },
            CredentialMeta {
                connection: Some(ConnectionId::new("")),
                ..m.clone()
            },
            CredentialMeta {
                connection: Some(ConnectionId::new("c1")),
                ..m.clone()
            },
            CredentialMeta {
                kind: CredentialKind::OauthToken,
                ..m.clone()
            },
        ];
        for v in &variants {
            assert_ne!(record_aad(v), base, "{v:?}");
        }
        assert_eq!(
            record_aad(&CredentialMeta {
                label: "renamed".into(),
                ..m
            }),
            base
        );
    }

    #[test]
    fn kinds_and_ids_parse() {
        for k in CredentialKind::ALL {
            assert_eq!(k.as_str().parse::<CredentialKind>(), Ok(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(
            "oauth-token".parse::<CredentialKind>(),
            Ok(CredentialKind::OauthToken)
        );
        let id = CredentialId::new_random();
        assert_eq!(id.to_string().parse::<CredentialId>(), Ok(id));
        assert!("nope".parse::<CredentialId>().is_err());
    }

    #[test]
    fn new_credential_debug_hides_the_secret() {
        let n = NewCredential {
            vendor: VendorId::new("alpaca"),
            connection: None,
            label: "l".into(),
            kind: CredentialKind::ApiKey,
            expires_at: None,
            secret: SecretString::from("hunter2-very-secret"),
        };
        assert!(!format!("{n:?}").contains("hunter2"));
    }
}
