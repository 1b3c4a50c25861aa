//! Service errors, and the code each one carries across IPC.

use brokerdesk_connectors::ConnectorError;
use brokerdesk_model::{ConnectionId, ErrorCode, IpcError};
use brokerdesk_vault::{AccessError, VaultError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no connection named {0}")]
    UnknownConnection(ConnectionId),
    #[error("{connection}: {source}")]
    Connector {
        connection: ConnectionId,
        #[source]
        source: ConnectorError,
    },
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    Config(String),
    #[error("could not prepare the data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
    /// An OAuth sign-in that did not end with a connection; `code` is what the UI can do.
    #[error("{message}")]
    SignIn { code: ErrorCode, message: String },
    /// `connections.json` does not carry this vault's seal (see `registry`).
    #[error(
        "{path} was changed outside Brokerdesk: it no longer carries the seal this vault put on \
         it, so none of its connections were opened (the local paper sandbox works as usual). If \
         you did not change it, someone with access to this computer may have tried to send your \
         keys or orders elsewhere. To start over, remove that file and add your connections \
         again; their old keys stay in the vault until you remove them under Settings › Stored \
         credentials."
    )]
    ConnectionsTampered { path: String },
    /// The order is larger than the user's limit, or its size could not be checked: it goes
    /// out only when sent again confirmed (`OrderTicket::confirm_large`).
    #[error("{} Confirm it a second time to place it.", .0.summary)]
    NeedsConfirmation(LargeOrder),
    /// The broker holds the order back with warnings: answer them with
    /// `BrokerageService::answer_order_warnings`.
    #[error("{} asks to confirm this order: {}", .0.connection_name, .0.messages.join(" "))]
    OrderWarnings(Box<brokerdesk_model::OrderWarnings>),
    /// No order waits for an answer under this confirmation (expired, answered, or never).
    #[error(
        "this order's warnings can no longer be answered (they expire after a few minutes, or \
         were answered already); the order was not sent — place it again"
    )]
    WarningsExpired,
    /// No assistant's question waits under this id: answered already, expired, or its assistant
    /// went away.
    #[error(
        "this assistant's question is no longer open (answered already, expired, or the \
         assistant disconnected); nothing was sent"
    )]
    AssistantQuestionGone,
}

impl ServiceError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::UnknownConnection(_) => ErrorCode::NotFound,
            Self::Connector { source, .. } => match source {
                ConnectorError::UnknownAccount(_) => ErrorCode::NotFound,
                ConnectorError::NeedsSignIn(_) => ErrorCode::NeedsSignIn,
                ConnectorError::Unavailable(_)
                | ConnectorError::BadResponse(_)
                | ConnectorError::RateLimited { .. }
                | ConnectorError::BalanceUnknown(_) => ErrorCode::Unavailable,
                ConnectorError::Rejected(_) => ErrorCode::Rejected,
                ConnectorError::NeedsConfirmation(_) => ErrorCode::OrderWarnings,
            },
            Self::Vault(err) => vault_code(err),
            Self::Access(err) => access_code(err),
            Self::InvalidInput(_) | Self::Config(_) => ErrorCode::InvalidInput,
            Self::DataDir { .. } | Self::Internal(_) => ErrorCode::Internal,
            Self::SignIn { code, .. } => *code,
            Self::ConnectionsTampered { .. } => ErrorCode::Forbidden,
            Self::NeedsConfirmation(_) => ErrorCode::NeedsConfirmation,
            Self::OrderWarnings(_) => ErrorCode::OrderWarnings,
            Self::WarningsExpired | Self::AssistantQuestionGone => ErrorCode::NotFound,
        }
    }
}

fn vault_code(err: &VaultError) -> ErrorCode {
    match err {
        VaultError::Locked => ErrorCode::VaultLocked,
        VaultError::NotInitialized(_) => ErrorCode::NotFound,
        VaultError::NotFound(_) => ErrorCode::NotFound,
        VaultError::WrongPassword
        | VaultError::PasswordTooShort { .. }
        | VaultError::AlreadyInitialized(_)
        | VaultError::BackupRejected
        | VaultError::InvalidKdfParams(_)
        | VaultError::InvalidInput(_) => ErrorCode::InvalidInput,
        VaultError::Access(access) => access_code(access),
        _ => ErrorCode::Internal,
    }
}

fn access_code(err: &AccessError) -> ErrorCode {
    match err {
        AccessError::Locked => ErrorCode::VaultLocked,
        _ => ErrorCode::Forbidden,
    }
}

impl From<&ServiceError> for IpcError {
    fn from(err: &ServiceError) -> Self {
        IpcError::new(err.code(), err.to_string())
    }
}

/// An order that needs the user's second confirmation, with the figures that say why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LargeOrder {
    /// The order's value, when a price was known.
    pub notional: Option<rust_decimal::Decimal>,
    /// That value as a share of the account's equity, in percent (one decimal), when known.
    pub pct_of_equity: Option<rust_decimal::Decimal>,
    /// The user's limit, in percent.
    pub limit_pct: rust_decimal::Decimal,
    /// The figures in a sentence, for the user.
    pub summary: String,
}
