//! Bracket, OCO and OTO orders through commands only, as the journal replays them.

use super::tests::{Harness, cash_acct, margin};
use super::*;
use rust_decimal_macros::dec;

fn bracket(tp: Decimal, sl: Decimal) -> ClassRequest {
    ClassRequest::Bracket {
        take_profit: TakeProfit { limit_price: tp },
        stop_loss: StopLoss {
            stop_price: sl,
            limit_price: None,
        },
    }
}

fn rejection(events: &[Event]) -> Option<String> {
    events.iter().find_map(|e| match e {
        Event::Rejected { rejection, .. } => Some(rejection.to_string()),
        _ => None,
    })
}

fn leg(h: &Harness, parent: u128, i: usize) -> Order {
    let id = h.order(parent).legs[i];
    h.e.order(&id).unwrap().clone()
}

fn position(h: &Harness, account: &AccountId) -> Decimal {
    h.e.account(account)
        .unwrap()
        .position_qty(&Symbol::new("AAPL"))
}

fn quote(h: &mut Harness, bid: Decimal, ask: Decimal) -> Vec<Event> {
    h.quote("AAPL", bid, 500, ask, 500)
}

#[test]
fn a_bracket_entry_fills_then_its_take_profit_fills_and_cancels_the_stop_loss() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    r.class = bracket(dec!(105), dec!(95));
    let ev = h.submit(r);
    assert_eq!(rejection(&ev), None);
    let parent = h.order(1).clone();
    assert_eq!(parent.order_class, OrderClass::Bracket);
    assert_eq!(parent.status, OrderStatus::Filled);
    let (tp, sl) = (leg(&h, 1, 0), leg(&h, 1, 1));
    assert_eq!(
        (tp.order_type, tp.side, tp.limit_price),
        (OrderType::Limit, Side::Sell, Some(dec!(105)))
    );
    assert_eq!(
        (sl.order_type, sl.side, sl.stop_price),
        (OrderType::Stop, Side::Sell, Some(dec!(95)))
    );
    assert_eq!((tp.status, sl.status), (OrderStatus::New, OrderStatus::New));
    assert_eq!((tp.parent, sl.parent), (Some(parent.id), Some(parent.id)));
    // The legs were announced held, then live, after the entry's fill.
    let order_of = |e: &Event| match e {
        Event::Accepted { order } => Some((order.id, order.status)),
        Event::Filled { order, .. } => Some((order.id, order.status)),
        _ => None,
    };
    let seen: Vec<_> = ev.iter().filter_map(order_of).collect();
    assert_eq!(
        seen,
        vec![
            (parent.id, OrderStatus::New),
            (tp.id, OrderStatus::Held),
            (sl.id, OrderStatus::Held),
            (parent.id, OrderStatus::Filled),
            (tp.id, OrderStatus::New),
            (sl.id, OrderStatus::New),
        ]
    );
    // The take-profit holds the shares, so nothing else can sell them.
    let r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(1));
    assert!(rejection(&h.submit(r)).is_some());

    quote(&mut h, dec!(105.01), dec!(105.03));
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Filled);
    assert_eq!(leg(&h, 1, 1).status, OrderStatus::Canceled);
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
    // The canceled stop-loss does not fire on the way down.
    quote(&mut h, dec!(90.00), dec!(90.02));
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
}

#[test]
fn a_bracket_stop_loss_fill_cancels_the_take_profit() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    r.class = bracket(dec!(105), dec!(95));
    h.submit(r);
    quote(&mut h, dec!(94.50), dec!(94.52));
    // Triggered on that quote, filled on the next.
    quote(&mut h, dec!(94.40), dec!(94.42));
    assert_eq!(leg(&h, 1, 1).status, OrderStatus::Filled);
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Canceled);
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
    let held =
        h.e.account(&margin())
            .unwrap()
            .positions
            .get(&Symbol::new("AAPL"))
            .map(|p| p.held_for_orders);
    assert!(held.is_none_or(|h| h.is_zero()));
}

#[test]
fn legs_stay_held_until_the_entry_fills_and_canceling_the_entry_cancels_them() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(10));
    r.limit_price = Some(dec!(99));
    r.class = bracket(dec!(101), dec!(97));
    h.submit(r);
    // A quote that would fill the take-profit and trigger the stop-loss: the legs are held.
    quote(&mut h, dec!(101.50), dec!(101.52));
    quote(&mut h, dec!(96.00), dec!(99.50));
    assert_eq!(h.order(1).status, OrderStatus::New);
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Held);
    assert_eq!(leg(&h, 1, 1).status, OrderStatus::Held);
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
    let ev = h.cmd(CommandKind::Cancel {
        account: margin(),
        order_id: Uuid::from_u128(1),
    });
    let canceled = ev
        .iter()
        .filter(|e| matches!(e, Event::Canceled { .. }))
        .count();
    assert_eq!(canceled, 3);
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Canceled);
    assert_eq!(leg(&h, 1, 1).status, OrderStatus::Canceled);
    assert_eq!(h.e.open_orders, 0);
}

#[test]
fn a_part_filled_take_profit_shrinks_the_stop_loss() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    r.class = bracket(dec!(105), dec!(95));
    h.submit(r);
    h.quote("AAPL", dec!(105.00), 4, dec!(105.02), 500);
    assert_eq!(leg(&h, 1, 0).filled_qty, dec!(4));
    assert_eq!(leg(&h, 1, 1).qty, Some(dec!(6)));
    // The stop-loss sells the 6 left, no more.
    quote(&mut h, dec!(94.00), dec!(94.02));
    quote(&mut h, dec!(94.00), dec!(94.02));
    assert_eq!(leg(&h, 1, 1).status, OrderStatus::Filled);
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Canceled);
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
}

#[test]
fn a_bracket_entry_canceled_after_a_partial_fill_sends_legs_for_what_it_bought() {
    let mut h = Harness::new(CalendarKind::Nyse);
    h.quote("AAPL", dec!(100.00), 500, dec!(100.02), 3);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(10));
    r.limit_price = Some(dec!(100.02));
    r.class = bracket(dec!(105), dec!(95));
    h.submit(r);
    assert_eq!(h.order(1).filled_qty, dec!(3));
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Held);
    h.cmd(CommandKind::Cancel {
        account: margin(),
        order_id: Uuid::from_u128(1),
    });
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::New);
    assert_eq!(leg(&h, 1, 0).qty, Some(dec!(3)));
    assert_eq!(leg(&h, 1, 1).qty, Some(dec!(3)));
}

#[test]
fn an_oco_protects_a_position_with_both_exits_live() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let r = h.req(cash_acct(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    h.submit(r);
    let mut r = h.req(cash_acct(), "AAPL", Side::Sell, OrderType::Limit, dec!(10));
    r.limit_price = Some(dec!(110));
    r.time_in_force = TimeInForce::Gtc;
    r.class = ClassRequest::Oco {
        take_profit: TakeProfit {
            limit_price: dec!(110),
        },
        stop_loss: StopLoss {
            stop_price: dec!(95),
            limit_price: Some(dec!(94)),
        },
    };
    let ev = h.submit(r);
    assert_eq!(rejection(&ev), None);
    let sl = leg(&h, 2, 0);
    assert_eq!(
        (sl.status, sl.side, sl.order_type),
        (OrderStatus::New, Side::Sell, OrderType::StopLimit)
    );
    quote(&mut h, dec!(94.90), dec!(94.92));
    quote(&mut h, dec!(94.90), dec!(94.92));
    assert_eq!(leg(&h, 2, 0).status, OrderStatus::Filled);
    assert_eq!(h.order(2).status, OrderStatus::Canceled);
    assert_eq!(position(&h, &cash_acct()), Decimal::ZERO);
    // The take-profit, canceled, does not sell (the cash account cannot go short).
    quote(&mut h, dec!(111.00), dec!(111.02));
    assert_eq!(position(&h, &cash_acct()), Decimal::ZERO);
}

#[test]
fn an_oto_sends_its_one_exit_when_the_entry_fills() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(5));
    r.class = ClassRequest::Oto {
        exit: Exit::StopLoss(StopLoss {
            stop_price: dec!(103),
            limit_price: None,
        }),
    };
    assert_eq!(rejection(&h.submit(r)), None);
    assert_eq!(position(&h, &margin()), dec!(-5));
    assert_eq!(h.order(1).legs.len(), 1);
    let sl = leg(&h, 1, 0);
    assert_eq!((sl.side, sl.status), (Side::Buy, OrderStatus::New));
    assert!(
        sl.reserved > Decimal::ZERO,
        "a covering buy holds buying power"
    );
    quote(&mut h, dec!(103.00), dec!(103.02));
    quote(&mut h, dec!(103.00), dec!(103.02));
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Filled);
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
}

/// Side, entry type, entry limit, time in force, class, and the refusal expected.
type Case = (
    Side,
    OrderType,
    Option<Decimal>,
    TimeInForce,
    ClassRequest,
    &'static str,
);

#[test]
fn alpaca_refuses_exits_on_the_wrong_side_of_the_entry() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let cases: Vec<Case> = vec![
        (
            Side::Buy,
            OrderType::Limit,
            Some(dec!(100)),
            TimeInForce::Day,
            bracket(dec!(100), dec!(95)),
            "take_profit.limit_price must be >= base_price + 0.01",
        ),
        (
            Side::Buy,
            OrderType::Limit,
            Some(dec!(100)),
            TimeInForce::Day,
            bracket(dec!(105), dec!(100)),
            "stop_loss.stop_price must be <= base_price - 0.01",
        ),
        // A market entry is priced at the ask.
        (
            Side::Buy,
            OrderType::Market,
            None,
            TimeInForce::Day,
            bracket(dec!(100.02), dec!(95)),
            "take_profit.limit_price must be >= base_price + 0.01",
        ),
        (
            Side::Sell,
            OrderType::Limit,
            Some(dec!(100)),
            TimeInForce::Gtc,
            bracket(dec!(105), dec!(110)),
            "take_profit.limit_price must be <= base_price - 0.01",
        ),
        (
            Side::Sell,
            OrderType::Limit,
            Some(dec!(100)),
            TimeInForce::Gtc,
            bracket(dec!(95), dec!(99.995)),
            "sub-penny",
        ),
        (
            Side::Buy,
            OrderType::Limit,
            Some(dec!(100)),
            TimeInForce::Ioc,
            bracket(dec!(105), dec!(95)),
            "bracket orders must be day or gtc",
        ),
        (
            Side::Buy,
            OrderType::Market,
            None,
            TimeInForce::Day,
            ClassRequest::Oco {
                take_profit: TakeProfit {
                    limit_price: dec!(105),
                },
                stop_loss: StopLoss {
                    stop_price: dec!(95),
                    limit_price: None,
                },
            },
            "oco orders must be limit orders",
        ),
        (
            Side::Sell,
            OrderType::Limit,
            Some(dec!(95)),
            TimeInForce::Day,
            ClassRequest::Oco {
                take_profit: TakeProfit {
                    limit_price: dec!(95),
                },
                stop_loss: StopLoss {
                    stop_price: dec!(96),
                    limit_price: None,
                },
            },
            "take_profit.limit_price must be > stop_loss.stop_price",
        ),
    ];
    for (side, order_type, limit, tif, class, message) in cases {
        let mut r = h.req(margin(), "AAPL", side, order_type, dec!(1));
        r.limit_price = limit;
        r.time_in_force = tif;
        r.class = class;
        let ev = h.submit(r);
        let err = rejection(&ev).unwrap_or_default();
        assert!(err.contains(message), "{err:?} should say {message:?}");
        let status = ev.iter().find_map(|e| match e {
            Event::Rejected { rejection, .. } => Some(rejection.http_status()),
            _ => None,
        });
        assert_eq!(status, Some(422));
    }
    assert_eq!(h.e.order_count(), 0);
}

#[test]
fn links_survive_a_snapshot_and_a_replaced_leg() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(10));
    r.limit_price = Some(dec!(99));
    r.class = bracket(dec!(105), dec!(95));
    h.submit(r);
    let image = serde_json::to_string(&h.e.snapshot()).unwrap();
    h.e = Engine::restore(serde_json::from_str(&image).unwrap());
    assert_eq!(h.order(1).legs.len(), 2);
    quote(&mut h, dec!(98.00), dec!(98.50));
    assert_eq!(h.order(1).status, OrderStatus::Filled);
    // A leg replace without its price changes nothing; with it, the parent lists the new leg.
    let ev = h.cmd(CommandKind::Replace {
        account: margin(),
        order_id: leg(&h, 1, 1).id,
        new_id: Uuid::from_u128(99),
        changes: ReplaceRequest::default(),
    });
    assert_eq!(
        rejection(&ev).as_deref(),
        Some("only stop_price can be replaced on a stop_loss leg")
    );
    let ev = h.cmd(CommandKind::Replace {
        account: margin(),
        order_id: leg(&h, 1, 1).id,
        new_id: Uuid::from_u128(99),
        changes: ReplaceRequest {
            stop_price: Some(dec!(94)),
            ..ReplaceRequest::default()
        },
    });
    assert_eq!(rejection(&ev), None);
    assert_eq!(leg(&h, 1, 1).id, Uuid::from_u128(99));
    let image = serde_json::to_string(&h.e.snapshot()).unwrap();
    h.e = Engine::restore(serde_json::from_str(&image).unwrap());
    quote(&mut h, dec!(105.00), dec!(105.02));
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Filled);
    assert_eq!(leg(&h, 1, 1).status, OrderStatus::Canceled);
}

fn patch(h: &mut Harness, id: Uuid, new_id: u128, changes: ReplaceRequest) -> Vec<Event> {
    h.cmd(CommandKind::Replace {
        account: margin(),
        order_id: id,
        new_id: Uuid::from_u128(new_id),
        changes,
    })
}

#[test]
fn a_live_take_profit_leg_moves_its_limit_and_keeps_its_partner() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    r.class = bracket(dec!(105), dec!(95));
    h.submit(r);
    let (tp, sl) = (leg(&h, 1, 0), leg(&h, 1, 1));
    let ev = patch(
        &mut h,
        tp.id,
        900,
        ReplaceRequest {
            limit_price: Some(dec!(106)),
            ..ReplaceRequest::default()
        },
    );
    assert_eq!(rejection(&ev), None);
    let new_id = Uuid::from_u128(900);
    assert!(
        matches!(&ev[..], [Event::Replaced { old, new }] if old.id == tp.id && new.id == new_id)
    );
    let old = h.e.order(&tp.id).unwrap();
    assert_eq!(
        (old.status, old.replaced_by),
        (OrderStatus::Replaced, Some(new_id))
    );
    let new = leg(&h, 1, 0);
    assert_eq!(new.id, new_id);
    assert_eq!(
        (
            new.status,
            new.limit_price,
            new.qty,
            new.parent,
            new.replaces
        ),
        (
            OrderStatus::New,
            Some(dec!(106)),
            Some(dec!(10)),
            Some(h.order(1).id),
            Some(tp.id)
        )
    );
    assert_eq!(new.order_class, OrderClass::Bracket);
    // Still the only thing holding the shares.
    let r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(1));
    assert!(rejection(&h.submit(r)).is_some());
    // The old limit no longer trades; the new one does, and cancels the stop-loss.
    quote(&mut h, dec!(105.50), dec!(105.52));
    assert_eq!(position(&h, &margin()), dec!(10));
    quote(&mut h, dec!(106.00), dec!(106.02));
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Filled);
    assert_eq!(h.e.order(&sl.id).unwrap().status, OrderStatus::Canceled);
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
    assert_eq!(h.e.open_orders, 0);
}

#[test]
fn a_held_stop_loss_leg_moves_its_stop_and_goes_live_with_the_entry() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(10));
    r.limit_price = Some(dec!(99));
    r.class = bracket(dec!(101), dec!(97));
    h.submit(r);
    let sl = leg(&h, 1, 1);
    let ev = patch(
        &mut h,
        sl.id,
        901,
        ReplaceRequest {
            stop_price: Some(dec!(96.50)),
            ..ReplaceRequest::default()
        },
    );
    assert_eq!(rejection(&ev), None);
    let new = leg(&h, 1, 1);
    assert_eq!(
        (new.id, new.status, new.stop_price),
        (Uuid::from_u128(901), OrderStatus::Held, Some(dec!(96.50)))
    );
    // The entry fills: both legs (the replacement among them) go live.
    quote(&mut h, dec!(98.97), dec!(98.99));
    assert_eq!(h.order(1).status, OrderStatus::Filled);
    assert_eq!(leg(&h, 1, 1).status, OrderStatus::New);
    // 96.90 would have triggered the old stop (97); the new one (96.50) waits.
    quote(&mut h, dec!(96.90), dec!(96.92));
    assert_eq!(position(&h, &margin()), dec!(10));
    quote(&mut h, dec!(96.40), dec!(96.42));
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Canceled);
}

#[test]
fn a_leg_replace_takes_only_its_own_price_on_the_right_side_of_its_partner() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    r.class = bracket(dec!(105), dec!(95));
    h.submit(r);
    let (tp, sl) = (leg(&h, 1, 0), leg(&h, 1, 1));
    let refused = [
        (
            tp.id,
            ReplaceRequest {
                qty: Some(dec!(5)),
                ..ReplaceRequest::default()
            },
            "only limit_price can be replaced on a take_profit leg",
        ),
        (
            tp.id,
            ReplaceRequest {
                stop_price: Some(dec!(90)),
                ..ReplaceRequest::default()
            },
            "only limit_price can be replaced on a take_profit leg",
        ),
        (
            sl.id,
            ReplaceRequest {
                limit_price: Some(dec!(94)),
                ..ReplaceRequest::default()
            },
            "only stop_price can be replaced on a stop_loss leg",
        ),
        (
            tp.id,
            ReplaceRequest {
                limit_price: Some(dec!(95)),
                ..ReplaceRequest::default()
            },
            "take_profit.limit_price must be > stop_loss.stop_price",
        ),
        (
            sl.id,
            ReplaceRequest {
                stop_price: Some(dec!(94.001)),
                ..ReplaceRequest::default()
            },
            "sub-penny",
        ),
    ];
    for (n, (id, changes, message)) in refused.into_iter().enumerate() {
        let ev = patch(&mut h, id, 950 + n as u128, changes);
        let got = rejection(&ev).unwrap_or_default();
        assert!(got.contains(message), "{got}");
    }
    assert_eq!((leg(&h, 1, 0).id, leg(&h, 1, 1).id), (tp.id, sl.id));
    // The parent itself is still not replaceable (it would lose its legs).
    let ev = patch(
        &mut h,
        Uuid::from_u128(1),
        960,
        ReplaceRequest {
            qty: Some(dec!(3)),
            ..ReplaceRequest::default()
        },
    );
    assert_eq!(rejection(&ev), Some(Rejection::NotReplaceable.to_string()));
}

/// Found by the engine proptest ("held 41 > qty 40"): a margin short sell queued while the
/// account was flat trades after a bracket entry made it long, selling shares the take-profit
/// holds. The holds shrink to the position instead of exceeding it.
#[test]
fn a_short_sell_trading_into_a_held_long_shrinks_the_exit_hold() {
    let mut h = Harness::new(CalendarKind::Nyse);
    h.quote("AAPL", dec!(50.00), 0, dec!(50.02), 0);
    let first = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(1));
    assert_eq!(rejection(&h.submit(first)), None);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(42));
    r.class = bracket(dec!(60), dec!(40));
    assert_eq!(rejection(&h.submit(r)), None);
    let second = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(1));
    assert_eq!(rejection(&h.submit(second)), None);
    // Market orders by arrival: short 1, buy 42 (its legs go live holding 41), sell 1.
    h.quote("AAPL", dec!(50.00), 2, dec!(50.02), 42);
    assert_eq!(h.order(3).status, OrderStatus::Filled);
    assert_eq!(position(&h, &margin()), dec!(40));
    let held = h.e.account(&margin()).unwrap().positions[&Symbol::new("AAPL")].held_for_orders;
    assert_eq!(held, dec!(40));
    let tp = leg(&h, 2, 0);
    assert_eq!((tp.status, tp.held_qty), (OrderStatus::New, dec!(40)));
    // The exit still closes exactly the position when it trades, never opening a short.
    quote(&mut h, dec!(60.00), dec!(60.02));
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
    assert_eq!(leg(&h, 2, 0).filled_qty, dec!(40));
}

/// A leg's need of buying power: leaves × the price it reserves at.
fn need(o: &Order) -> Decimal {
    o.leaves() * o.reserve_price
}

fn reserved(h: &Harness) -> Decimal {
    h.e.summary(&margin()).unwrap().reserved
}

#[test]
fn a_short_entrys_two_covering_exits_hold_buying_power_once() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(10));
    r.class = bracket(dec!(95), dec!(105));
    assert_eq!(rejection(&h.submit(r)), None);
    assert_eq!(position(&h, &margin()), dec!(-10));
    let (tp, sl) = (leg(&h, 1, 0), leg(&h, 1, 1));
    assert_eq!((tp.side, sl.side), (Side::Buy, Side::Buy));
    assert!(need(&tp) > Decimal::ZERO && need(&sl) > need(&tp));
    // Only one of them can ever fill: the larger need is held, not both.
    assert_eq!(reserved(&h), need(&sl));

    // The take-profit fills 4: both legs now cover 6.
    h.quote("AAPL", dec!(94.98), 500, dec!(95.00), 4);
    let (tp, sl) = (leg(&h, 1, 0), leg(&h, 1, 1));
    assert_eq!((tp.filled_qty, sl.qty), (dec!(4), Some(dec!(6))));
    assert_eq!(reserved(&h), dec!(6) * sl.reserve_price);

    // Moving the stop-loss (a new order joins the group) keeps one hold, of the new need.
    let ev = patch(
        &mut h,
        sl.id,
        950,
        ReplaceRequest {
            stop_price: Some(dec!(106)),
            ..ReplaceRequest::default()
        },
    );
    assert_eq!(rejection(&ev), None);
    let (tp, sl) = (leg(&h, 1, 0), leg(&h, 1, 1));
    assert_eq!(sl.id, Uuid::from_u128(950));
    assert_eq!(reserved(&h), need(&sl).max(need(&tp)));
    assert_eq!(reserved(&h), dec!(6) * dec!(106));

    // The stop-loss fills: the take-profit is canceled and nothing is held any more.
    quote(&mut h, dec!(106.50), dec!(106.52));
    quote(&mut h, dec!(106.50), dec!(106.52));
    assert_eq!(leg(&h, 1, 1).status, OrderStatus::Filled);
    assert_eq!(leg(&h, 1, 0).status, OrderStatus::Canceled);
    assert_eq!(position(&h, &margin()), Decimal::ZERO);
    assert_eq!(reserved(&h), Decimal::ZERO);
}

#[test]
fn an_exit_canceled_alone_leaves_its_partner_holding_what_it_needs() {
    let mut h = Harness::new(CalendarKind::Nyse);
    quote(&mut h, dec!(100.00), dec!(100.02));
    let mut r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(10));
    r.class = bracket(dec!(95), dec!(105));
    assert_eq!(rejection(&h.submit(r)), None);
    let (tp, sl) = (leg(&h, 1, 0), leg(&h, 1, 1));
    // The earlier leg carries the group's hold; cancel it and the other must take it over.
    assert_eq!((tp.reserved, sl.reserved), (need(&sl), Decimal::ZERO));
    let ev = h.cmd(CommandKind::Cancel {
        account: margin(),
        order_id: tp.id,
    });
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Canceled { order } if order.id == tp.id))
    );
    // Canceling one leg cancels only that leg (as a cancel of any order does).
    let sl = h.e.order(&sl.id).unwrap().clone();
    assert_eq!(sl.status, OrderStatus::New);
    assert_eq!((sl.reserved, reserved(&h)), (need(&sl), need(&sl)));
}
