//! The order ticket: fill in, review (the confirmation names the account and says PAPER or
//! LIVE), then place. The form is the model's `TicketForm` (side, type and time in force are its
//! enums; a stray value is an error), and its rules are the same the backend checks. An order
//! larger than the user's limit comes back `needs_confirmation` from the backend: the user
//! then types the symbol to confirm it a second time. A broker may hold an order back with its
//! own warnings (`OrderPlacement::NeedsConfirmation`): they are shown as the broker's text, and
//! the user confirms or declines them (`AnswerOrderWarnings`), perhaps more than once.

use crate::components::{ErrorBanner, ModeBadge};
use crate::ipc;
use crate::live::use_live;
use brokerdesk_model::ipc::{
    AnswerOrderWarnings, AnswerOrderWarningsArgs, GetQuotes, PlaceOrder, PlaceOrderArgs, QuotesArgs,
};
use brokerdesk_model::money::format_price;
use brokerdesk_model::order::{OrderQuantity, OrderSide, OrderType, TimeInForce};
use brokerdesk_model::{
    AccountSnapshot, BlotterEntry, ErrorCode, IpcError, OrderPlacement, OrderTicket, OrderWarnings,
    QuantityKind, ServiceEvent, Symbol, TicketField, TicketForm, TradingMode,
};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OrderTicketProps {
    /// Accounts that can take orders.
    pub accounts: Vec<AccountSnapshot>,
    pub on_placed: Callback<BlotterEntry>,
    /// Opens the ticket on this account (connection, account) instead of the first.
    #[prop_or_default]
    pub account: Option<(brokerdesk_model::ConnectionId, brokerdesk_model::AccountId)>,
    /// Opens the ticket with this symbol filled in.
    #[prop_or_default]
    pub symbol: Option<Symbol>,
}

/// "Buy 2 AAPL at market" / "Sell $500 of MSFT, limit $410.00".
fn describe(t: &OrderTicket, currency: &str) -> String {
    let money = |v| format_price(v, currency);
    let side = match t.side {
        OrderSide::Buy => "Buy",
        OrderSide::Sell => "Sell",
    };
    let what = match t.quantity {
        OrderQuantity::Qty(q) => format!("{} {}", q.normalize(), t.symbol),
        OrderQuantity::Notional(n) => format!("{} of {}", money(n), t.symbol),
    };
    let price = match (t.order_type, t.limit_price, t.stop_price) {
        (OrderType::Limit, Some(l), _) => format!("limit {}", money(l)),
        (OrderType::Stop, _, Some(s)) => format!("stop {}", money(s)),
        (OrderType::StopLimit, Some(l), Some(s)) => {
            format!("stop {} limit {}", money(s), money(l))
        }
        _ => "at market".to_owned(),
    };
    format!(
        "{side} {what} {price}, {}",
        t.time_in_force.as_str().to_uppercase()
    )
}

/// An order the backend asked to confirm a second time, and its reason (value, share of equity).
#[derive(Clone, PartialEq)]
struct LargeOrder {
    ticket: OrderTicket,
    why: String,
}

#[component]
pub fn OrderTicketForm(props: &OrderTicketProps) -> Html {
    let form = {
        let symbol = props.symbol.clone();
        use_state(move || TicketForm {
            symbol: symbol.map(|s| s.to_string()).unwrap_or_default(),
            ..TicketForm::default()
        })
    };
    let account_index = {
        let wanted = props.account.clone();
        let accounts = props.accounts.clone();
        use_state(move || {
            wanted
                .and_then(|(c, a)| {
                    accounts
                        .iter()
                        .position(|s| s.connection.id == c && s.account_id == a)
                })
                .unwrap_or(0)
        })
    };
    let review = use_state(|| None::<OrderTicket>);
    let large = use_state(|| None::<LargeOrder>);
    let typed_symbol = use_state(String::new);
    let problem = use_state(|| None::<String>);
    let failure = use_state(|| None::<IpcError>);
    let placed = use_state(|| None::<BlotterEntry>);
    let warnings = use_state(|| None::<OrderWarnings>);
    let declined = use_state(|| false);
    let busy = use_state(|| false);
    let live = use_live();

    let set = |field: TicketField| {
        let form = form.clone();
        let review = review.clone();
        let large = large.clone();
        let problem = problem.clone();
        Callback::from(move |value: String| {
            let mut next = (*form).clone();
            match next.set(field, &value) {
                Ok(()) => {
                    form.set(next);
                    problem.set(None);
                }
                // A select's value that is not one of its options: say so, change nothing.
                Err(why) => problem.set(Some(why)),
            }
            review.set(None);
            large.set(None);
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
    let on_account = {
        let account_index = account_index.clone();
        let review = review.clone();
        let large = large.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            account_index.set(value.parse().unwrap_or(0));
            review.set(None);
            large.set(None);
        })
    };
    let on_symbol_done = {
        let form = form.clone();
        let live = live.clone();
        let account_index = account_index.clone();
        let accounts = props.accounts.clone();
        Callback::from(move |_: FocusEvent| {
            let symbol = form.symbol.trim().to_uppercase();
            // The ticket quotes from the account it trades in.
            let Some(connection) = accounts
                .get(*account_index)
                .map(|a| a.connection.id.clone())
            else {
                return;
            };
            if symbol.is_empty() {
                return;
            }
            let live = live.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let args = QuotesArgs {
                    connection: connection.clone(),
                    symbols: vec![Symbol::new(symbol)],
                };
                if let (Ok(quotes), Some(live)) = (ipc::call::<GetQuotes>(&args).await, live) {
                    live.dispatch(ServiceEvent::Quotes { connection, quotes });
                }
            });
        })
    };
    let on_review = {
        let form = form.clone();
        let account_index = account_index.clone();
        let accounts = props.accounts.clone();
        let review = review.clone();
        let large = large.clone();
        let problem = problem.clone();
        let placed = placed.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            placed.set(None);
            large.set(None);
            let made = accounts
                .get(*account_index)
                .ok_or_else(|| "choose an account".to_owned())
                .and_then(|a| form.ticket(a.connection.id.clone(), a.account_id.clone()));
            match made {
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
    // What placing (or answering warnings) came to: placed, more warnings, or declined.
    let settle = {
        let review = review.clone();
        let large = large.clone();
        let failure = failure.clone();
        let placed = placed.clone();
        let warnings = warnings.clone();
        let declined = declined.clone();
        let on_placed = props.on_placed.clone();
        Callback::from(move |outcome: OrderPlacement| {
            failure.set(None);
            match outcome {
                OrderPlacement::Placed(entry) => {
                    review.set(None);
                    large.set(None);
                    warnings.set(None);
                    placed.set(Some((*entry).clone()));
                    on_placed.emit(*entry);
                }
                OrderPlacement::NeedsConfirmation(w) => {
                    large.set(None);
                    warnings.set(Some(w));
                }
                OrderPlacement::Declined => {
                    review.set(None);
                    warnings.set(None);
                    declined.set(true);
                }
            }
        })
    };
    // Sends a ticket; a `needs_confirmation` answer opens the second confirmation.
    let send = {
        let large = large.clone();
        let typed_symbol = typed_symbol.clone();
        let failure = failure.clone();
        let busy = busy.clone();
        let declined = declined.clone();
        let settle = settle.clone();
        Callback::from(move |t: OrderTicket| {
            let (large, typed_symbol, failure, busy, settle) = (
                large.clone(),
                typed_symbol.clone(),
                failure.clone(),
                busy.clone(),
                settle.clone(),
            );
            busy.set(true);
            declined.set(false);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<PlaceOrder>(&PlaceOrderArgs { ticket: t.clone() }).await {
                    Ok(outcome) => settle.emit(outcome),
                    Err(err) if err.code == ErrorCode::NeedsConfirmation && !t.confirm_large => {
                        failure.set(None);
                        typed_symbol.set(String::new());
                        large.set(Some(LargeOrder {
                            ticket: t,
                            why: err.message,
                        }));
                    }
                    Err(err) => failure.set(Some(err)),
                }
                busy.set(false);
            });
        })
    };
    // The user's yes or no to the broker's warnings.
    let answer = {
        let warnings = warnings.clone();
        let failure = failure.clone();
        let busy = busy.clone();
        let settle = settle.clone();
        Callback::from(move |confirmed: bool| {
            let Some(w) = (*warnings).clone() else {
                return;
            };
            let (warnings, failure, busy, settle) = (
                warnings.clone(),
                failure.clone(),
                busy.clone(),
                settle.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let args = AnswerOrderWarningsArgs {
                    confirmation: w.confirmation,
                    confirmed,
                };
                match ipc::call::<AnswerOrderWarnings>(&args).await {
                    Ok(outcome) => settle.emit(outcome),
                    Err(err) => {
                        // Expired or refused: the question is over either way.
                        warnings.set(None);
                        failure.set(Some(err));
                    }
                }
                busy.set(false);
            });
        })
    };
    let on_warnings_confirm = {
        let answer = answer.clone();
        Callback::from(move |_: MouseEvent| answer.emit(true))
    };
    let on_warnings_decline = {
        let answer = answer.clone();
        Callback::from(move |_: MouseEvent| answer.emit(false))
    };
    let on_place = {
        let review = review.clone();
        let send = send.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = (*review).clone() {
                send.emit(t);
            }
        })
    };
    let on_confirm_large = {
        let large = large.clone();
        let send = send.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(l) = (*large).clone() {
                send.emit(OrderTicket {
                    confirm_large: true,
                    ..l.ticket
                });
            }
        })
    };
    let on_typed_symbol = {
        let typed_symbol = typed_symbol.clone();
        Callback::from(move |e: InputEvent| {
            typed_symbol.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_edit = {
        let review = review.clone();
        let large = large.clone();
        Callback::from(move |_: MouseEvent| {
            review.set(None);
            large.set(None);
        })
    };
    let waiting = warnings.is_some();

    let account = props.accounts.get(*account_index);
    // Only the quotes of the connection this ticket trades in.
    let quote = live.as_ref().zip(account).and_then(|(l, a)| {
        l.quotes
            .get(&a.connection.id)?
            .get(&Symbol::new(form.symbol.trim().to_uppercase()))
            .cloned()
    });
    let account_options = props.accounts.iter().enumerate().map(|(i, a)| {
        let mode = match a.mode {
            TradingMode::Paper => "PAPER",
            TradingMode::Live => "LIVE",
        };
        html! {
            <option value={i.to_string()} selected={i == *account_index}>
                { format!("{} · {} · {}", a.connection.display_name, a.account_id, mode) }
            </option>
        }
    });
    let opt = |value: &'static str, label: &'static str, current: &str| {
        html! { <option value={value} selected={value == current}>{ label }</option> }
    };
    let side = form.side.as_str();
    let qty_kind = form.quantity_kind.as_str();
    let order_type = form.order_type.as_str();
    let tif = form.time_in_force.as_str();
    let is_live = account.is_some_and(|a| a.mode == TradingMode::Live);
    // Prices and amounts are in the account's own currency.
    let currency = account.map_or("USD", |a| a.balances.currency.as_str());
    html! {
        <section class="card" id="order-ticket">
            <h2>{ "New order" }</h2>
            <form class="ticket" onsubmit={on_review}>
                <label for="ticket-account">{ "Account" }</label>
                <select id="ticket-account" onchange={on_account}>
                    { for account_options }
                </select>
                <label for="ticket-symbol">{ "Symbol" }</label>
                <div class="row">
                    <input id="ticket-symbol" value={form.symbol.clone()} placeholder="AAPL" autocomplete="off"
                        oninput={on_input(set(TicketField::Symbol))} onblur={on_symbol_done} />
                    <span class="muted quote-line" id="ticket-quote">{
                        match &quote {
                            Some(q) => format!("Bid {} · Ask {}",
                                q.bid.map(|v| format_price(v, currency)).unwrap_or_else(|| "—".into()),
                                q.ask.map(|v| format_price(v, currency)).unwrap_or_else(|| "—".into())),
                            None => String::new(),
                        }
                    }</span>
                </div>
                <label for="ticket-side">{ "Side" }</label>
                <select id="ticket-side" onchange={on_select(set(TicketField::Side))}>
                    { opt(OrderSide::Buy.as_str(), "Buy", side) }{ opt(OrderSide::Sell.as_str(), "Sell", side) }
                </select>
                <label for="ticket-qty">{ "Quantity" }</label>
                <div class="row">
                    <input id="ticket-qty" inputmode="decimal" value={form.quantity.clone()} placeholder="10"
                        oninput={on_input(set(TicketField::Quantity))} />
                    <select id="ticket-qty-kind" aria-label="Quantity in" onchange={on_select(set(TicketField::QuantityKind))}>
                        { opt(QuantityKind::Shares.as_str(), "shares", qty_kind) }{ opt(QuantityKind::Dollars.as_str(), "dollars", qty_kind) }
                    </select>
                </div>
                <label for="ticket-type">{ "Type" }</label>
                <select id="ticket-type" onchange={on_select(set(TicketField::OrderType))}>
                    { opt(OrderType::Market.as_str(), "Market", order_type) }{ opt(OrderType::Limit.as_str(), "Limit", order_type) }
                    { opt(OrderType::Stop.as_str(), "Stop", order_type) }{ opt(OrderType::StopLimit.as_str(), "Stop limit", order_type) }
                </select>
                if form.needs_limit() {
                    <label for="ticket-limit">{ "Limit price" }</label>
                    <input id="ticket-limit" inputmode="decimal" value={form.limit_price.clone()} oninput={on_input(set(TicketField::LimitPrice))} />
                }
                if form.needs_stop() {
                    <label for="ticket-stop">{ "Stop price" }</label>
                    <input id="ticket-stop" inputmode="decimal" value={form.stop_price.clone()} oninput={on_input(set(TicketField::StopPrice))} />
                }
                <label for="ticket-tif">{ "Time in force" }</label>
                <select id="ticket-tif" onchange={on_select(set(TicketField::TimeInForce))}>
                    { opt(TimeInForce::Day.as_str(), "Day", tif) }{ opt(TimeInForce::Gtc.as_str(), "Good till cancelled", tif) }
                    { opt(TimeInForce::Ioc.as_str(), "Immediate or cancel", tif) }{ opt(TimeInForce::Fok.as_str(), "Fill or kill", tif) }
                    { opt(TimeInForce::Opg.as_str(), "At the open", tif) }{ opt(TimeInForce::Cls.as_str(), "At the close", tif) }
                </select>
                if let Some(why) = &*problem {
                    <p class="form-error" role="alert" id="ticket-problem">{ why }</p>
                }
                <button type="submit" id="ticket-review">{ "Review order" }</button>
            </form>
            if let (Some(t), Some(a), None, false) = (&*review, account, &*large, waiting) {
                <div class={classes!("confirm", if is_live { "live" } else { "paper" })} id="order-confirm" role="dialog" aria-label="Confirm order">
                    <p class="confirm-what" id="confirm-what">{ describe(t, currency) }</p>
                    <p>{ "Account: " }<strong id="confirm-account">{ format!("{} · {}", a.connection.display_name, a.account_id) }</strong>{ " " }<ModeBadge mode={a.mode} /></p>
                    <p class="muted">{
                        if is_live {
                            "LIVE order: real money. It goes out only while live trading is armed (Settings)."
                        } else {
                            "PAPER order: simulated, no real money moves."
                        }
                    }</p>
                    <div class="row">
                        <button id="ticket-submit" class={classes!(if is_live { "danger" } else { "" })}
                            onclick={on_place} disabled={*busy}>
                            { if *busy { "Placing…" } else if is_live { "Place LIVE order" } else { "Place PAPER order" } }
                        </button>
                        <button class="secondary" id="ticket-edit" onclick={on_edit.clone()}>{ "Edit" }</button>
                    </div>
                </div>
            }
            if let (Some(l), Some(a)) = (&*large, account) {
                <div class={classes!("confirm", "large", if is_live { "live" } else { "paper" })} id="order-large" role="alertdialog" aria-label="Confirm a large order">
                    <p class="confirm-what">{ describe(&l.ticket, currency) }{ " " }<ModeBadge mode={a.mode} /></p>
                    <p class="form-error" id="large-why">{ &l.why }</p>
                    <label for="large-symbol">{ format!("Type {} to confirm this order a second time", l.ticket.symbol) }</label>
                    <input id="large-symbol" autocomplete="off" value={(*typed_symbol).clone()} oninput={on_typed_symbol} />
                    <div class="row">
                        <button id="large-submit" class="danger" onclick={on_confirm_large}
                            disabled={*busy || typed_symbol.trim().to_uppercase() != l.ticket.symbol.as_str()}>
                            { if *busy { "Placing…" } else { "Place this large order" } }
                        </button>
                        <button class="secondary" id="large-edit" onclick={on_edit}>{ "Edit" }</button>
                    </div>
                </div>
            }
            if let Some(w) = &*warnings {
                <div class={classes!("confirm", "warnings", if is_live { "live" } else { "paper" })} id="order-warnings" role="alertdialog" aria-label="The broker's warnings">
                    <p class="confirm-what">{ format!("{} asks before placing your {} order:", w.connection_name, w.symbol) }</p>
                    // The broker's words, as text: shown to the user, never acted on.
                    <ul class="warning-list" id="warnings-messages">
                        { for w.messages.iter().map(|m| html! {
                            <li>{ for m.lines().map(|line| html! { <p class="warning-text">{ line }</p> }) }</li>
                        }) }
                    </ul>
                    <p class="muted">{ "Not sent yet. Confirm to send it, or decline to drop it." }</p>
                    <div class="row">
                        <button id="warnings-confirm" class={classes!(if is_live { "danger" } else { "" })}
                            onclick={on_warnings_confirm} disabled={*busy}>
                            { if *busy { "Sending…" } else { "Confirm" } }
                        </button>
                        <button class="secondary" id="warnings-decline" onclick={on_warnings_decline} disabled={*busy}>
                            { "Decline" }
                        </button>
                    </div>
                </div>
            }
            if *declined {
                <p class="muted" id="ticket-declined">{ "Order declined: it was not sent." }</p>
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
