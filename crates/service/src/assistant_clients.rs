//! The AI assistants the user allowed "always", in `<data dir>/assistant_clients.json`.
//!
//! Sealed to the vault like the connection list (`registry.rs`): the file carries `tag`, an
//! HMAC of the list under a key held in the vault (purpose `assistant_clients.json`). Loading
//! checks it, and a list that does not verify counts as empty: a file edit can only make the
//! app ask again, never let a client in unasked. Written atomically.

use crate::error::ServiceError;
use crate::vault_access::VaultAccess;
use brokerdesk_model::AllowedAssistant;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const PURPOSE: &str = "assistant_clients.json";
const VERSION: u32 = 1;

#[derive(Default, Serialize, Deserialize)]
struct ClientsFile {
    version: u32,
    clients: Vec<AllowedAssistant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
}

fn sealed_bytes(clients: &[AllowedAssistant]) -> Result<Vec<u8>, ServiceError> {
    let mut bytes = format!("brokerdesk assistant clients v{VERSION}\n").into_bytes();
    serde_json::to_writer(&mut bytes, clients)
        .map_err(|e| ServiceError::Internal(format!("encoding assistant clients: {e}")))?;
    Ok(bytes)
}

pub(crate) struct AllowedClients {
    path: PathBuf,
}

impl AllowedClients {
    pub(crate) fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(PURPOSE),
        }
    }

    /// The allowed clients whose seal verifies. Needs the vault unlocked. A missing file is an
    /// empty list; so is one changed outside Brokerdesk (logged).
    pub(crate) fn load(&self, vault: &VaultAccess) -> Result<Vec<AllowedAssistant>, ServiceError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(ServiceError::DataDir {
                    path: self.path.display().to_string(),
                    source,
                });
            }
        };
        let Ok(file) = serde_json::from_slice::<ClientsFile>(&bytes) else {
            tracing::warn!(path = %self.path.display(), "unreadable assistant client list ignored");
            return Ok(Vec::new());
        };
        let data = sealed_bytes(&file.clients)?;
        let verified = match file.tag.as_deref().map(hex::decode) {
            Some(Ok(tag)) if file.version == VERSION => {
                vault.with_store(|s| s.verify_tag(PURPOSE, &data, &tag))?
            }
            _ => false,
        };
        if !verified {
            tracing::warn!(
                path = %self.path.display(),
                "the assistant client list does not carry this vault's seal; ignored"
            );
            return Ok(Vec::new());
        }
        Ok(file.clients)
    }

    /// Writes the list with its seal. Needs the vault unlocked.
    pub(crate) fn save(
        &self,
        vault: &VaultAccess,
        clients: &[AllowedAssistant],
    ) -> Result<(), ServiceError> {
        let data = sealed_bytes(clients)?;
        let tag = vault.with_store(|s| s.authenticate(PURPOSE, &data))?;
        let file = ClientsFile {
            version: VERSION,
            clients: clients.to_vec(),
            tag: Some(hex::encode(tag)),
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| ServiceError::Internal(format!("encoding assistant clients: {e}")))?;
        crate::atomic_file::write(&self.path, &json)
    }
}
