//! The position page: price history from the account's own connection, the user's fills marked
//! on it, cost basis, day and total P&L, the orders on the symbol, and a Trade button that opens
//! the order ticket on this account and symbol.

use crate::components::{Blotter, ErrorBanner, ModeBadge, OrderTicketForm, PriceChart};
use crate::hooks::{Load, use_command, use_latest};
use crate::ipc;
use crate::live::use_live;
use crate::pages::Page;
use crate::route::PositionRoute;
use crate::session::use_session;
use brokerdesk_model::ipc::{GetAccountsOverview, GetPositionDetail, NoArgs};
use brokerdesk_model::money::{format_grouped, format_money, format_price};
use brokerdesk_model::position_detail::{
    ChartRange, Figure, PositionDetail, PositionDetailArgs, PriceHistory,
};
use brokerdesk_model::{BlotterEntry, IpcError, OrderSide, PositionSide};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PositionPageProps {
    /// `None` when the page is reached without a position chosen.
    pub route: Option<PositionRoute>,
}

#[component]
pub fn PositionPage(props: &PositionPageProps) -> Html {
    let session = use_session();
    let back = {
        let navigate = session.navigate.clone();
        Callback::from(move |_: MouseEvent| navigate.emit(Page::Accounts))
    };
    let header = |title: String| {
        html! {
            <header class="page-header">
                <h1>{ title }</h1>
                <button class="secondary" id="position-back" onclick={back.clone()}>{ "Back to accounts" }</button>
            </header>
        }
    };
    match &props.route {
        None => html! {
            <>
                { header("Position".into()) }
                <p class="muted">{ "Choose a position on the Accounts page to see it here." }</p>
            </>
        },
        Some(route) => html! {
            <>
                { header(route.symbol.to_string()) }
                <PositionView key={format!("{}/{}/{}", route.connection, route.account, route.symbol)} route={route.clone()} />
            </>
        },
    }
}

#[derive(Properties, PartialEq)]
struct PositionViewProps {
    route: PositionRoute,
}

#[component]
fn PositionView(props: &PositionViewProps) -> Html {
    let range = use_state(ChartRange::default);
    let detail = use_state(|| Rc::new(Load::<PositionDetail>::Loading));
    let generation = use_state(|| 0u32);
    let trading = use_state(|| false);
    let live = use_live();
    {
        let detail = detail.clone();
        let route = props.route.clone();
        // A fill or an order change anywhere re-reads the page (no timer).
        let changed = live
            .as_ref()
            .map(|l| (l.orders, l.accounts))
            .unwrap_or_default();
        // A range pressed, then another: the answer shown is the last one's.
        let latest = use_latest();
        use_effect_with((*range, *generation, changed), move |(range, _, _)| {
            let args = PositionDetailArgs {
                connection: route.connection,
                account: route.account,
                symbol: route.symbol,
                range: *range,
            };
            let asked = latest.begin();
            wasm_bindgen_futures::spawn_local(async move {
                let loaded = match ipc::call::<GetPositionDetail>(&args).await {
                    Ok(d) => Load::Ready(d),
                    Err(e) => Load::Failed(e),
                };
                if asked.is_newest() {
                    detail.set(Rc::new(loaded));
                }
            });
        });
    }
    let reload = {
        let generation = generation.clone();
        Callback::from(move |()| generation.set(generation.wrapping_add(1)))
    };
    let ranges = ChartRange::ALL.into_iter().map(|r| {
        let set = {
            let range = range.clone();
            Callback::from(move |_: MouseEvent| range.set(r))
        };
        let pressed = if *range == r { "true" } else { "false" };
        html! {
            <button class="secondary range" id={format!("range-{}", r.label().to_lowercase())}
                aria-pressed={pressed} onclick={set}>{ r.label() }</button>
        }
    });
    let body = match &**detail {
        Load::Loading => {
            html! { <p class="muted" aria-busy="true">{ "Loading the position…" }</p> }
        }
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={reload.clone()} /> }
        }
        Load::Ready(d) => {
            let open_trade = {
                let trading = trading.clone();
                Callback::from(move |_: MouseEvent| trading.set(!*trading))
            };
            html! {
                <>
                    <div class="position-meta">
                        <span>{ format!("{} · {}", d.connection_name, d.account) }</span>
                        <ModeBadge mode={d.mode} />
                        <button id="position-trade" onclick={open_trade} aria-expanded={if *trading { "true" } else { "false" }}>
                            { format!("Trade {}", d.symbol) }
                        </button>
                    </div>
                    <Figures detail={d.clone()} />
                    <section class="card" id="position-chart">
                        <div class="row ranges" role="group" aria-label="Chart range">{ for ranges }</div>
                        { history(d) }
                    </section>
                    if *trading {
                        <TradeTicket route={props.route.clone()} on_placed={reload.clone()} />
                    }
                    <section class="card" id="position-fills">
                        <h2>{ "Your fills" }</h2>
                        { fills(d) }
                    </section>
                    <section class="card" id="position-orders">
                        <h2>{ format!("Orders on {}", d.symbol) }</h2>
                        if d.orders.is_empty() {
                            <p class="muted">{ "No orders placed from Brokerdesk on this symbol in this account." }</p>
                        } else {
                            <Blotter entries={d.orders.clone()} on_changed={reload.clone()} />
                        }
                    </section>
                </>
            }
        }
    };
    html! { <div class="position-page">{ body }</div> }
}

fn history(d: &PositionDetail) -> Html {
    match &d.history {
        PriceHistory::Bars { bars, .. } => html! {
            <PriceChart bars={bars.clone()} fills={d.fills.clone()} symbol={d.symbol.to_string()} currency={d.currency.clone()} />
        },
        PriceHistory::NotOffered { institution } => html! {
            <p class="muted" id="no-price-history">{ format!("No price history from {institution}: it does not offer any to Brokerdesk, and prices from another source would not be this account's.") }</p>
        },
        PriceHistory::Failed { message } => html! {
            <ErrorBanner error={IpcError::new(brokerdesk_model::ErrorCode::Unavailable, message.clone())} />
        },
    }
}

fn fills(d: &PositionDetail) -> Html {
    if d.fills.is_empty() {
        return html! { <p class="muted" id="no-fills">{ "No fills from orders placed in Brokerdesk." }</p> };
    }
    let row = |f: &brokerdesk_model::position_detail::FillMark| {
        let side = match f.side {
            OrderSide::Buy => "Buy",
            OrderSide::Sell => "Sell",
        };
        html! {
            <tr class="fill-row" data-side={side.to_lowercase()}>
                <td>{ f.time.format("%Y-%m-%d %H:%M:%S UTC").to_string() }</td>
                <td>{ side }</td>
                <td class="num">{ format_grouped(f.qty, f.qty.normalize().scale()) }</td>
                <td class="num">{ format_price(f.price, &d.currency) }</td>
            </tr>
        }
    };
    html! {
        <table class="positions" id="fills-table">
            <thead><tr><th>{ "Time" }</th><th>{ "Side" }</th><th class="num">{ "Qty" }</th><th class="num">{ "Price" }</th></tr></thead>
            <tbody>{ for d.fills.iter().map(row) }</tbody>
        </table>
    }
}

#[derive(Properties, PartialEq)]
struct FiguresProps {
    detail: PositionDetail,
}

/// The position's figures; what is not known says "unknown", never an invented zero.
#[component]
fn Figures(props: &FiguresProps) -> Html {
    let d = &props.detail;
    let money = |f: Figure| match f {
        Figure::Known(v) => format_money(v, &d.currency),
        Figure::Unknown => "unknown".into(),
    };
    let pl_class = |f: Figure| match f {
        Figure::Known(v) if v.is_sign_negative() => "loss",
        Figure::Known(_) => "gain",
        Figure::Unknown => "muted",
    };
    let figure = |label: &'static str, field: &'static str, value: String, class: &'static str| {
        html! {
            <div class="figure">
                <div class="figure-label">{ label }</div>
                <div class={classes!("figure-value", class)} data-field={field}>{ value }</div>
            </div>
        }
    };
    let held = match &d.position {
        Some(p) => {
            let side = match p.side {
                PositionSide::Long => "long",
                PositionSide::Short => "short",
            };
            let qty = p.qty.normalize();
            html! {
                <>
                    { figure("Quantity", "qty", format!("{} {side}", format_grouped(qty, qty.scale())), "") }
                    { figure("Average price", "avg-price", format_price(p.avg_entry_price, &d.currency), "") }
                    { figure("Last", "last", format_price(p.current_price, &d.currency), "") }
                    { figure("Market value", "market-value", format_money(p.market_value, &d.currency), "") }
                </>
            }
        }
        None => html! { <p class="muted" id="not-held">{ "This account holds none now." }</p> },
    };
    html! {
        <section class="card figures position-figures" id="position-figures">
            { held }
            { figure("Cost basis", "cost-basis", money(d.cost_basis), "") }
            { figure("Day P&L", "day-pl", money(d.day_pl), pl_class(d.day_pl)) }
            { figure("Total P&L", "total-pl", money(d.total_pl), pl_class(d.total_pl)) }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct TradeTicketProps {
    route: PositionRoute,
    on_placed: Callback<()>,
}

/// The order ticket on this account and symbol.
#[component]
fn TradeTicket(props: &TradeTicketProps) -> Html {
    let overview = use_command::<GetAccountsOverview>(NoArgs {});
    let on_placed = {
        let cb = props.on_placed.clone();
        Callback::from(move |_: BlotterEntry| cb.emit(()))
    };
    match &*overview.state {
        Load::Loading => html! { <p class="muted">{ "Loading the ticket…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={overview.reload.clone()} /> }
        }
        Load::Ready(view) => html! {
            <OrderTicketForm accounts={view.accounts.clone()} {on_placed}
                account={Some((props.route.connection.clone(), props.route.account.clone()))}
                symbol={Some(props.route.symbol.clone())} />
        },
    }
}
