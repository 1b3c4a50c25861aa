//! Where tokens are kept between runs. The vault (crates/vault) implements [`TokenStore`];
//! [`MemoryTokenStore`] is for tests and for a CLI run without a vault.

use crate::error::StoreError;
use crate::tokens::TokenSet;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Mutex;

/// Tokens per connection, keyed by a connection id chosen by the caller (e.g. `square:main`).
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn load(&self, key: &str) -> Result<Option<TokenSet>, StoreError>;
    async fn save(&self, key: &str, tokens: &TokenSet) -> Result<(), StoreError>;
    async fn remove(&self, key: &str) -> Result<(), StoreError>;
}

/// A store that forgets everything when dropped.
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, TokenSet>>,
}

impl MemoryTokenStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, TokenSet>>, StoreError> {
        self.tokens
            .lock()
            .map_err(|_| StoreError("in-memory token store poisoned".into()))
    }

    /// Keys that hold tokens, sorted (for tests and listings).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .lock()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self, key: &str) -> Result<Option<TokenSet>, StoreError> {
        Ok(self.lock()?.get(key).cloned())
    }

    async fn save(&self, key: &str, tokens: &TokenSet) -> Result<(), StoreError> {
        self.lock()?.insert(key.to_owned(), tokens.clone());
        Ok(())
    }

    async fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.lock()?.remove(key);
        Ok(())
    }
}
