//! The order ticket: fill in, review (the confirmation names the account and says PAPER or
//! LIVE), then place. The rules of a valid ticket are the model's, the same the backend checks.

use crate::components::{ErrorBanner, ModeBadge};
use crate::ipc;
use crate::live::use_live;
use brokerdesk_model::ipc::{GetQuotes, PlaceOrder, PlaceOrderArgs, SymbolsArgs};
use brokerdesk_model::money::format_usd;
use brokerdesk_model::order::{OrderQuantity, OrderSide, OrderType, TimeInForce};
use brokerdesk_model::{
    AccountSnapshot, BlotterEntry, IpcError, OrderTicket, ServiceEvent, Symbol, TradingMode,
};
use rust_decimal::Decimal;
use std::str::FromStr;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OrderTicketProps {
    /// Accounts that can take orders.
    pub accounts: Vec<AccountSnapshot>,
    pub on_placed: Callback<BlotterEntry>,
}

#[derive(Clone, Default, PartialEq)]
struct Form {
    account: usize,
    symbol: String,
    side: String,
    qty_kind: String,
    qty: String,
    order_type: String,
    limit: String,
    stop: String,
    tif: String,
}

fn decimal(what: &str, text: &str) -> Result<Option<Decimal>, String> {
    let t = text.trim().replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    Decimal::from_str(&t)
        .map(Some)
        .map_err(|_| format!("{what} `{text}` is not a number"))
}

fn ticket(form: &Form, accounts: &[AccountSnapshot]) -> Result<OrderTicket, String> {
    let account = accounts.get(form.account).ok_or("choose an account")?;
    let amount = decimal("quantity", &form.qty)?.ok_or("enter a quantity")?;
    let order_type = match form.order_type.as_str() {
        "limit" => OrderType::Limit,
        "stop" => OrderType::Stop,
        "stop_limit" => OrderType::StopLimit,
        _ => OrderType::Market,
    };
    let t = OrderTicket {
        connection: account.connection.id.clone(),
        account: account.account_id.clone(),
        symbol: Symbol::new(form.symbol.trim().to_uppercase()),
        side: if form.side == "sell" {
            OrderSide::Sell
        } else {
            OrderSide::Buy
        },
        quantity: if form.qty_kind == "notional" {
            OrderQuantity::Notional(amount)
        } else {
            OrderQuantity::Qty(amount)
        },
        order_type,
        time_in_force: match form.tif.as_str() {
            "gtc" => TimeInForce::Gtc,
            "ioc" => TimeInForce::Ioc,
            "fok" => TimeInForce::Fok,
            "opg" => TimeInForce::Opg,
            "cls" => TimeInForce::Cls,
            _ => TimeInForce::Day,
        },
        limit_price: if matches!(order_type, OrderType::Limit | OrderType::StopLimit) {
            decimal("limit price", &form.limit)?
        } else {
            None
        },
        stop_price: if matches!(order_type, OrderType::Stop | OrderType::StopLimit) {
            decimal("stop price", &form.stop)?
        } else {
            None
        },
    };
    t.validate()?;
    Ok(t)
}

/// "Buy 2 AAPL at market" / "Sell $500 of MSFT, limit $410.00".
fn describe(t: &OrderTicket) -> String {
    let side = match t.side {
        OrderSide::Buy => "Buy",
        OrderSide::Sell => "Sell",
    };
    let what = match t.quantity {
        OrderQuantity::Qty(q) => format!("{} {}", q.normalize(), t.symbol),
        OrderQuantity::Notional(n) => format!("{} of {}", format_usd(n), t.symbol),
    };
    let price = match (t.order_type, t.limit_price, t.stop_price) {
        (OrderType::Limit, Some(l), _) => format!("limit {}", format_usd(l)),
        (OrderType::Stop, _, Some(s)) => format!("stop {}", format_usd(s)),
        (OrderType::StopLimit, Some(l), Some(s)) => {
            format!("stop {} limit {}", format_usd(s), format_usd(l))
        }
        _ => "at market".to_owned(),
    };
    let tif = serde_json::to_string(&t.time_in_force).unwrap_or_default();
    format!(
        "{side} {what} {price}, {}",
        tif.trim_matches('"').to_uppercase()
    )
}

#[component]
pub fn OrderTicketForm(props: &OrderTicketProps) -> Html {
    let form = use_state(|| Form {
        side: "buy".into(),
        qty_kind: "qty".into(),
        order_type: "market".into(),
        tif: "day".into(),
        ..Form::default()
    });
    let review = use_state(|| None::<OrderTicket>);
    let problem = use_state(|| None::<String>);
    let failure = use_state(|| None::<IpcError>);
    let placed = use_state(|| None::<BlotterEntry>);
    let busy = use_state(|| false);
    let live = use_live();

    let set = |apply: fn(&mut Form, String)| {
        let form = form.clone();
        let review = review.clone();
        Callback::from(move |value: String| {
            let mut next = (*form).clone();
            apply(&mut next, value);
            form.set(next);
            review.set(None);
        })
    };
    let on_input = |cb: Callback<String>| {
        Callback::from(move |e: InputEvent| {
            cb.emit(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_select = |cb: Callback<String>| {
        Callback::from(move |e: Event| {
            cb.emit(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let on_symbol_done = {
        let form = form.clone();
        let live = live.clone();
        Callback::from(move |_: FocusEvent| {
            let symbol = form.symbol.trim().to_uppercase();
            if symbol.is_empty() {
                return;
            }
            let live = live.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let args = SymbolsArgs {
                    symbols: vec![Symbol::new(symbol)],
                };
                if let (Ok(quotes), Some(live)) = (ipc::call::<GetQuotes>(&args).await, live) {
                    live.dispatch(ServiceEvent::Quotes(quotes));
                }
            });
        })
    };
    let on_review = {
        let form = form.clone();
        let accounts = props.accounts.clone();
        let review = review.clone();
        let problem = problem.clone();
        let placed = placed.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            placed.set(None);
            match ticket(&form, &accounts) {
                Ok(t) => {
                    problem.set(None);
                    review.set(Some(t));
                }
                Err(why) => {
                    review.set(None);
                    problem.set(Some(why));
                }
            }
        })
    };
    let on_place = {
        let review = review.clone();
        let failure = failure.clone();
        let placed = placed.clone();
        let busy = busy.clone();
        let on_placed = props.on_placed.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(t) = (*review).clone() else { return };
            let (review, failure, placed, busy, on_placed) = (
                review.clone(),
                failure.clone(),
                placed.clone(),
                busy.clone(),
                on_placed.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<PlaceOrder>(&PlaceOrderArgs { ticket: t }).await {
                    Ok(entry) => {
                        failure.set(None);
                        review.set(None);
                        placed.set(Some(entry.clone()));
                        on_placed.emit(entry);
                    }
                    Err(err) => failure.set(Some(err)),
                }
                busy.set(false);
            });
        })
    };
    let on_edit = {
        let review = review.clone();
        Callback::from(move |_: MouseEvent| review.set(None))
    };

    let account = props.accounts.get(form.account);
    let quote = live.as_ref().and_then(|l| {
        l.quotes
            .get(&Symbol::new(form.symbol.trim().to_uppercase()))
            .cloned()
    });
    let needs_limit = matches!(form.order_type.as_str(), "limit" | "stop_limit");
    let needs_stop = matches!(form.order_type.as_str(), "stop" | "stop_limit");
    let account_options = props.accounts.iter().enumerate().map(|(i, a)| {
        let mode = match a.connection.mode {
            TradingMode::Paper => "PAPER",
            TradingMode::Live => "LIVE",
        };
        html! {
            <option value={i.to_string()} selected={i == form.account}>
                { format!("{} · {} · {}", a.connection.display_name, a.account_id, mode) }
            </option>
        }
    });
    let opt = |value: &'static str, label: &'static str, current: &str| {
        html! { <option value={value} selected={value == current}>{ label }</option> }
    };
    html! {
        <section class="card" id="order-ticket">
            <h2>{ "New order" }</h2>
            <form class="ticket" onsubmit={on_review}>
                <label for="ticket-account">{ "Account" }</label>
                <select id="ticket-account" onchange={on_select(set(|f, v| f.account = v.parse().unwrap_or(0)))}>
                    { for account_options }
                </select>
                <label for="ticket-symbol">{ "Symbol" }</label>
                <div class="row">
                    <input id="ticket-symbol" value={form.symbol.clone()} placeholder="AAPL" autocomplete="off"
                        oninput={on_input(set(|f, v| f.symbol = v))} onblur={on_symbol_done} />
                    <span class="muted quote-line" id="ticket-quote">{
                        match &quote {
                            Some(q) => format!("Bid {} · Ask {}",
                                q.bid.map(format_usd).unwrap_or_else(|| "—".into()),
                                q.ask.map(format_usd).unwrap_or_else(|| "—".into())),
                            None => String::new(),
                        }
                    }</span>
                </div>
                <label for="ticket-side">{ "Side" }</label>
                <select id="ticket-side" onchange={on_select(set(|f, v| f.side = v))}>
                    { opt("buy", "Buy", &form.side) }{ opt("sell", "Sell", &form.side) }
                </select>
                <label for="ticket-qty">{ "Quantity" }</label>
                <div class="row">
                    <input id="ticket-qty" inputmode="decimal" value={form.qty.clone()} placeholder="10"
                        oninput={on_input(set(|f, v| f.qty = v))} />
                    <select id="ticket-qty-kind" onchange={on_select(set(|f, v| f.qty_kind = v))}>
                        { opt("qty", "shares", &form.qty_kind) }{ opt("notional", "dollars", &form.qty_kind) }
                    </select>
                </div>
                <label for="ticket-type">{ "Type" }</label>
                <select id="ticket-type" onchange={on_select(set(|f, v| f.order_type = v))}>
                    { opt("market", "Market", &form.order_type) }{ opt("limit", "Limit", &form.order_type) }
                    { opt("stop", "Stop", &form.order_type) }{ opt("stop_limit", "Stop limit", &form.order_type) }
                </select>
                if needs_limit {
                    <label for="ticket-limit">{ "Limit price" }</label>
                    <input id="ticket-limit" inputmode="decimal" value={form.limit.clone()} oninput={on_input(set(|f, v| f.limit = v))} />
                }
                if needs_stop {
                    <label for="ticket-stop">{ "Stop price" }</label>
                    <input id="ticket-stop" inputmode="decimal" value={form.stop.clone()} oninput={on_input(set(|f, v| f.stop = v))} />
                }
                <label for="ticket-tif">{ "Time in force" }</label>
                <select id="ticket-tif" onchange={on_select(set(|f, v| f.tif = v))}>
                    { opt("day", "Day", &form.tif) }{ opt("gtc", "Good till cancelled", &form.tif) }
                    { opt("ioc", "Immediate or cancel", &form.tif) }{ opt("fok", "Fill or kill", &form.tif) }
                    { opt("opg", "At the open", &form.tif) }{ opt("cls", "At the close", &form.tif) }
                </select>
                if let Some(why) = &*problem {
                    <p class="form-error" role="alert" id="ticket-problem">{ why }</p>
                }
                <button type="submit" id="ticket-review">{ "Review order" }</button>
            </form>
            if let (Some(t), Some(a)) = (&*review, account) {
                <div class={classes!("confirm", if a.connection.mode == TradingMode::Live { "live" } else { "paper" })} id="order-confirm" role="dialog" aria-label="Confirm order">
                    <p class="confirm-what" id="confirm-what">{ describe(t) }</p>
                    <p>{ "Account: " }<strong id="confirm-account">{ format!("{} · {}", a.connection.display_name, a.account_id) }</strong>{ " " }<ModeBadge mode={a.connection.mode} /></p>
                    <p class="muted">{
                        if a.connection.mode == TradingMode::Live {
                            "LIVE order: real money. It goes out only while live trading is armed (Settings)."
                        } else {
                            "PAPER order: simulated, no real money moves."
                        }
                    }</p>
                    <div class="row">
                        <button id="ticket-submit" class={classes!(if a.connection.mode == TradingMode::Live { "danger" } else { "" })}
                            onclick={on_place} disabled={*busy}>
                            { if *busy { "Placing…" } else if a.connection.mode == TradingMode::Live { "Place LIVE order" } else { "Place PAPER order" } }
                        </button>
                        <button class="secondary" id="ticket-edit" onclick={on_edit}>{ "Edit" }</button>
                    </div>
                </div>
            }
            if let Some(err) = &*failure {
                <ErrorBanner error={err.clone()} />
            }
            if let Some(entry) = &*placed {
                <p class="connected" id="ticket-result">{ format!("Order sent: {} {} — {}", entry.order.symbol, crate::components::blotter::status_label(&entry.order.status), entry.connection_name) }</p>
            }
        </section>
    }
}
