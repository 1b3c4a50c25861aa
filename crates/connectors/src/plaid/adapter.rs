//! The Plaid connector: Hosted Link, token exchange, holdings and balances, institution search.

use super::config::{PlaidConfig, link_products};
use super::credential::PlaidCredential;
use super::http::client as ep;
use super::http::error::to_connector;
use super::http::{PlaidHttp, parse};
use crate::ConnectorError;
use crate::capability::Portfolio;
use crate::directory::{InstitutionDirectory, RemoteInstitution};
use crate::http::{HttpError, LatencySnapshot};
use async_trait::async_trait;
use brokerdesk_model::vendors::LinkPurpose;
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
    /// An institution of Plaid's directory (`ins_…`) to open Link on (`institution_id`, which
    /// the spec documents as "used for certain legacy use cases": Plaid may ignore it).
    pub institution_id: Option<String>,
    /// What the user links: the products Link asks for (`link_products`).
    pub purpose: LinkPurpose,
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

/// One linked Item (one login at one institution) and what the connector keeps about it.
struct ItemState {
    access_token: SecretString,
    /// When `/accounts/balance/get` (billed per call) last ran for this Item.
    live_balance_at: std::sync::Mutex<Option<std::time::Instant>>,
    /// The accounts it listed last (id and Plaid's account type), so an expired login still
    /// shows them (marked).
    accounts: std::sync::Mutex<Vec<(String, Option<String>)>>,
    /// Set while Plaid says the login expired (ITEM_LOGIN_REQUIRED): the note for its accounts.
    expired: std::sync::Mutex<Option<String>>,
    /// `/transactions/sync`: the cursor reached and the transactions seen (by id), in memory
    /// for this run; the service stores activity by id, so a restart reads from the start.
    sync: tokio::sync::Mutex<SyncState>,
}

#[derive(Default)]
struct SyncState {
    cursor: Option<String>,
    seen: std::collections::BTreeMap<String, brokerdesk_model::ActivityEntry>,
}

impl ItemState {
    fn new(access_token: SecretString) -> Self {
        Self {
            access_token,
            live_balance_at: std::sync::Mutex::new(None),
            accounts: std::sync::Mutex::new(Vec::new()),
            expired: std::sync::Mutex::new(None),
            sync: tokio::sync::Mutex::new(SyncState::default()),
        }
    }
}

fn locked<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct PlaidConnector {
    http: PlaidHttp,
    config: PlaidConfig,
    /// Every Item linked through this connection (linking again adds one).
    items: Vec<ItemState>,
}

impl std::fmt::Debug for PlaidConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaidConnector")
            .field("http", &self.http)
            .field("environment", &self.config.environment)
            .field("items", &self.items.len())
            .finish()
    }
}

impl PlaidConnector {
    pub fn new(config: PlaidConfig, credential: PlaidCredential) -> Result<Self, ConnectorError> {
        Ok(Self {
            http: PlaidHttp::new(&config, credential)?,
            config,
            items: Vec::new(),
        })
    }

    /// The same connector reading one more linked Item.
    pub fn with_access_token(mut self, access_token: SecretString) -> Self {
        self.items.push(ItemState::new(access_token));
        self
    }

    fn no_item() -> ConnectorError {
        ConnectorError::NeedsSignIn("no account is linked through Plaid yet".into())
    }

    /// The Item an account belongs to, as the last listing said (listing them first if it
    /// is not known yet). With one Item there is nothing to choose: Plaid itself answers
    /// for an account it does not have.
    async fn item_of(&self, account: &AccountId) -> Result<&ItemState, ConnectorError> {
        let find = || {
            self.items.iter().find(|i| {
                locked(&i.accounts)
                    .iter()
                    .any(|(a, _)| a == account.as_str())
            })
        };
        if let Some(item) = find() {
            return Ok(item);
        }
        match self.items.as_slice() {
            [] => Err(Self::no_item()),
            [only] => Ok(only),
            _ => {
                self.accounts().await?;
                find().ok_or_else(|| ConnectorError::UnknownAccount(account.clone()))
            }
        }
    }

    /// An account of an Item whose login expired has no figures, only the note.
    fn expired(item: &ItemState) -> Result<(), ConnectorError> {
        match locked(&item.expired).clone() {
            Some(why) => Err(ConnectorError::BalanceUnknown(
                brokerdesk_model::BalanceUnknown::SignInExpired {
                    note: format!(
                        "This institution's login expired at Plaid ({why}); use \"Link accounts\" \
                         to sign in again."
                    ),
                },
            )),
            None => Ok(()),
        }
    }

    pub fn latency(&self) -> Option<LatencySnapshot> {
        self.http.api.latency().snapshot()
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
            None => {
                let (products, optional) = link_products(r.purpose);
                body["products"] = json!(products);
                body["optional_products"] = json!(optional);
            }
        }
        if let Some(uri) = &r.redirect_uri {
            body["redirect_uri"] = json!(uri);
        }
        if let Some(id) = &r.institution_id {
            body["institution_id"] = json!(id);
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

    /// The products Plaid lists for an institution of its directory.
    pub async fn institution_products(
        &self,
        institution_id: &str,
    ) -> Result<Vec<String>, ConnectorError> {
        let r = self
            .send(&ep::GetInstitution {
                institution_id: institution_id.to_owned(),
                country_codes: self.config.country_codes.clone(),
            })
            .await?;
        Ok(r.institution.products)
    }
}

#[async_trait]
impl Portfolio for PlaidConnector {
    /// The accounts of every Item — bank, card, loan and investment alike — from
    /// `/accounts/get` (free; holdings would fail on a bank-only login). An Item whose login
    /// expired (an `ITEM_ERROR`, e.g. ITEM_LOGIN_REQUIRED) keeps the accounts it listed
    /// before, marked by their balances; it never hides the other Items' accounts. Only when
    /// no Item can be read at all is the connection's read an error.
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        if self.items.is_empty() {
            return Err(Self::no_item());
        }
        let reads = futures::future::join_all(self.items.iter().map(|item| async move {
            self.send(&ep::GetAccounts {
                access_token: item.access_token.clone(),
            })
            .await
        }))
        .await;
        let mut out = Vec::new();
        let mut first_error = None;
        for (item, read) in self.items.iter().zip(reads) {
            match read {
                Ok(r) => {
                    let listed = r
                        .accounts
                        .into_iter()
                        .map(|a| (a.account_id, a.type_))
                        .collect();
                    *locked(&item.accounts) = listed;
                    *locked(&item.expired) = None;
                }
                Err(ConnectorError::NeedsSignIn(why)) => {
                    *locked(&item.expired) = Some(why.clone());
                    if locked(&item.accounts).is_empty() {
                        first_error.get_or_insert(ConnectorError::NeedsSignIn(why));
                    }
                }
                Err(e) => return Err(e),
            }
            out.extend(
                locked(&item.accounts)
                    .iter()
                    .map(|(id, _)| AccountId::new(id)),
            );
        }
        match (out.is_empty(), first_error) {
            (true, Some(e)) => Err(e),
            _ => Ok(out),
        }
    }

    /// Balances, billing-aware: Plaid bills `/accounts/balance/get` per call, so it runs at
    /// most once per `live_balance_every` per Item (and when the user asks,
    /// `BilledBalances::read_live_next`); in between, `/accounts/get` gives the balances Plaid last
    /// fetched, free.
    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        let item = self.item_of(account).await?;
        Self::expired(item)?;
        let live = locked(&item.live_balance_at)
            .is_none_or(|at| at.elapsed() >= self.config.live_balance_every);
        let r = if live {
            // Marked before the call: concurrent reads of the Item's accounts share one.
            *locked(&item.live_balance_at) = Some(std::time::Instant::now());
            let r = self
                .http
                .api
                .send(&ep::GetBalance {
                    access_token: item.access_token.clone(),
                    account_ids: Some(vec![account.as_str().to_owned()]),
                })
                .await;
            if r.is_err() {
                // Not billed for a failure: try again next time.
                *locked(&item.live_balance_at) = None;
            }
            r
        } else {
            self.http
                .api
                .send(&ep::GetAccounts {
                    access_token: item.access_token.clone(),
                })
                .await
        };
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

    /// Holdings of an investment account; a bank, card or loan account holds no securities
    /// (and its Item may not have the investments product at all).
    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        let item = self.item_of(account).await?;
        Self::expired(item)?;
        let kind = locked(&item.accounts)
            .iter()
            .find(|(id, _)| id == account.as_str())
            .and_then(|(_, kind)| kind.clone());
        if kind.as_deref().is_some_and(|k| k != "investment") {
            return Ok(Vec::new());
        }
        let h = self
            .send(&ep::GetHoldings {
                access_token: item.access_token.clone(),
                account_ids: None,
            })
            .await?;
        if !h.accounts.iter().any(|a| a.account_id == account.as_str()) {
            return Err(ConnectorError::UnknownAccount(account.clone()));
        }
        Ok(parse::positions(&h, account.as_str()))
    }
}

/// Plaid bills `/accounts/balance/get` per call.
impl crate::BilledBalances for PlaidConnector {
    fn live_every(&self) -> std::time::Duration {
        self.config.live_balance_every
    }

    /// The next balance read asks Plaid for live balances (`/accounts/balance/get`) whatever
    /// the time since the last one: the user asked for it.
    fn read_live_next(&self) {
        for item in &self.items {
            *locked(&item.live_balance_at) = None;
        }
    }
}

/// Pages of `/transactions/sync` read in one call at most (500 changes each).
const MAX_SYNC_PAGES: usize = 20;

#[async_trait]
impl crate::AccountActivity for PlaidConnector {
    /// The account's bank or card transactions (the `transactions` product): its Item's
    /// changes since the last sync are applied (added, modified, removed), then the account's
    /// transactions come newest first, filtered by `since`/`until`. One page (no cursor):
    /// the sync cursor is Plaid's own, kept per Item.
    async fn activity(
        &self,
        account: &AccountId,
        query: &crate::types::TransactionQuery,
    ) -> Result<crate::types::ActivityPage, ConnectorError> {
        let item = self.item_of(account).await?;
        Self::expired(item)?;
        let mut state = item.sync.lock().await;
        for _ in 0..MAX_SYNC_PAGES {
            let page = self
                .send(&ep::SyncTransactions {
                    access_token: item.access_token.clone(),
                    cursor: state.cursor.clone(),
                    count: 500,
                })
                .await?;
            for t in page.added.iter().chain(&page.modified) {
                let entry = parse::activity(t)?;
                state.seen.insert(entry.id.clone(), entry);
            }
            for r in &page.removed {
                state.seen.remove(&r.transaction_id);
            }
            state.cursor = Some(page.next_cursor);
            if !page.has_more {
                break;
            }
        }
        let mut entries: Vec<_> = state
            .seen
            .values()
            .filter(|e| e.account_id == *account)
            .filter(|e| query.since.is_none_or(|s| e.time >= s))
            .filter(|e| query.until.is_none_or(|u| e.time <= u))
            .cloned()
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.time));
        Ok(crate::types::ActivityPage {
            entries,
            next_cursor: None,
        })
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
                // Every institution: a brokerage links for its holdings, a bank for its
                // transactions (`purpose_for`).
                products: Vec::new(),
                country_codes: self.config.country_codes.clone(),
            })
            .await?;
        Ok(r.institutions.iter().map(parse::institution).collect())
    }
}
