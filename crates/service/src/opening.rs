//! Opens a saved connection through its vendor's descriptor: the vendor's settings from
//! `connections.json`, its keys from the vault, and the [`Capabilities`] the descriptor
//! returns, fitted into a [`Connection`]. Nothing here knows any vendor.

use crate::connection::{Connection, ConnectionParts};
use crate::error::ServiceError;
use crate::registry::ConnectionRecord;
use crate::vault_access::VaultAccess;
use brokerdesk_connectors::registry as vendors;
use brokerdesk_connectors::vendor::{Capabilities, OpenRequest, Secrets, VendorError};
use brokerdesk_connectors::{ConnectorError, Portfolio};
use brokerdesk_model::{AccountId, Balances, ConnectionId, Position, TradingMode, VendorId};
use brokerdesk_vault::CredentialId;
use secrecy::ExposeSecret;
use std::sync::Arc;

/// A descriptor's refusal as the service says it, about `connection`.
pub(crate) fn vendor_error(connection: &ConnectionId, err: VendorError) -> ServiceError {
    match err {
        VendorError::InvalidInput(why) => ServiceError::InvalidInput(why),
        VendorError::Unreadable(why) => ServiceError::Internal(why),
        VendorError::Connector(source) => ServiceError::Connector {
            connection: connection.clone(),
            source,
        },
    }
}

/// The vault record a connection's keys are in.
pub(crate) fn credential_id(
    record: &ConnectionRecord,
) -> Result<Option<CredentialId>, ServiceError> {
    record
        .credential
        .as_deref()
        .map(|c| c.parse().map_err(|why: String| ServiceError::Internal(why)))
        .transpose()
}

/// Opens a connection made with its vendor's form.
pub(crate) fn open(
    record: &ConnectionRecord,
    vault: &VaultAccess,
) -> Result<Connection, ServiceError> {
    let descriptor = vendors::descriptor(record.vendor.as_str()).ok_or_else(|| {
        ServiceError::Internal(format!(
            "{} is a connection to `{}`, which this Brokerdesk does not know",
            record.id, record.vendor
        ))
    })?;
    let secrets = match credential_id(record)? {
        Some(id) => {
            let secret = vault.with_store(|s| s.get(id))?;
            Some(
                Secrets::parse(secret.expose_secret(), descriptor.name)
                    .map_err(|e| vendor_error(&record.id, e))?,
            )
        }
        None => None,
    };
    let capabilities = (descriptor.open)(&OpenRequest {
        connection: record.id.as_str(),
        config: &record.config,
        secrets: secrets.as_ref(),
    })
    .map_err(|e| vendor_error(&record.id, e))?;
    Ok(connection(
        record.id.clone(),
        record.vendor(),
        record.display_name.clone(),
        record.mode(),
        capabilities,
    ))
}

/// A connection over what a descriptor opened.
pub(crate) fn connection(
    id: ConnectionId,
    vendor: VendorId,
    display_name: String,
    mode: TradingMode,
    capabilities: Capabilities,
) -> Connection {
    let Capabilities {
        portfolio,
        trading,
        market,
        streams,
        payments: _,
        activity,
        billed_balances,
        equity_history,
        portal,
        directory,
        account_modes,
        latency,
        check: _,
        keep,
    } = capabilities;
    let portfolio = portfolio.unwrap_or_else(|| Arc::new(NoAccounts) as Arc<dyn Portfolio>);
    let connection = Connection::new(ConnectionParts {
        id,
        vendor,
        display_name,
        mode,
        portfolio,
        trading,
        market,
        streams,
        latency,
        keep,
    })
    .with_portal(portal)
    .with_directory(directory)
    .with_activity(activity)
    .with_billed_balances(billed_balances)
    .with_equity_history(equity_history);
    match account_modes {
        Some(modes) => connection.with_account_modes(modes),
        None => connection,
    }
}

/// A connection without a portfolio lists no accounts.
struct NoAccounts;

#[async_trait::async_trait]
impl Portfolio for NoAccounts {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(Vec::new())
    }
    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        Err(ConnectorError::UnknownAccount(account.clone()))
    }
    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Err(ConnectorError::UnknownAccount(account.clone()))
    }
}
