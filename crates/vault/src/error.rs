//! Typed errors: every failure a caller must tell apart has its own variant.

use crate::profile::AccessError;
use crate::record::CredentialId;
use std::path::PathBuf;

/// Everything that can go wrong in the vault. Display is one line and never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault exists in {0} yet; create one first")]
    NotInitialized(PathBuf),

    #[error("a vault already exists in {0}")]
    AlreadyInitialized(PathBuf),

    #[error("the vault is locked; unlock it first")]
    Locked,

    #[error("wrong password")]
    WrongPassword,

    #[error("the password is too short: use at least {min} characters")]
    PasswordTooShort { min: usize },

    /// A vault file failed its checksum or authentication: flipped bytes, truncation, tampering.
    /// Nothing was written, so the files on disk are as they were.
    #[error("vault file {file} is damaged or was tampered with ({reason})")]
    Corrupt { file: String, reason: String },

    /// A sealed record did not open under its own id, vendor, connection and kind.
    #[error("credential {0} was tampered with or moved; it cannot be opened")]
    RecordTampered(CredentialId),

    #[error("no credential with id {0}")]
    NotFound(CredentialId),

    #[error(
        "vault format version {found} is not supported by this build (it reads version {supported})"
    )]
    UnsupportedVersion { found: u32, supported: u32 },

    #[error("the backup password is wrong or the backup file is damaged")]
    BackupRejected,

    #[error("invalid key-derivation parameters: {0}")]
    InvalidKdfParams(String),

    #[error("{0}")]
    InvalidInput(String),

    #[error("{context}: {cause}")]
    Io {
        context: String,
        cause: std::io::Error,
    },

    #[error("stronghold: {0}")]
    Stronghold(String),

    #[error("cryptography failed: {0}")]
    Crypto(String),

    #[error(transparent)]
    Access(#[from] AccessError),
}

impl VaultError {
    pub(crate) fn io(context: impl Into<String>, cause: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            cause,
        }
    }

    pub(crate) fn corrupt(file: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Corrupt {
            file: file.into(),
            reason: reason.into(),
        }
    }
}
