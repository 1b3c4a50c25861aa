//! Alpaca's watchlist API: by id (`/v2/watchlists/{id}`, `/{id}/{symbol}`) and by name
//! (`/v2/watchlists:by_name?name=`), journaled so they survive restarts.

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use brokerdesk_model::{AccountId, Symbol};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

use super::auth::Authed;
use super::extract::{AlpacaJson, AlpacaQuery};
use super::runtime::State;
use super::{ApiError, AppState, wire};
use crate::engine::CommandKind;
use crate::engine::stable_uuid;
use crate::engine::watchlists::{Watchlist, WatchlistCommand, WatchlistError};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/watchlists", get(list).post(create))
        .route(
            "/v2/watchlists/{id}",
            get(get_by_id)
                .put(replace_by_id)
                .post(add_by_id)
                .delete(delete_by_id),
        )
        .route("/v2/watchlists/{id}/{symbol}", delete(remove_by_id))
        .route(
            "/v2/watchlists:by_name",
            get(get_by_name)
                .put(replace_by_name)
                .post(add_by_name)
                .delete(delete_by_name),
        )
}

impl From<WatchlistError> for ApiError {
    fn from(e: WatchlistError) -> Self {
        match e {
            WatchlistError::NotFound | WatchlistError::Missing(_) => {
                ApiError::not_found(e.to_string())
            }
            _ => ApiError::unprocessable(e.to_string()),
        }
    }
}

fn watchlist_json(s: &State, account: &AccountId, w: &Watchlist, with_assets: bool) -> Value {
    let mut v = json!({
        "id": w.id,
        "account_id": stable_uuid(&format!("account:{account}")),
        "created_at": wire::time(w.created_at),
        "updated_at": wire::time(w.updated_at),
        "name": w.name,
    });
    if with_assets && let Value::Object(m) = &mut v {
        let assets: Vec<Value> = w
            .symbols
            .iter()
            .filter_map(|sym| s.engine.asset(sym).map(wire::asset))
            .collect();
        m.insert("assets".into(), Value::Array(assets));
    }
    v
}

/// Which watchlist a request names.
#[derive(Clone)]
enum Which {
    Id(Uuid),
    Name(String),
}

impl Which {
    fn resolve(&self, s: &State, account: &AccountId) -> Result<Uuid, ApiError> {
        match self {
            Self::Id(id) => s.watchlists.get(account, *id).map(|w| w.id),
            Self::Name(name) => s.watchlists.by_name(account, name).map(|w| w.id),
        }
        .ok_or_else(|| WatchlistError::NotFound.into())
    }
}

fn listed(s: &State, symbols: &[Symbol]) -> Result<(), ApiError> {
    match symbols.iter().find(|sym| s.engine.asset(sym).is_none()) {
        Some(sym) => Err(ApiError::unprocessable(format!(
            "asset \"{sym}\" not found"
        ))),
        None => Ok(()),
    }
}

/// The watchlist a change touched (none for a delete), or why it was refused.
type Verdict = Result<Option<Uuid>, ApiError>;

/// Works out a command from the state, checks it and applies it, in one step on the exchange
/// thread (so two racing requests cannot both take a name); answers the watchlist after it.
async fn change(
    app: &AppState,
    make: impl FnOnce(&State) -> Result<WatchlistCommand, ApiError> + Send + 'static,
) -> Result<Option<Uuid>, ApiError> {
    let verdict: Arc<Mutex<Option<Verdict>>> = Arc::new(Mutex::new(None));
    let out = verdict.clone();
    app.handle
        .plan(move |s| {
            let r = make(s).and_then(|cmd| {
                s.watchlists.check(&cmd)?;
                Ok(cmd)
            });
            let (result, commands) = match r {
                Ok(cmd) => {
                    let id = match &cmd {
                        WatchlistCommand::Delete { .. } => None,
                        WatchlistCommand::Create { id, .. }
                        | WatchlistCommand::Replace { id, .. }
                        | WatchlistCommand::Add { id, .. }
                        | WatchlistCommand::Remove { id, .. } => Some(*id),
                    };
                    (Ok(id), vec![CommandKind::Watchlist(cmd)])
                }
                Err(e) => (Err(e), Vec::new()),
            };
            *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            commands
        })
        .await?;
    let result = verdict.lock().unwrap_or_else(|e| e.into_inner()).take();
    result.unwrap_or_else(|| Err(super::ExchangeGone.into()))
}

async fn show(app: &AppState, account: AccountId, which: Which) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        app.handle
            .read(move |s| {
                let id = which.resolve(s, &account)?;
                let w = s
                    .watchlists
                    .get(&account, id)
                    .ok_or(WatchlistError::NotFound)?;
                Ok::<_, ApiError>(watchlist_json(s, &account, w, true))
            })
            .await??,
    ))
}

async fn list(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        app.handle
            .read(move |s| {
                Value::Array(
                    s.watchlists
                        .of(&account)
                        .iter()
                        .map(|w| watchlist_json(s, &account, w, false))
                        .collect(),
                )
            })
            .await?,
    ))
}

#[derive(Deserialize)]
struct ListBody {
    name: Option<String>,
    #[serde(default)]
    symbols: Option<Vec<Option<String>>>,
}

fn symbols_of(body: &ListBody) -> Vec<Symbol> {
    body.symbols
        .iter()
        .flatten()
        .flatten()
        .map(Symbol::new)
        .collect()
}

fn name_of(body: &ListBody) -> Result<String, ApiError> {
    body.name
        .clone()
        .ok_or_else(|| ApiError::unprocessable("name is required"))
}

async fn create(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaJson(body): AlpacaJson<ListBody>,
) -> Result<Json<Value>, ApiError> {
    let name = name_of(&body)?;
    let symbols = symbols_of(&body);
    let id = Uuid::from_bytes(rand::random());
    let acct = account.clone();
    change(&app, move |s| {
        listed(s, &symbols)?;
        Ok(WatchlistCommand::Create {
            account: acct,
            id,
            name,
            symbols,
        })
    })
    .await?;
    show(&app, account, Which::Id(id)).await
}

async fn replace(
    app: AppState,
    account: AccountId,
    which: Which,
    body: ListBody,
) -> Result<Json<Value>, ApiError> {
    let name = name_of(&body)?;
    let symbols = symbols_of(&body);
    let acct = account.clone();
    let id = change(&app, move |s| {
        listed(s, &symbols)?;
        Ok(WatchlistCommand::Replace {
            id: which.resolve(s, &acct)?,
            account: acct,
            name,
            symbols,
        })
    })
    .await?;
    show(&app, account, Which::Id(id.unwrap_or_default())).await
}

#[derive(Deserialize)]
struct AddBody {
    symbol: Option<String>,
}

async fn add(
    app: AppState,
    account: AccountId,
    which: Which,
    body: AddBody,
) -> Result<Json<Value>, ApiError> {
    let symbol = Symbol::new(
        body.symbol
            .as_deref()
            .ok_or_else(|| ApiError::unprocessable("symbol is required"))?,
    );
    let acct = account.clone();
    let id = change(&app, move |s| {
        listed(s, std::slice::from_ref(&symbol))?;
        Ok(WatchlistCommand::Add {
            id: which.resolve(s, &acct)?,
            account: acct,
            symbol,
        })
    })
    .await?;
    show(&app, account, Which::Id(id.unwrap_or_default())).await
}

async fn remove(app: AppState, account: AccountId, which: Which) -> Result<Response, ApiError> {
    let acct = account.clone();
    change(&app, move |s| {
        Ok(WatchlistCommand::Delete {
            id: which.resolve(s, &acct)?,
            account: acct,
        })
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn uuid_of(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| WatchlistError::NotFound.into())
}

async fn get_by_id(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    show(&app, account, Which::Id(uuid_of(&id)?)).await
}

async fn replace_by_id(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
    AlpacaJson(body): AlpacaJson<ListBody>,
) -> Result<Json<Value>, ApiError> {
    replace(app, account, Which::Id(uuid_of(&id)?), body).await
}

async fn add_by_id(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
    AlpacaJson(body): AlpacaJson<AddBody>,
) -> Result<Json<Value>, ApiError> {
    add(app, account, Which::Id(uuid_of(&id)?), body).await
}

async fn delete_by_id(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    remove(app, account, Which::Id(uuid_of(&id)?)).await
}

/// `DELETE /v2/watchlists/{id}/{symbol}`: answers the watchlist without it.
async fn remove_by_id(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path((id, symbol)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let id = uuid_of(&id)?;
    let symbol = Symbol::new(&symbol);
    let acct = account.clone();
    change(&app, move |_| {
        Ok(WatchlistCommand::Remove {
            account: acct,
            id,
            symbol,
        })
    })
    .await?;
    show(&app, account, Which::Id(id)).await
}

#[derive(Deserialize)]
struct ByName {
    name: String,
}

async fn get_by_name(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<ByName>,
) -> Result<Json<Value>, ApiError> {
    show(&app, account, Which::Name(q.name)).await
}

async fn replace_by_name(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<ByName>,
    AlpacaJson(body): AlpacaJson<ListBody>,
) -> Result<Json<Value>, ApiError> {
    replace(app, account, Which::Name(q.name), body).await
}

async fn add_by_name(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<ByName>,
    AlpacaJson(body): AlpacaJson<AddBody>,
) -> Result<Json<Value>, ApiError> {
    add(app, account, Which::Name(q.name), body).await
}

async fn delete_by_name(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<ByName>,
) -> Result<Response, ApiError> {
    remove(app, account, Which::Name(q.name)).await
}
