//! The vault: every key and token sealed locally; unlocking it is the app's sign-in.
//!
//! Layout of `<data dir>/vault/`:
//! - `vault.json`: plaintext header: Argon2id parameters, salt and version, the current
//!   snapshot's generation and checksum, the current data file's generation. It is the single
//!   commit point of password changes and data-key rotations.
//! - `snapshot-<n>.stronghold`: a Stronghold snapshot, encrypted under the key derived from the
//!   password, holding the random 256-bit data-encryption key (DEK).
//! - `vault.data.<m>`: the profile (role), the credential records and the sealed MAC key. Each
//!   secret is sealed with AES-256-GCM under the DEK (random 96-bit nonce; associated data binds
//!   the record's id, vendor, connection and kind); the whole file is authenticated with GMAC
//!   under the DEK.
//! - `vault.lock`: inter-process lock between the app and the CLI.
//!
//! Callers go through [`SecretStore`]; [`StrongholdVault`] is the backend. Secrets come out as
//! [`secrecy::SecretString`] and are never part of `Debug`, `Display` or serialised output.

mod atomic;
mod backup;
mod clock;
mod crypto;
mod datafile;
mod error;
mod files;
mod header;
mod kdf;
mod mac;
mod profile;
mod record;
mod snapshot;
mod stamp;
mod store;
mod vault;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::VaultError;
#[doc(hidden)]
pub use files::CommitStep;
pub use kdf::{
    KdfAlgorithm, KdfParams, MAX_M_COST_KIB, MAX_P_COST, MAX_T_COST, MIN_P_COST, MIN_T_COST,
};
pub use profile::{AccessError, Action, MAX_LIVE_ARMING, Profile, Role};
pub use record::{CredentialId, CredentialKind, CredentialMeta, NewCredential};
pub use secrecy::{ExposeSecret, SecretString};
pub use store::{DataKey, ImportReport, SecretStore, VaultStatus};
pub use vault::{DEFAULT_IDLE_TIMEOUT, MIN_PASSWORD_CHARS, StrongholdVault, VaultOptions};
