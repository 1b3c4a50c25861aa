//! The Stronghold snapshot: it holds the data-encryption key, encrypted under the key we derive
//! from the password. Used from Rust only; no Tauri, no JavaScript.

use crate::crypto::Dek;
use crate::error::VaultError;
use crate::kdf::KEY_LEN;
use iota_stronghold::{KeyProvider, SnapshotPath, Stronghold};
use std::path::Path;
use zeroize::Zeroizing;

/// The Stronghold client that owns our store, and the store key of the DEK.
const CLIENT_PATH: &[u8] = b"brokerdesk-vault";
const DEK_KEY: &[u8] = b"data-encryption-key";

fn key_provider(kek: &[u8; KEY_LEN]) -> Result<KeyProvider, VaultError> {
    KeyProvider::try_from(Zeroizing::new(kek.to_vec()))
        .map_err(|e| VaultError::Stronghold(format!("key provider: {e:?}")))
}

/// Writes a new snapshot holding `dek` at `path`. Stronghold writes a sibling temp file, fsyncs it
/// and renames it into place; the caller fsyncs the directory and only then points the header at
/// it.
pub(crate) fn write(path: &Path, kek: &[u8; KEY_LEN], dek: &Dek) -> Result<(), VaultError> {
    let stronghold = Stronghold::default();
    let client = stronghold
        .create_client(CLIENT_PATH)
        .map_err(|e| VaultError::Stronghold(e.to_string()))?;
    client
        .store()
        .insert(DEK_KEY.to_vec(), dek.as_bytes().to_vec(), None)
        .map_err(|e| VaultError::Stronghold(e.to_string()))?;
    stronghold
        .commit_with_keyprovider(&SnapshotPath::from_path(path), &key_provider(kek)?)
        .map_err(|e| VaultError::Stronghold(e.to_string()))?;
    // Stronghold keeps its state in guarded memory; drop it now rather than at scope end.
    drop(stronghold.clear());
    Ok(())
}

/// Opens the snapshot at `path` with `kek` and returns the DEK. The caller has already checked
/// that the file is the one the header names (checksum), so a failure here is a wrong password.
pub(crate) fn read(path: &Path, kek: &[u8; KEY_LEN]) -> Result<Dek, VaultError> {
    let stronghold = Stronghold::default();
    let client = stronghold
        .load_client_from_snapshot(
            CLIENT_PATH,
            &key_provider(kek)?,
            &SnapshotPath::from_path(path),
        )
        .map_err(|_| VaultError::WrongPassword)?;
    let dek = client
        .store()
        .get(DEK_KEY)
        .map_err(|e| VaultError::Stronghold(e.to_string()))?
        .map(Zeroizing::new)
        .and_then(|bytes| Dek::from_slice(&bytes));
    drop(stronghold.clear());
    dek.ok_or_else(|| {
        VaultError::corrupt(path.display().to_string(), "no data-encryption key inside")
    })
}
