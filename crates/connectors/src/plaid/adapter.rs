//! The Plaid connector: Hosted Link, token exchange, holdings and balances, institution search.

use super::config::PlaidConfig;
use super::credential::PlaidCredential;
use super::http::client as ep;
use super::http::error::to_connector;
use super::http::{PlaidHttp, parse};
use crate::ConnectorError;
use crate::capability::Portfolio;
use crate::directory::{InstitutionDirectory, RemoteInstitution};
use crate::http::{HttpError, LatencySnapshot};
use async_trait::async_trait;
use brokerdesk_model::{AccountId, Balances, Position};
use secrecy::SecretString;
use serde_json::json;

/// What to ask Link for.
#[derive(Clone, Debug)]
pub struct LinkRequest {
    /// Our stable id of the user (never personal data).
    pub client_user_id: String,
    /// Where Hosted Link sends the browser when the user is done: our loopback listener.
    pub completion_redirect_uri: Option<String>,
    /// OAuth institutions return here; must be registered in the Plaid dashboard (HTTPS in
    /// Production, `http://localhost` only in Sandbox).
    pub redirect_uri: Option<String>,
    /// An existing Item to repair (update mode after ITEM_LOGIN_REQUIRED).
    pub access_token: Option<SecretString>,
}

/// A Link session. The link token (with our client secret) reads the session's results, and
/// the Hosted Link URL is the session itself: `Debug` shows neither.
#[derive(Clone)]
pub struct LinkToken {
    pub link_token: SecretString,
    pub expiration: Option<String>,
    /// Open this in the system browser.
    pub hosted_link_url: String,
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkToken")
            .field("link_token", &"[REDACTED]")
            .field("expiration", &self.expiration)
            .field("hosted_link_url", &"[REDACTED]")
            .finish()
    }
}

/// A linked Item: its access token belongs in the vault.
pub struct PlaidItem {
    pub item_id: String,
    pub access_token: SecretString,
}

impl std::fmt::Debug for PlaidItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaidItem")
            .field("item_id", &self.item_id)
            .field("access_token", &"[REDACTED]")
            .finish()
    }
}

pub struct PlaidConnector {
    http: PlaidHttp,
    config: PlaidConfig,
    access_token: Option<SecretString>,
}

impl std::fmt::Debug for PlaidConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaidConnector")
            .field("http", &self.http)
            .field("environment", &self.config.environment)
            .field("linked", &self.access_token.is_some())
            .finish()
    }
}

impl PlaidConnector {
    pub fn new(config: PlaidConfig, credential: PlaidCredential) -> Result<Self, ConnectorError> {
        Ok(Self {
            http: PlaidHttp::new(&config, credential)?,
            config,
            access_token: None,
        })
    }

    /// The same connector reading one linked Item.
    pub fn with_access_token(mut self, access_token: SecretString) -> Self {
        self.access_token = Some(access_token);
        self
    }

    pub fn latency(&self) -> Option<LatencySnapshot> {
        self.http.api.latency().snapshot()
    }

    fn token(&self) -> Result<SecretString, ConnectorError> {
        self.access_token.clone().ok_or_else(|| {
            ConnectorError::NeedsSignIn("no account is linked through Plaid yet".into())
        })
    }

    async fn send<E: crate::http::Endpoint>(&self, e: &E) -> Result<E::Output, ConnectorError> {
        self.http.api.send(e).await.map_err(to_connector)
    }

    /// A Hosted Link session for the system browser.
    pub async fn create_link_token(&self, r: &LinkRequest) -> Result<LinkToken, ConnectorError> {
        use secrecy::ExposeSecret;
        let mut hosted = json!({ "is_mobile_app": false });
        if let Some(uri) = &r.completion_redirect_uri {
            hosted["completion_redirect_uri"] = json!(uri);
        }
        let mut body = json!({
            "client_name": self.config.client_name,
            "user": { "client_user_id": r.client_user_id },
            "country_codes": self.config.country_codes,
            "language": self.config.language,
            "hosted_link": hosted,
        });
        match &r.access_token {
            // Update mode names the Item and no products.
            Some(t) => body["access_token"] = json!(t.expose_secret()),
            None => body["products"] = json!(self.config.products),
        }
        if let Some(uri) = &r.redirect_uri {
            body["redirect_uri"] = json!(uri);
        }
        let t = self.send(&ep::CreateLinkToken(body)).await?;
        let hosted_link_url = t.hosted_link_url.ok_or_else(|| {
            ConnectorError::BadResponse(
                "Plaid sent no hosted_link_url; Hosted Link may not be enabled for this client"
                    .into(),
            )
        })?;
        Ok(LinkToken {
            link_token: t.link_token,
            expiration: t.expiration,
            hosted_link_url,
        })
    }

    /// The public tokens a finished Hosted Link session produced (one per institution linked;
    /// `on_success` carries the first again, so it is only a fallback).
    pub async fn link_results(
        &self,
        link_token: &SecretString,
    ) -> Result<Vec<SecretString>, ConnectorError> {
        use secrecy::ExposeSecret;
        let got = self.send(&ep::GetLinkToken(link_token.clone())).await?;
        let mut tokens: Vec<SecretString> = Vec::new();
        for session in got.link_sessions {
            let added = session
                .results
                .map(|r| r.item_add_results)
                .unwrap_or_default();
            let from_results: Vec<SecretString> =
                added.into_iter().filter_map(|r| r.public_token).collect();
            let found = if from_results.is_empty() {
                session
                    .on_success
                    .and_then(|s| s.public_token)
                    .into_iter()
                    .collect()
            } else {
                from_results
            };
            for t in found {
                if !tokens
                    .iter()
                    .any(|seen| seen.expose_secret() == t.expose_secret())
                {
                    tokens.push(t);
                }
            }
        }
        Ok(tokens)
    }

    /// Exchanges the public token Link produced for the Item's access token.
    pub async fn exchange_public_token(
        &self,
        public_token: SecretString,
    ) -> Result<PlaidItem, ConnectorError> {
        let r = self.send(&ep::ExchangePublicToken(public_token)).await?;
        Ok(PlaidItem {
            item_id: r.item_id,
            access_token: r.access_token,
        })
    }

    pub async fn institution(
        &self,
        institution_id: &str,
    ) -> Result<RemoteInstitution, ConnectorError> {
        let r = self
            .send(&ep::GetInstitution {
                institution_id: institution_id.to_owned(),
                country_codes: self.config.country_codes.clone(),
            })
            .await?;
        Ok(parse::institution(&r.institution))
    }
}

#[async_trait]
impl Portfolio for PlaidConnector {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        let h = self
            .send(&ep::GetHoldings {
                access_token: self.token()?,
                account_ids: None,
            })
            .await?;
        Ok(h.accounts
            .into_iter()
            .map(|a| AccountId::new(a.account_id))
            .collect())
    }

    /// Real-time balances (`/accounts/balance/get`) of the one account.
    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        let r = self
            .http
            .api
            .send(&ep::GetBalance {
                access_token: self.token()?,
                account_ids: Some(vec![account.as_str().to_owned()]),
            })
            .await;
        let r = match r {
            Ok(r) => r,
            Err(HttpError::Status { code: Some(c), .. }) if c.ends_with(":INVALID_ACCOUNT_ID") => {
                return Err(ConnectorError::UnknownAccount(account.clone()));
            }
            Err(e) => return Err(to_connector(e)),
        };
        r.accounts
            .iter()
            .find(|a| a.account_id == account.as_str())
            .map(parse::balances)
            .ok_or_else(|| ConnectorError::UnknownAccount(account.clone()))
    }

    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        let h = self
            .send(&ep::GetHoldings {
                access_token: self.token()?,
                account_ids: None,
            })
            .await?;
        if !h.accounts.iter().any(|a| a.account_id == account.as_str()) {
            return Err(ConnectorError::UnknownAccount(account.clone()));
        }
        Ok(parse::positions(&h, account.as_str()))
    }
}

#[async_trait]
impl InstitutionDirectory for PlaidConnector {
    async fn search_institutions(
        &self,
        query: &str,
    ) -> Result<Vec<RemoteInstitution>, ConnectorError> {
        // Plaid refuses an empty query (minLength 1); nothing to search for is no results.
        if query.trim().is_empty() {
            return Ok(Vec::new());
        }
        let r = self
            .send(&ep::SearchInstitutions {
                query: query.trim().to_owned(),
                products: self.config.products.clone(),
                country_codes: self.config.country_codes.clone(),
            })
            .await?;
        Ok(r.institutions.iter().map(parse::institution).collect())
    }
}
