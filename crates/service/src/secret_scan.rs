//! A last check for fronts that hand data to a party outside the user's control (an AI
//! assistant over MCP): does this text contain any secret the app holds? The secrets never
//! leave the service; a front only learns yes or no.

use crate::error::ServiceError;
use crate::service::BrokerageService;
use secrecy::ExposeSecret;
use zeroize::Zeroizing;

/// Pieces shorter than this are not searched for: a 3-character field of a secret record (a
/// region, a flag) would match ordinary text; real keys and tokens are far longer.
const MIN_SECRET_CHARS: usize = 8;

impl BrokerageService {
    /// Whether `text` contains a secret: any vault record's secret (whole, and each string
    /// value of a JSON or `NAME=VALUE` record), or the local sandbox's secret key. With the vault
    /// locked or not created, only the sandbox's key is known, and only that is searched for.
    pub async fn contains_secret(&self, text: &str) -> Result<bool, ServiceError> {
        let mut secrets: Vec<Zeroizing<String>> = Vec::new();
        if let Some(given) = &self.inner.config.sandbox_credentials {
            secrets.push(Zeroizing::new(given.secret_key().to_owned()));
        } else if let Ok(c) = brokerdesk_paper::SandboxCredentials::load_or_create(
            &self.inner.config.data_dir.join("paper"),
        ) {
            secrets.push(Zeroizing::new(c.secret_key().to_owned()));
        }
        let state = self.vault().state()?;
        if state.initialized && state.unlocked {
            let from_vault = self.vault().with_store(|store| {
                let mut out = Vec::new();
                for meta in store.list()? {
                    let secret = store.get(meta.id)?;
                    out.push(Zeroizing::new(secret.expose_secret().to_owned()));
                }
                Ok(out)
            })?;
            for secret in from_vault {
                pieces(&secret, &mut secrets);
                secrets.push(secret);
            }
        }
        Ok(secrets
            .iter()
            .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
            .any(|s| text.contains(s.as_str())))
    }
}

/// The string values of a secret that is a JSON object or `NAME=VALUE` lines (a vendor form's
/// several secret fields, an OAuth token record), each searched for on its own.
fn pieces(secret: &str, out: &mut Vec<Zeroizing<String>>) {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(secret) {
        for value in map.values() {
            if let serde_json::Value::String(s) = value {
                out.push(Zeroizing::new(s.clone()));
            }
        }
        return;
    }
    for line in secret.lines() {
        if let Some((_, value)) = line.split_once('=') {
            out.push(Zeroizing::new(value.trim().to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_json_and_lines() {
        let mut out = Vec::new();
        pieces(
            r#"{"key_id":"PKABCDEFGH","secret_key":"s3cr3t-value-123","n":5}"#,
            &mut out,
        );
        let got: Vec<&str> = out.iter().map(|s| s.as_str()).collect();
        assert_eq!(got, vec!["PKABCDEFGH", "s3cr3t-value-123"]);
        let mut out = Vec::new();
        pieces("client_id=abc\nclient_secret=xyz-secret-999", &mut out);
        let got: Vec<&str> = out.iter().map(|s| s.as_str()).collect();
        assert_eq!(got, vec!["abc", "xyz-secret-999"]);
    }
}
