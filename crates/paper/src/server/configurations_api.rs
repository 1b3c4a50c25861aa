//! `GET/PATCH /v2/account/configurations`: the account's switches (see
//! `engine::configuration` for which the engine honours).

use axum::extract::State as AxState;
use axum::routing::get;
use axum::{Json, Router};
use brokerdesk_model::AccountId;
use serde::Deserialize;
use serde_json::Value;

use super::auth::Authed;
use super::extract::AlpacaJson;
use super::{ApiError, AppState};
use crate::engine::configuration::{AccountConfig, CheckWhen, ConfirmEmail, MarginMultiplier};
use crate::engine::{CommandKind, Event};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/v2/account/configurations", get(show).patch(update))
}

fn json(c: &AccountConfig) -> Result<Json<Value>, ApiError> {
    serde_json::to_value(c)
        .map(Json)
        .map_err(|e| ApiError::unprocessable(e.to_string()))
}

async fn current(app: &AppState, account: AccountId) -> Result<AccountConfig, ApiError> {
    app.handle
        .read(move |s| s.engine.account(&account).map(|a| a.config))
        .await?
        .ok_or_else(|| ApiError::not_found("account not found"))
}

async fn show(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
) -> Result<Json<Value>, ApiError> {
    json(&current(&app, account).await?)
}

/// Fields left out keep their value; a value of the wrong kind is a 422.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Patch {
    dtbp_check: Option<CheckWhen>,
    trade_confirm_email: Option<ConfirmEmail>,
    suspend_trade: Option<bool>,
    no_shorting: Option<bool>,
    fractional_trading: Option<bool>,
    max_margin_multiplier: Option<MarginMultiplier>,
    pdt_check: Option<CheckWhen>,
    ptp_no_exception_entry: Option<bool>,
    /// Options levels are 0 to 3.
    max_options_trading_level: Option<u8>,
}

async fn update(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaJson(p): AlpacaJson<Patch>,
) -> Result<Json<Value>, ApiError> {
    if p.max_options_trading_level.is_some_and(|l| l > 3) {
        return Err(ApiError::unprocessable(
            "max_options_trading_level must be 0 to 3",
        ));
    }
    let id = account.clone();
    let events = app
        .handle
        .plan(move |s| {
            let Some(mut c) = s.engine.account(&id).map(|a| a.config) else {
                return Vec::new();
            };
            c.dtbp_check = p.dtbp_check.unwrap_or(c.dtbp_check);
            c.trade_confirm_email = p.trade_confirm_email.unwrap_or(c.trade_confirm_email);
            c.suspend_trade = p.suspend_trade.unwrap_or(c.suspend_trade);
            c.no_shorting = p.no_shorting.unwrap_or(c.no_shorting);
            c.fractional_trading = p.fractional_trading.unwrap_or(c.fractional_trading);
            c.max_margin_multiplier = p.max_margin_multiplier.unwrap_or(c.max_margin_multiplier);
            c.pdt_check = p.pdt_check.unwrap_or(c.pdt_check);
            c.ptp_no_exception_entry = p.ptp_no_exception_entry.unwrap_or(c.ptp_no_exception_entry);
            c.max_options_trading_level =
                p.max_options_trading_level.or(c.max_options_trading_level);
            vec![CommandKind::Configure {
                account: id,
                config: c,
            }]
        })
        .await?;
    if let Some(Event::Rejected { rejection, .. }) = events.first() {
        return Err(rejection.clone().into());
    }
    json(&current(&app, account).await?)
}
