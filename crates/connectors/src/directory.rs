//! Institution search offered by an aggregator (Plaid's institution search, SnapTrade's
//! brokerage list), merged with the static catalog by `brokerdesk_model::search::merge_search`.

use crate::ConnectorError;
use async_trait::async_trait;
pub use brokerdesk_model::search::RemoteInstitution;

#[async_trait]
pub trait InstitutionDirectory: Send + Sync {
    /// Institutions whose names match `query`, best first as the aggregator ranks them.
    async fn search_institutions(
        &self,
        query: &str,
    ) -> Result<Vec<RemoteInstitution>, ConnectorError>;
}
