//! The Activity page: every connection's money movements in one list, newest first, with
//! filters, search, "Load more" (keyset pages), CSV export and a Refresh. It re-reads when the
//! backend says new activity was stored (no timers).

use crate::components::{ErrorBanner, ErrorDetails};
use crate::hooks::{Asked, use_latest};
use crate::ipc;
use crate::live::use_live;
use brokerdesk_model::ipc::{
    ActivityArgs, ExportActivityArgs, ExportActivityCsv, GetAccountsOverview, GetActivity, NoArgs,
    SyncActivity,
};
use brokerdesk_model::{
    AccountId, ActivityCursor, ActivityFilter, ActivityKind, ActivityList, ActivityRow, IpcError,
};
use chrono::{NaiveDate, NaiveTime};
use yew::prelude::*;

const PAGE: u32 = 50;

/// The rows shown so far and where the next page starts.
#[derive(Clone, Default, PartialEq)]
struct Shown {
    rows: Vec<ActivityRow>,
    next: Option<ActivityCursor>,
    total: u64,
    errors: Vec<brokerdesk_model::ActivitySyncError>,
}

fn day(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

/// The `value` of the input or select that changed.
fn input_value(e: &Event) -> String {
    e.target()
        .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Reads a page (the first when `cursor` is `None`) and shows it, unless a newer read was
/// asked meanwhile (another filter typed, new activity stored).
fn load(
    asked: Asked,
    filter: ActivityFilter,
    cursor: Option<ActivityCursor>,
    shown: UseStateHandle<Shown>,
    error: UseStateHandle<Option<IpcError>>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        let args = ActivityArgs {
            filter,
            cursor,
            limit: Some(PAGE),
        };
        let answer = ipc::call::<GetActivity>(&args).await;
        if !asked.is_newest() {
            return;
        }
        match answer {
            Ok(ActivityList {
                rows,
                next,
                total,
                sync_errors,
            }) => {
                let mut all = if cursor.is_some() {
                    shown.rows.clone()
                } else {
                    Vec::new()
                };
                all.extend(rows);
                shown.set(Shown {
                    rows: all,
                    next,
                    total,
                    errors: sync_errors,
                });
                error.set(None);
            }
            Err(err) => error.set(Some(err)),
        }
    });
}

#[component]
pub fn ActivityPage() -> Html {
    let filter = use_state(ActivityFilter::default);
    let shown = use_state(Shown::default);
    let error = use_state(|| None::<IpcError>);
    let exported = use_state(|| None::<String>);
    let loaded = use_state(|| false);
    let accounts = use_state(Vec::<AccountId>::new);
    let latest = use_latest();
    let live = use_live();
    let version = live.as_ref().map(|l| l.activity).unwrap_or_default();
    {
        // The first page again whenever the filter changes or new activity is stored.
        let (shown, error, loaded) = (shown.clone(), error.clone(), loaded.clone());
        let latest = latest.clone();
        use_effect_with(((*filter).clone(), version), move |(f, _)| {
            load(latest.begin(), f.clone(), None, shown, error);
            loaded.set(true);
        });
    }
    {
        let accounts = accounts.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(view) = ipc::call::<GetAccountsOverview>(&NoArgs {}).await {
                    let mut ids: Vec<AccountId> =
                        view.accounts.into_iter().map(|a| a.account_id).collect();
                    ids.sort();
                    ids.dedup();
                    accounts.set(ids);
                }
            });
        });
    }
    let set = |change: fn(&mut ActivityFilter, String)| {
        let filter = filter.clone();
        Callback::from(move |e: Event| {
            let mut next = (*filter).clone();
            change(&mut next, input_value(&e));
            filter.set(next);
        })
    };
    let on_account = set(|f, v| {
        f.accounts = if v.is_empty() {
            Vec::new()
        } else {
            vec![AccountId::new(v)]
        }
    });
    let on_kind = set(|f, v| f.kinds = v.parse::<ActivityKind>().into_iter().collect());
    let on_since = set(|f, v| f.since = day(&v));
    let on_until = set(|f, v| {
        // The whole "to" day is included.
        f.until = day(&v).map(|t| t + chrono::TimeDelta::days(1));
    });
    let on_search = set(|f, v| {
        let v = v.trim().to_owned();
        f.search = (!v.is_empty()).then_some(v);
    });
    let on_more = {
        let (filter, shown, error) = (filter.clone(), shown.clone(), error.clone());
        let latest = latest.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(cursor) = shown.next {
                load(
                    latest.begin(),
                    (*filter).clone(),
                    Some(cursor),
                    shown.clone(),
                    error.clone(),
                );
            }
        })
    };
    let on_refresh = {
        let (filter, shown, error) = (filter.clone(), shown.clone(), error.clone());
        let latest = latest.clone();
        Callback::from(move |_: MouseEvent| {
            let (filter, shown, error) = (filter.clone(), shown.clone(), error.clone());
            let latest = latest.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(err) = ipc::call::<SyncActivity>(&NoArgs {}).await {
                    error.set(Some(err));
                }
                load(latest.begin(), (*filter).clone(), None, shown, error);
            });
        })
    };
    let on_export = {
        let (filter, exported, error) = (filter.clone(), exported.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (filter, exported, error) = (filter.clone(), exported.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let args = ExportActivityArgs {
                    filter: (*filter).clone(),
                };
                match ipc::call::<ExportActivityCsv>(&args).await {
                    Ok(path) => exported.set(Some(path)),
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let reload = {
        let (filter, shown, error) = (filter.clone(), shown.clone(), error.clone());
        Callback::from(move |()| {
            load(
                latest.begin(),
                (*filter).clone(),
                None,
                shown.clone(),
                error.clone(),
            );
        })
    };

    let rows = shown.rows.iter().map(|row| {
        let e = &row.entry;
        let text = [e.description.as_deref(), e.counterparty.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        let sign = if e.amount.is_sign_negative() {
            "amount out"
        } else {
            "amount in"
        };
        html! {
            <tr class="activity-row" data-kind={e.kind.as_str()}>
                <td class="time">{ e.time.format("%Y-%m-%d %H:%M:%S").to_string() }</td>
                <td class="account">
                    <span class="connection-name">{ &row.connection_name }</span>
                    <span class="muted">{ format!(" {}", e.account_id) }</span>
                </td>
                <td class="kind">{ e.kind.as_str() }</td>
                <td class="description">{ text }</td>
                <td class={classes!("num", sign)}>{ brokerdesk_model::money::format_money(e.amount, &e.currency) }</td>
                <td class="status">{ e.status.as_str() }</td>
            </tr>
        }
    });
    let table = if shown.rows.is_empty() {
        if *loaded {
            html! { <p class="muted empty-state" id="activity-empty">{ "No activity matches." }</p> }
        } else {
            html! { <p class="muted">{ "Loading activity…" }</p> }
        }
    } else {
        html! {
            <table class="positions activity-table" id="activity-table">
                <thead><tr>
                    <th>{ "Time (UTC)" }</th><th>{ "Account" }</th><th>{ "Kind" }</th>
                    <th>{ "Description / counterparty" }</th><th class="num">{ "Amount" }</th>
                    <th>{ "Status" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        }
    };
    html! {
        <>
            <header class="page-header">
                <h1>{ "Activity" }</h1>
                <div class="row">
                    <button class="secondary" id="activity-refresh" onclick={on_refresh}>{ "Refresh" }</button>
                    <button id="activity-export" onclick={on_export}>{ "Export CSV" }</button>
                </div>
            </header>
            <div class="activity-filters">
                <label>{ "Account " }
                    <select id="activity-account" onchange={on_account}>
                        <option value="">{ "All accounts" }</option>
                        { for accounts.iter().map(|a| html! {
                            <option value={a.to_string()}>{ a.to_string() }</option>
                        }) }
                    </select>
                </label>
                <label>{ "Kind " }
                    <select id="activity-kind" onchange={on_kind}>
                        <option value="">{ "All kinds" }</option>
                        { for ActivityKind::ALL.iter().map(|k| html! {
                            <option value={k.as_str()}>{ k.as_str() }</option>
                        }) }
                    </select>
                </label>
                <label>{ "From " }<input id="activity-since" type="date" onchange={on_since} /></label>
                <label>{ "To " }<input id="activity-until" type="date" onchange={on_until} /></label>
                <label>{ "Search " }
                    <input id="activity-search" type="search" placeholder="description, counterparty, symbol"
                        onchange={on_search} />
                </label>
            </div>
            if let Some(err) = &*error {
                <ErrorBanner error={err.clone()} on_retry={reload} />
            }
            { for shown.errors.iter().map(|e| html! {
                <div class="error-banner activity-sync-error" role="alert">
                    <div class="error-body">
                        <p class="error-explained">{ format!("{}: its activity could not be read this time. The rows below are what was read before; press Refresh to try again.", e.connection_name) }</p>
                        <ErrorDetails detail={e.message.clone()} />
                    </div>
                </div>
            }) }
            if let Some(path) = &*exported {
                <p class="export-path" id="activity-export-path">{ "Exported to " }<code>{ path }</code></p>
            }
            <p class="muted" id="activity-count">
                { format!("{} of {} movements", shown.rows.len(), shown.total) }
            </p>
            { table }
            if shown.next.is_some() {
                <button id="activity-more" onclick={on_more}>{ "Load more" }</button>
            }
        </>
    }
}
