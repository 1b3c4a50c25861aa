//! The user's registered OAuth app, entered in the app (or the CLI) instead of a vault command:
//! what each preset needs registered (the exact redirect URI to copy into the vendor's
//! dashboard, whether a client secret is required), and saving it as the vault's
//! `oauth client` credential of that preset, replacing an older one. The secret goes in only;
//! what comes out is whether one is stored and the end of the client id.

use super::BrowserFlows;
use super::oauth::{
    OAUTH_CLIENT_LABEL, SUGGESTED_REDIRECT_URI, oauth_preset, parse_redirect_uri, stored_client,
};
use crate::error::ServiceError;
use brokerdesk_connectors::registry as vendors;
use brokerdesk_model::VendorId;
use brokerdesk_model::vault::CredentialKind;
use brokerdesk_model::vendors::{OAuthClientArgs, OAuthClientInfo, OAuthPresetInfo};
use brokerdesk_oauth::preset;
use brokerdesk_vault::NewCredential;
use secrecy::SecretString;
use zeroize::Zeroize;

/// Longer than any vendor's client id; a paste of something else is refused, not stored.
const MAX_CLIENT_FIELD: usize = 512;

/// What the Connect page shows for each OAuth sign-in of a vendor.
pub(crate) fn preset_infos(vendor: &str) -> Vec<OAuthPresetInfo> {
    let Some(descriptor) = vendors::descriptor(vendor) else {
        return Vec::new();
    };
    let Some(support) = &descriptor.oauth else {
        return Vec::new();
    };
    support
        .presets
        .iter()
        .filter_map(|id| preset::preset(id))
        .map(|p| OAuthPresetInfo {
            id: VendorId::new(p.id),
            name: p.name.to_owned(),
            sandbox: p.id.ends_with("-sandbox"),
            client_secret_required: p.client_secret_required,
            any_loopback_port: p.loopback_any_port,
            suggested_redirect_uri: SUGGESTED_REDIRECT_URI.to_owned(),
            notes: p.notes.to_owned(),
        })
        .collect()
}

/// `…1234`.
fn hint(client_id: &str) -> String {
    let tail: Vec<char> = client_id.chars().rev().take(4).collect();
    format!("…{}", tail.into_iter().rev().collect::<String>())
}

/// A client id or secret as pasted: trimmed, one line of printable characters, not too long.
fn checked(what: &str, value: &str) -> Result<String, ServiceError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ServiceError::InvalidInput(format!("the {what} is empty")));
    }
    if value.chars().count() > MAX_CLIENT_FIELD
        || value.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(ServiceError::InvalidInput(format!(
            "the {what} must be one word of at most {MAX_CLIENT_FIELD} characters, as the \
             vendor's dashboard shows it"
        )));
    }
    Ok(value.to_owned())
}

impl BrowserFlows {
    /// Whether the user's app is registered for this preset, without its secret.
    pub(crate) fn oauth_client(
        &self,
        preset_id: &VendorId,
    ) -> Result<OAuthClientInfo, ServiceError> {
        let preset = oauth_preset(preset_id)?;
        let stored = match stored_client(&self.vault, preset) {
            Ok(stored) => stored,
            // An unreadable record is as good as none: saving replaces it.
            Err(ServiceError::InvalidInput(_)) => None,
            Err(other) => return Err(other),
        };
        Ok(OAuthClientInfo {
            preset: VendorId::new(preset.id),
            registered: stored.is_some(),
            client_id_hint: stored.as_ref().map(|s| hint(&s.client_id)),
            has_client_secret: stored
                .as_ref()
                .is_some_and(|s| s.client_secret.as_deref().is_some_and(|v| !v.is_empty())),
            redirect_uri: stored.as_ref().and_then(|s| s.redirect_uri.clone()),
        })
    }

    /// Checks the app's details against the preset's rules and seals them as the preset's
    /// `oauth client` credential, replacing any older one. Nothing is stored on a refusal.
    pub(crate) fn save_oauth_client(
        &self,
        mut args: OAuthClientArgs,
    ) -> Result<OAuthClientInfo, ServiceError> {
        let result = self.save_checked(&args);
        if let Some(secret) = args.client_secret.as_mut() {
            secret.zeroize();
        }
        result
    }

    fn save_checked(&self, args: &OAuthClientArgs) -> Result<OAuthClientInfo, ServiceError> {
        let preset = oauth_preset(&args.preset)?;
        let client_id = checked("client id", &args.client_id)?;
        let mut client_secret = match args.client_secret.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => Some(checked("client secret", s)?),
            _ if preset.client_secret_required => {
                return Err(ServiceError::InvalidInput(format!(
                    "{}'s token endpoint needs your app's client secret: paste it from {}'s \
                     dashboard",
                    preset.name, preset.name
                )));
            }
            _ => None,
        };
        let redirect_uri = match args.redirect_uri.as_deref().map(str::trim) {
            Some(uri) if !uri.is_empty() => {
                parse_redirect_uri(uri)?;
                Some(uri.to_owned())
            }
            _ if !preset.loopback_any_port => {
                return Err(ServiceError::InvalidInput(format!(
                    "{} accepts only the exact redirect URI registered with your app: register \
                     {SUGGESTED_REDIRECT_URI} (or another loopback address with a port) and enter it here",
                    preset.name
                )));
            }
            _ => None,
        };
        let mut json = serde_json::json!({ "client_id": client_id });
        if let Some(secret) = &client_secret {
            json["client_secret"] = secret.clone().into();
        }
        if let Some(uri) = &redirect_uri {
            json["redirect_uri"] = uri.clone().into();
        }
        let mut text = json.to_string();
        if let Some(secret) = client_secret.as_mut() {
            secret.zeroize();
        }
        if let Some(serde_json::Value::String(s)) = json.get_mut("client_secret") {
            s.zeroize();
        }
        let secret = SecretString::from(std::mem::take(&mut text));
        self.vault.with_store(|store| {
            let older: Vec<_> = store
                .list()?
                .into_iter()
                .filter(|c| {
                    c.vendor.as_str() == preset.id
                        && c.connection.is_none()
                        && matches!(
                            c.kind,
                            CredentialKind::Other | CredentialKind::AggregatorSecret
                        )
                        && c.label.trim().eq_ignore_ascii_case(OAUTH_CLIENT_LABEL)
                })
                .map(|c| c.id)
                .collect();
            // The new one first: a failure between the two leaves the old one usable.
            store.put(NewCredential {
                vendor: VendorId::new(preset.id),
                connection: None,
                label: OAUTH_CLIENT_LABEL.into(),
                kind: CredentialKind::Other,
                expires_at: None,
                secret,
            })?;
            for id in older {
                store.remove(id)?;
            }
            Ok(())
        })?;
        tracing::info!(preset = preset.id, "registered OAuth app saved");
        self.oauth_client(&args.preset)
    }
}
