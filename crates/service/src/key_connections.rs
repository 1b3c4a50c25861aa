//! Connections made with a vendor's form: keys pasted from its dashboard, a gateway address,
//! a server and key pair. Which vendor, which fields and what they mean is the vendor's
//! descriptor's business (`brokerdesk_connectors::registry`); this module only runs the steps
//! every vendor shares, in this order:
//!
//! 1. the fields are checked against the descriptor's own form (`model::key_fields`);
//! 2. the descriptor prepares the connection (its typed settings, the secrets to seal, its
//!    name), asking the vendor where it must (registering an aggregator's user);
//! 3. the connection is opened and the vendor asked once (`Capabilities::check`);
//! 4. only then are the secrets sealed in the vault as ONE record and the record saved.
//!
//! Base URLs: the vendor's own, unless `ServiceConfig::key_vendor_urls` names another for the
//! vendor id (tests, proxies); the URL the keys were tried against is kept in the settings so
//! the rebuilt connector reaches the same place.

use crate::error::ServiceError;
use crate::opening::vendor_error;
use crate::registry::{ConnectionRecord, SignInKind};
use crate::service::BrokerageService;
use brokerdesk_connectors::registry as vendors;
use brokerdesk_connectors::vendor::{self, FormInput, OpenRequest, Secrets};
use brokerdesk_model::key_fields::check_fields;
use brokerdesk_model::vault::CredentialKind;
use brokerdesk_model::{ConnectionId, ConnectionSummary, KeyConnectionArgs};
use brokerdesk_vault::NewCredential;
use chrono::Utc;
use secrecy::SecretString;
use zeroize::{Zeroize, Zeroizing};

impl BrokerageService {
    /// Adds a connection with a vendor's form. The vendor is asked first (one read); nothing
    /// is stored unless it accepts.
    pub async fn add_key_connection(
        &self,
        args: KeyConnectionArgs,
    ) -> Result<ConnectionSummary, ServiceError> {
        let KeyConnectionArgs {
            vendor,
            fields: mut raw,
            sandbox,
            label,
        } = args;
        let found =
            vendors::descriptor(vendor.as_str()).and_then(|d| Some((d, (d.form?)(), d.prepare?)));
        let checked = match &found {
            Some((_, form, _)) => check_fields(form, &raw).map_err(ServiceError::InvalidInput),
            None => Err(ServiceError::InvalidInput(format!(
                "{vendor} does not connect with pasted keys"
            ))),
        };
        // The typed values leave memory whatever happens next; `checked` holds the copies.
        for value in raw.values_mut() {
            value.zeroize();
        }
        let fields = Secrets(checked?);
        let Some((descriptor, _, prepare)) = found else {
            return Err(ServiceError::InvalidInput(format!(
                "{vendor} does not connect with pasted keys"
            )));
        };

        self.guard_connecting()?;

        // Errors name the vendor, not a connection id: that connection does not exist yet.
        let named = ConnectionId::new(descriptor.id);
        let prepared = prepare(FormInput {
            fields,
            sandbox,
            base_url: self
                .inner
                .config
                .key_vendor_urls
                .get(descriptor.id)
                .cloned(),
            label,
        })
        .await
        .map_err(|e| vendor_error(&named, e))?;

        let id = ConnectionId::new(format!(
            "{}-{}",
            descriptor.id,
            uuid::Uuid::new_v4().simple()
        ));
        let capabilities = (descriptor.open)(&OpenRequest {
            connection: id.as_str(),
            config: &prepared.config,
            secrets: prepared.secrets.as_ref(),
        })
        .map_err(|e| vendor_error(&named, e))?;
        // The vendor's word on the keys, before anything is stored.
        capabilities
            .check()
            .await
            .map_err(|source| ServiceError::Connector {
                connection: named.clone(),
                source: vendor::refused(descriptor.name, source),
            })?;
        drop(capabilities);

        let record = |credential: Option<String>| ConnectionRecord {
            id: id.clone(),
            display_name: prepared.display_name.clone(),
            vendor: vendor.clone(),
            sign_in: SignInKind::Form,
            config: prepared.config.clone(),
            credential,
            created_at: Utc::now(),
        };
        let Some(secrets) = &prepared.secrets else {
            // Nothing secret (a gateway holds its own session): just the record.
            return self.save_record(record(None), None).await;
        };
        let secret = Zeroizing::new(
            serde_json::to_string(secrets)
                .map_err(|e| ServiceError::Internal(format!("encoding: {e}")))?,
        );
        let meta = self.inner.vault.with_store(|s| {
            s.put(NewCredential {
                vendor: vendor.clone(),
                connection: Some(id.clone()),
                label: prepared.credential_label.clone(),
                kind: CredentialKind::ApiSecret,
                expires_at: None,
                secret: SecretString::from(secret.as_str()),
            })
        })?;
        self.save_record(record(Some(meta.id.to_string())), Some(meta.id))
            .await
    }
}
