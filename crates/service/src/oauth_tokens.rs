//! OAuth tokens kept in the vault: the `TokenStore` the sign-in flow and refreshes write to.
//!
//! One vault record per key (a connection's id), of kind `oauth_token`, labelled with the key.
//! The sealed secret is a small JSON document (access and refresh token, expiry, scopes); its
//! expiry is also the record's metadata, so the UI can show when a sign-in lapses.

use crate::vault_access::VaultAccess;
use async_trait::async_trait;
use brokerdesk_model::vault::CredentialKind;
use brokerdesk_model::{ConnectionId, VendorId};
use brokerdesk_oauth::{StoreError, TokenSet, TokenStore};
use brokerdesk_vault::{CredentialId, ExposeSecret, NewCredential, SecretStore};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

pub struct VaultTokenStore {
    vault: VaultAccess,
    vendor: VendorId,
    connection: Option<ConnectionId>,
}

impl VaultTokenStore {
    pub fn new(vault: VaultAccess, vendor: VendorId) -> Self {
        Self {
            vault,
            vendor,
            connection: None,
        }
    }

    /// New records belong to this connection, so removing the connection removes its tokens.
    pub fn for_connection(mut self, connection: ConnectionId) -> Self {
        self.connection = Some(connection);
        self
    }
}

/// The sealed form. Lives only briefly and is wiped when dropped.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct Sealed {
    access_token: String,
    refresh_token: Option<String>,
    #[zeroize(skip)]
    expires_at: Option<DateTime<Utc>>,
    scopes: Vec<String>,
    token_type: String,
}

fn store_err(err: impl std::fmt::Display) -> StoreError {
    StoreError(err.to_string())
}

fn find(
    store: &mut dyn SecretStore,
    vendor: &VendorId,
    key: &str,
) -> Result<Option<CredentialId>, brokerdesk_vault::VaultError> {
    Ok(store
        .list()?
        .into_iter()
        .find(|c| &c.vendor == vendor && c.kind == CredentialKind::OauthToken && c.label == key)
        .map(|c| c.id))
}

fn seal(tokens: &TokenSet) -> Result<SecretString, StoreError> {
    let sealed = Sealed {
        access_token: tokens.access_token.expose_secret().to_owned(),
        refresh_token: tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
        expires_at: tokens.expires_at,
        scopes: tokens.scopes.clone(),
        token_type: tokens.token_type.clone(),
    };
    let json = Zeroizing::new(serde_json::to_string(&sealed).map_err(store_err)?);
    Ok(SecretString::from(json.as_str()))
}

fn open(secret: &SecretString) -> Result<TokenSet, StoreError> {
    let sealed: Sealed = serde_json::from_str(secret.expose_secret())
        .map_err(|_| StoreError("the stored OAuth tokens are unreadable; sign in again".into()))?;
    Ok(TokenSet {
        access_token: SecretString::from(sealed.access_token.as_str()),
        refresh_token: sealed.refresh_token.as_deref().map(SecretString::from),
        expires_at: sealed.expires_at,
        scopes: sealed.scopes.clone(),
        token_type: sealed.token_type.clone(),
    })
}

#[async_trait]
impl TokenStore for VaultTokenStore {
    async fn load(&self, key: &str) -> Result<Option<TokenSet>, StoreError> {
        let secret = self
            .vault
            .with_store(|store| match find(store, &self.vendor, key)? {
                Some(id) => store.get(id).map(Some),
                None => Ok(None),
            })
            .map_err(store_err)?;
        secret.as_ref().map(open).transpose()
    }

    async fn save(&self, key: &str, tokens: &TokenSet) -> Result<(), StoreError> {
        let secret = seal(tokens)?;
        self.vault
            .with_store(|store| match find(store, &self.vendor, key)? {
                Some(id) => store
                    .update_secret(id, secret, tokens.expires_at)
                    .map(|_| ()),
                None => store
                    .put(NewCredential {
                        vendor: self.vendor.clone(),
                        connection: self.connection.clone(),
                        label: key.to_owned(),
                        kind: CredentialKind::OauthToken,
                        expires_at: tokens.expires_at,
                        secret,
                    })
                    .map(|_| ()),
            })
            .map_err(store_err)
    }

    async fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.vault
            .with_store(|store| match find(store, &self.vendor, key)? {
                Some(id) => store.remove(id).map(|_| ()),
                None => Ok(()),
            })
            .map_err(store_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokerdesk_model::vault::Role;

    fn tokens(access: &str, refresh: Option<&str>) -> TokenSet {
        TokenSet {
            access_token: SecretString::from(access),
            refresh_token: refresh.map(SecretString::from),
            expires_at: DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            scopes: vec!["trading".into()],
            token_type: "bearer".into(),
        }
    }

    async fn unlocked_vault() -> (tempfile::TempDir, VaultAccess) {
        let dir = tempfile::tempdir().unwrap();
        let vault = VaultAccess::open(dir.path(), None);
        vault
            .create(SecretString::from("correct horse battery"), Role::Trader)
            .await
            .unwrap();
        (dir, vault)
    }

    #[tokio::test]
    async fn tokens_round_trip_through_the_vault_and_rotate_in_place() {
        let (_dir, vault) = unlocked_vault().await;
        let store = VaultTokenStore::new(vault.clone(), VendorId::new("square"));

        assert!(store.load("square-main").await.unwrap().is_none());
        store
            .save("square-main", &tokens("at-1", Some("rt-1")))
            .await
            .unwrap();
        store
            .save("square-main", &tokens("at-2", Some("rt-2")))
            .await
            .unwrap();

        let loaded = store.load("square-main").await.unwrap().unwrap();
        assert_eq!(loaded.access_token.expose_secret(), "at-2");
        assert_eq!(loaded.refresh_token.unwrap().expose_secret(), "rt-2");
        assert_eq!(loaded.scopes, vec!["trading".to_owned()]);

        let listed = vault.credentials().unwrap();
        assert_eq!(
            listed.len(),
            1,
            "a refresh replaces the record, it does not add one"
        );
        assert_eq!(listed[0].kind, CredentialKind::OauthToken);
        assert!(listed[0].expires_at.is_some());
        assert!(!format!("{listed:?}").contains("at-2"));

        store.remove("square-main").await.unwrap();
        assert!(store.load("square-main").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_locked_vault_refuses_to_store_tokens() {
        let (_dir, vault) = unlocked_vault().await;
        vault.lock().unwrap();
        let store = VaultTokenStore::new(vault, VendorId::new("square"));
        let err = store.save("k", &tokens("at", None)).await.unwrap_err();
        assert!(err.0.contains("locked"), "{}", err.0);
    }
}
