//! Service errors, and the code each one carries across IPC.

use brokerdesk_connectors::ConnectorError;
use brokerdesk_model::{ConnectionId, ErrorCode, IpcError};

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
    #[error("{0}")]
    Config(String),
    #[error("could not prepare the data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ServiceError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::UnknownConnection(_) => ErrorCode::NotFound,
            Self::Connector { source, .. } => match source {
                ConnectorError::UnknownAccount(_) => ErrorCode::NotFound,
                ConnectorError::NeedsSignIn(_) => ErrorCode::NeedsSignIn,
                ConnectorError::Unavailable(_) | ConnectorError::BadResponse(_) => {
                    ErrorCode::Unavailable
                }
                ConnectorError::Rejected(_) => ErrorCode::Rejected,
            },
            Self::Config(_) => ErrorCode::InvalidInput,
            Self::DataDir { .. } => ErrorCode::Internal,
        }
    }
}

impl From<&ServiceError> for IpcError {
    fn from(err: &ServiceError) -> Self {
        IpcError::new(err.code(), err.to_string())
    }
}
