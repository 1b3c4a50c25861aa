//! The connection list as version 2 wrote it, frozen: read once, to migrate. Version 2 had one
//! record variant per vendor (their serde tags are the vendors' ids, hence the names here);
//! version 3 has one generic record (`registry::ConnectionRecord`).

use crate::connection_record::{ConnectionRecord, SignInKind};
use brokerdesk_model::{AlpacaEnvironment, ConnectionId, VendorId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "vendor")]
pub(crate) enum Endpoint {
    Alpaca {
        environment: AlpacaEnvironment,
        credential: String,
    },
    Ibkr {
        gateway_url: String,
        accept_self_signed: bool,
    },
    #[serde(rename = "oauth")]
    OAuth {
        provider: VendorId,
        client_id: String,
        token_url: String,
        #[serde(default)]
        uses_client_secret: bool,
    },
    Stripe(KeyEndpoint),
    Square(KeyEndpoint),
    Paypal(KeyEndpoint),
    Snaptrade(KeyEndpoint),
    Plaid(KeyEndpoint),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyEndpoint {
    pub sandbox: bool,
    pub credential: String,
    #[serde(default)]
    pub base_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub id: ConnectionId,
    pub display_name: String,
    pub endpoint: Endpoint,
    pub created_at: DateTime<Utc>,
}

/// What version 2's seal covered.
pub(crate) fn sealed_bytes(connections: &[Record]) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = b"brokerdesk connections v2\n".to_vec();
    serde_json::to_writer(&mut bytes, connections)?;
    Ok(bytes)
}

/// The same connection as a version 3 record: the vendor's own settings become its config,
/// unchanged in meaning (each descriptor reads exactly these fields).
pub(crate) fn migrate(old: Record) -> ConnectionRecord {
    use serde_json::json;
    let (vendor, sign_in, config, credential) = match old.endpoint {
        Endpoint::Alpaca {
            environment,
            credential,
        } => (
            "alpaca".to_owned(),
            SignInKind::Form,
            json!({ "environment": environment }),
            Some(credential),
        ),
        Endpoint::Ibkr {
            gateway_url,
            accept_self_signed,
        } => (
            "ibkr".to_owned(),
            SignInKind::Form,
            json!({ "gateway_url": gateway_url, "accept_self_signed": accept_self_signed }),
            None,
        ),
        Endpoint::OAuth {
            provider,
            client_id,
            token_url,
            uses_client_secret,
        } => (
            provider.as_str().to_owned(),
            SignInKind::OAuth,
            json!({ "client_id": client_id, "token_url": token_url,
                    "uses_client_secret": uses_client_secret }),
            None,
        ),
        Endpoint::Stripe(k) => key("stripe", k),
        Endpoint::Square(k) => key("square", k),
        Endpoint::Paypal(k) => key("paypal", k),
        Endpoint::Snaptrade(k) => key("snaptrade", k),
        Endpoint::Plaid(k) => key("plaid", k),
    };
    ConnectionRecord {
        id: old.id,
        display_name: old.display_name,
        vendor: VendorId::new(vendor),
        sign_in,
        config,
        credential,
        created_at: old.created_at,
    }
}

fn key(vendor: &str, k: KeyEndpoint) -> (String, SignInKind, serde_json::Value, Option<String>) {
    (
        vendor.to_owned(),
        SignInKind::Form,
        serde_json::json!({ "sandbox": k.sandbox, "base_url": k.base_url }),
        Some(k.credential),
    )
}
