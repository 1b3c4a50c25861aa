//! Invariants over random command streams: money is conserved through fills, limits are
//! respected, FOK is all-or-nothing, reservations balance, and replay rebuilds the same state.

use super::tests::ts;
use super::*;
use chrono::Duration;
use proptest::prelude::*;

const SYMBOLS: [&str; 3] = ["AAPL", "MSFT", "SPY"];

#[derive(Clone, Debug)]
enum Op {
    Quote {
        sym: usize,
        mid_cents: i64,
        spread: i64,
        bid_size: u32,
        ask_size: u32,
    },
    Trade {
        sym: usize,
        cents: i64,
    },
    /// A quote and a trade in one command, as the feed journals them.
    Market {
        sym: usize,
        cents: i64,
    },
    Submit {
        account: usize,
        sym: usize,
        buy: bool,
        kind: u8,
        tif: u8,
        qty: i64,
        frac: bool,
        offset: i64,
        trail: i64,
        /// 0–4 simple; 5 bracket, 6 OTO, 7 OCO.
        class: u8,
    },
    Cancel {
        nth: usize,
    },
    Replace {
        nth: usize,
        offset: i64,
        qty: i64,
    },
    Clock {
        minutes: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 5_000..15_000i64, 1..6i64, 0..400u32, 0..400u32)
            .prop_map(|(sym, mid_cents, spread, bid_size, ask_size)| Op::Quote { sym, mid_cents, spread, bid_size, ask_size }),
        1 => (0..3usize, 5_000..15_000i64).prop_map(|(sym, cents)| Op::Trade { sym, cents }),
        1 => (0..3usize, 5_000..15_000i64).prop_map(|(sym, cents)| Op::Market { sym, cents }),
        5 => (0..2usize, 0..3usize, any::<bool>(), 0..5u8, 0..6u8, 1..300i64, any::<bool>(), -500..500i64, 1..500i64, 0..8u8)
            .prop_map(|(account, sym, buy, kind, tif, qty, frac, offset, trail, class)| Op::Submit { account, sym, buy, kind, tif, qty, frac, offset, trail, class }),
        1 => (0..64usize).prop_map(|nth| Op::Cancel { nth }),
        1 => (0..64usize, -300..300i64, 1..300i64).prop_map(|(nth, offset, qty)| Op::Replace { nth, offset, qty }),
        1 => (0..600i64).prop_map(|minutes| Op::Clock { minutes }),
    ]
}

fn accounts() -> [AccountId; 2] {
    [AccountId::new("M"), AccountId::new("C")]
}

/// Turns ops into concrete commands, consulting the engine only for prices and order ids.
fn commands(ops: &[Op], config: EngineConfig) -> Vec<Command> {
    let mut e = Engine::new(config);
    let mut t = ts("2026-11-30T14:00:00Z");
    let mut out = vec![
        Command::new(
            t,
            CommandKind::OpenAccount {
                account: accounts()[0].clone(),
                kind: AccountKind::Margin,
                cash: Decimal::from(50_000),
            },
        ),
        Command::new(
            t,
            CommandKind::OpenAccount {
                account: accounts()[1].clone(),
                kind: AccountKind::Cash,
                cash: Decimal::from(20_000),
            },
        ),
    ];
    let mut ids: Vec<(usize, Uuid)> = Vec::new();
    let mut n = 0u128;
    let mut mids = [Decimal::new(10_000, 2); 3];
    for c in &out {
        e.apply(c.clone());
    }
    for op in ops {
        t += Duration::seconds(1);
        n += 1;
        let kind = match op.clone() {
            Op::Quote {
                sym,
                mid_cents,
                spread,
                bid_size,
                ask_size,
            } => {
                let mid = Decimal::new(mid_cents, 2);
                mids[sym] = mid;
                CommandKind::Quote(Quote {
                    symbol: Symbol::new(SYMBOLS[sym]),
                    bid_price: mid - Decimal::new(spread, 2),
                    bid_size: bid_size.into(),
                    ask_price: mid + Decimal::new(spread, 2),
                    ask_size: ask_size.into(),
                })
            }
            Op::Trade { sym, cents } => CommandKind::Trade(Trade {
                symbol: Symbol::new(SYMBOLS[sym]),
                price: Decimal::new(cents, 2),
                size: Decimal::ONE,
            }),
            Op::Market { sym, cents } => {
                let px = Decimal::new(cents, 2);
                mids[sym] = px;
                let symbol = Symbol::new(SYMBOLS[sym]);
                CommandKind::Market(vec![
                    MarketUpdate::Quote(Quote {
                        symbol: symbol.clone(),
                        bid_price: px - Decimal::new(1, 2),
                        bid_size: Decimal::ONE_HUNDRED,
                        ask_price: px + Decimal::new(1, 2),
                        ask_size: Decimal::ONE_HUNDRED,
                    }),
                    MarketUpdate::Trade(Trade {
                        symbol,
                        price: px,
                        size: Decimal::ONE,
                    }),
                ])
            }
            Op::Submit {
                account,
                sym,
                buy,
                kind,
                tif,
                qty,
                frac,
                offset,
                trail,
                class,
            } => {
                let mut order_type = [
                    OrderType::Market,
                    OrderType::Limit,
                    OrderType::Stop,
                    OrderType::StopLimit,
                    OrderType::TrailingStop,
                ][kind as usize];
                let time_in_force = [
                    TimeInForce::Day,
                    TimeInForce::Gtc,
                    TimeInForce::Ioc,
                    TimeInForce::Fok,
                    TimeInForce::Opg,
                    TimeInForce::Cls,
                ][tif as usize];
                let side = if buy { Side::Buy } else { Side::Sell };
                let mid = mids[sym];
                let price = (mid + Decimal::new(offset, 2)).max(Decimal::ONE);
                let stop = (mid - Decimal::new(offset, 2)).max(Decimal::ONE);
                let qty = if frac {
                    Decimal::new(qty, 3)
                } else {
                    Decimal::from(qty)
                };
                let id = Uuid::from_u128(n);
                ids.push((account, id));
                // Exits `gap` away from the entry's price (or the mid), most of them valid.
                let gap = Decimal::new(trail, 2);
                let base = if matches!(order_type, OrderType::Limit | OrderType::StopLimit) {
                    price
                } else {
                    mid
                };
                let (up, down) = (base + gap, (base - gap).max(Decimal::new(1, 2)));
                let (tp, sl) = if buy { (up, down) } else { (down, up) };
                let take_profit = TakeProfit { limit_price: tp };
                let stop_loss = StopLoss {
                    stop_price: sl,
                    limit_price: (trail % 3 == 0).then_some(sl),
                };
                let class = match class {
                    5 => ClassRequest::Bracket {
                        take_profit,
                        stop_loss,
                    },
                    6 if trail % 2 == 0 => ClassRequest::Oto {
                        exit: Exit::TakeProfit(take_profit),
                    },
                    6 => ClassRequest::Oto {
                        exit: Exit::StopLoss(stop_loss),
                    },
                    7 => {
                        // An OCO exits: its take-profit is above the mid for a sell.
                        order_type = OrderType::Limit;
                        let (tp, sl) = if buy { (down, up) } else { (up, down) };
                        ClassRequest::Oco {
                            take_profit: TakeProfit { limit_price: tp },
                            stop_loss: StopLoss {
                                stop_price: sl,
                                limit_price: None,
                            },
                        }
                    }
                    _ => ClassRequest::Simple,
                };
                let price = match class {
                    ClassRequest::Oco { take_profit, .. } => take_profit.limit_price,
                    _ => price,
                };
                CommandKind::Submit(OrderRequest {
                    account: accounts()[account].clone(),
                    id,
                    client_order_id: format!("p{n}"),
                    symbol: Symbol::new(SYMBOLS[sym]),
                    side,
                    order_type,
                    time_in_force,
                    qty: Some(qty),
                    notional: None,
                    limit_price: matches!(order_type, OrderType::Limit | OrderType::StopLimit)
                        .then_some(price),
                    stop_price: matches!(order_type, OrderType::Stop | OrderType::StopLimit)
                        .then_some(stop),
                    trail_price: (order_type == OrderType::TrailingStop && trail % 2 == 0)
                        .then(|| Decimal::new(trail, 2)),
                    trail_percent: (order_type == OrderType::TrailingStop && trail % 2 == 1)
                        .then(|| Decimal::new(trail % 50, 1).max(Decimal::ONE)),
                    extended_hours: order_type == OrderType::Limit
                        && time_in_force == TimeInForce::Day
                        && trail % 4 == 0,
                    class,
                })
            }
            Op::Cancel { nth } => match ids.get(nth % ids.len().max(1)) {
                Some((a, id)) => CommandKind::Cancel {
                    account: accounts()[*a].clone(),
                    order_id: *id,
                },
                None => CommandKind::Clock,
            },
            Op::Replace { nth, offset, qty } => match ids.get(nth % ids.len().max(1)).copied() {
                Some((a, id)) => {
                    let new_id = Uuid::from_u128(n);
                    let moved = |p: Decimal| (p + Decimal::new(offset, 2)).max(Decimal::ONE);
                    let order = e.order(&id);
                    let limit = order.and_then(|o| o.limit_price).map(moved);
                    ids.push((a, new_id));
                    // A leg takes only its own price (take-profit limit, stop-loss stop).
                    let changes = match order {
                        Some(o) if o.parent.is_some() && o.order_type == OrderType::Limit => {
                            ReplaceRequest {
                                limit_price: limit,
                                ..Default::default()
                            }
                        }
                        Some(o) if o.parent.is_some() => ReplaceRequest {
                            stop_price: o.stop_price.map(moved),
                            ..Default::default()
                        },
                        _ => ReplaceRequest {
                            qty: Some(Decimal::from(qty)),
                            limit_price: limit,
                            ..Default::default()
                        },
                    };
                    CommandKind::Replace {
                        account: accounts()[a].clone(),
                        order_id: id,
                        new_id,
                        changes,
                    }
                }
                None => CommandKind::Clock,
            },
            Op::Clock { minutes } => {
                t += Duration::minutes(minutes);
                CommandKind::Clock
            }
        };
        let submitted = match &kind {
            CommandKind::Submit(r) => Some((r.id, r.account.clone())),
            _ => None,
        };
        let cmd = Command::new(t, kind);
        e.apply(cmd.clone());
        out.push(cmd);
        // Legs can be canceled (and tried for a replace) like any order.
        if let Some((id, account)) = submitted
            && let Some(o) = e.order(&id)
        {
            let a = accounts().iter().position(|x| *x == account).unwrap_or(0);
            ids.extend(o.legs.iter().map(|l| (a, *l)));
        }
    }
    out
}

fn check_invariants(e: &Engine, events: &[Event]) -> Result<(), TestCaseError> {
    for id in e.account_ids() {
        let a = e.account(&id).unwrap();
        let cost: Decimal = a.positions.values().map(|h| h.cost_basis).sum();
        prop_assert_eq!(
            a.cash + cost - a.realized_pl,
            a.initial_cash,
            "money conserved in {}",
            id
        );
        prop_assert!(a.reserved >= Decimal::ZERO, "reserved {}", a.reserved);
        let open_reserved: Decimal = e
            .orders(&id)
            .filter(|o| o.status.is_open())
            .map(|o| o.reserved)
            .sum();
        prop_assert_eq!(a.reserved, open_reserved, "reservations balance in {}", id);
        // Covering exits that cancel each other hold their largest need, once.
        for o in e.orders(&id).filter(|o| o.status.is_open()) {
            let group = e.hold_group(o.id);
            let need = |x: &Order| x.leaves().max(Decimal::ZERO) * x.reserve_price;
            if group.is_empty() {
                prop_assert_eq!(o.reserved, need(o), "order {} holds its need", o.id);
                continue;
            }
            let members: Vec<&Order> = group.iter().filter_map(|g| e.order(g)).collect();
            let held: Decimal = members.iter().map(|m| m.reserved).sum();
            let top = members.iter().map(|m| need(m)).max().unwrap_or_default();
            prop_assert_eq!(held, top, "group of {} holds its largest need once", o.id);
        }
        for (s, h) in &a.positions {
            prop_assert!(h.held_for_orders >= Decimal::ZERO);
            if a.kind == AccountKind::Cash {
                prop_assert!(h.qty >= Decimal::ZERO, "cash account short {} {}", s, h.qty);
            }
            if h.qty > Decimal::ZERO {
                prop_assert!(
                    h.held_for_orders <= h.qty,
                    "held {} > qty {}",
                    h.held_for_orders,
                    h.qty
                );
            }
        }
    }
    for ev in events {
        if let Event::Filled { order, fill } | Event::PartiallyFilled { order, fill } = ev {
            if let Some(limit) = order.effective_limit() {
                match order.side {
                    Side::Buy => prop_assert!(
                        fill.price <= limit,
                        "buy filled {} above limit {}",
                        fill.price,
                        limit
                    ),
                    Side::Sell => prop_assert!(
                        fill.price >= limit,
                        "sell filled {} below limit {}",
                        fill.price,
                        limit
                    ),
                }
            }
            prop_assert!(fill.qty > Decimal::ZERO);
            prop_assert!(order.qty.is_none_or(|q| order.filled_qty <= q));
        }
        if let Event::Filled { order, .. } | Event::Canceled { order } | Event::Expired { order } =
            ev
            && order.time_in_force == TimeInForce::Fok
        {
            prop_assert!(
                order.filled_qty.is_zero() || Some(order.filled_qty) == order.qty,
                "FOK partially filled: {} of {:?}",
                order.filled_qty,
                order.qty
            );
        }
    }
    Ok(())
}

/// The exits that cancel each other, worked out from the links alone.
fn partners(e: &Engine, o: &Order) -> Vec<Uuid> {
    match (o.order_class, o.parent) {
        (OrderClass::Bracket, Some(p)) => e
            .order(&p)
            .map(|p| p.legs.iter().copied().filter(|l| *l != o.id).collect())
            .unwrap_or_default(),
        (OrderClass::Oco, Some(p)) => vec![p],
        (OrderClass::Oco, None) => o.legs.clone(),
        _ => Vec::new(),
    }
}

/// Order classes: a leg never fills once its partner has filled, no bracket or OTO leg is
/// live (or has traded) while its entry may still fill, and quantities are conserved.
fn check_classes(
    e: &Engine,
    events: &[Event],
    filled: &mut std::collections::HashSet<Uuid>,
    asked: &std::collections::HashMap<Uuid, Decimal>,
) -> Result<(), TestCaseError> {
    for ev in events {
        if let Event::Filled { order, .. } | Event::PartiallyFilled { order, .. } = ev {
            for p in partners(e, order) {
                prop_assert!(
                    !filled.contains(&p),
                    "{} traded after its partner {} filled",
                    order.id,
                    p
                );
            }
            if matches!(ev, Event::Filled { .. }) {
                filled.insert(order.id);
            }
        }
    }
    for id in e.account_ids() {
        let mut net: BTreeMap<Symbol, Decimal> = BTreeMap::new();
        for o in e.orders(&id) {
            let signed = match o.side {
                Side::Buy => o.filled_qty,
                Side::Sell => -o.filled_qty,
            };
            *net.entry(o.symbol.clone()).or_default() += signed;
            // One exit done: the other is closed in the same command.
            if o.status == OrderStatus::Filled
                && (o.parent.is_some() || o.order_class == OrderClass::Oco)
            {
                for p in partners(e, o) {
                    prop_assert!(
                        !e.order(&p).is_some_and(|p| p.status.is_open()),
                        "{} still open after its partner {} filled",
                        p,
                        o.id
                    );
                }
            }
            let Some(parent) = o.parent.and_then(|p| e.order(&p)) else {
                // Partial fills shrink the other half, so compare with what was asked.
                if o.order_class == OrderClass::Oco
                    && let Some(asked) = asked.get(&o.id)
                {
                    let legs: Decimal = o
                        .legs
                        .iter()
                        .filter_map(|l| e.order(l))
                        .map(|l| l.filled_qty)
                        .sum();
                    prop_assert!(
                        o.filled_qty + legs <= *asked,
                        "oco exits sold more than asked"
                    );
                }
                continue;
            };
            if o.status == OrderStatus::Held {
                prop_assert!(parent.status.is_open(), "leg held after its entry ended");
            }
            if o.order_class != OrderClass::Oco {
                if parent.status.is_open() {
                    prop_assert!(
                        !o.status.is_working() && o.filled_qty.is_zero(),
                        "leg {:?} while its entry is {:?}",
                        o.status,
                        parent.status
                    );
                }
                let exits: Decimal = parent
                    .legs
                    .iter()
                    .filter_map(|l| e.order(l))
                    .map(|l| l.filled_qty)
                    .sum();
                prop_assert!(
                    exits <= parent.filled_qty,
                    "exits {} > entry {}",
                    exits,
                    parent.filled_qty
                );
                if o.filled_qty > Decimal::ZERO {
                    prop_assert!(
                        !parent.status.is_open(),
                        "leg traded before its entry was done"
                    );
                }
            }
        }
        let a = e.account(&id).unwrap();
        for (symbol, qty) in net {
            prop_assert_eq!(
                a.position_qty(&symbol),
                qty,
                "position = sum of fills in {}",
                symbol
            );
        }
    }
    Ok(())
}

/// The venue both property tests trade on: either calendar, with or without partial fills.
fn venue(nyse: bool, partials: u8) -> EngineConfig {
    let calendar = if nyse {
        CalendarKind::Nyse
    } else {
        CalendarKind::Always
    };
    EngineConfig {
        calendar,
        random_partial_fill_pct: partials,
        seed: 9,
        ..EngineConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_and_replay_reproduces_state(
        ops in prop::collection::vec(op(), 1..120),
        nyse in any::<bool>(),
        partials in prop_oneof![Just(0u8), Just(30u8)],
    ) {
        let config = venue(nyse, partials);
        let cmds = commands(&ops, config.clone());
        let mut live = Engine::new(config.clone());
        let mut live_events = Vec::new();
        let mut filled = std::collections::HashSet::new();
        let asked: std::collections::HashMap<Uuid, Decimal> = cmds
            .iter()
            .filter_map(|c| match &c.kind {
                CommandKind::Submit(r) => Some((r.id, r.qty.unwrap_or_default())),
                _ => None,
            })
            .collect();
        // Halfway, an image as the exchange takes it (orders and fills shared) and a snapshot
        // as a copy: the commands after must not reach the image, which encodes as the copy.
        let mut halfway = None;
        for (i, c) in cmds.iter().enumerate() {
            if i == cmds.len() / 2 {
                halfway = Some((live.image(), serde_json::to_string(&live.snapshot()).unwrap()));
            }
            let ev = live.apply(c.clone());
            check_invariants(&live, &ev)?;
            check_classes(&live, &ev, &mut filled, &asked)?;
            live_events.extend(ev);
        }
        if let Some((image, copy)) = halfway {
            prop_assert_eq!(serde_json::to_string(&image).unwrap(), copy.as_str());
            // Through the binary lists, the halfway image restores what its copy restores.
            let restored = binary_round_trip(&image);
            let from_copy = Engine::restore(serde_json::from_str(&copy).unwrap());
            prop_assert!(restored == from_copy, "the halfway image restores differently");
        }
        prop_assert_eq!(
            serde_json::to_string(&live.image()).unwrap(),
            serde_json::to_string(&live.snapshot()).unwrap()
        );
        // Replay through the journal's binary rows, as a restart does; the events digest of
        // each replayed command matches the one the live run would have journaled.
        let mut check = Engine::new(config.clone());
        let rows: Vec<(Vec<u8>, Vec<u8>)> = cmds
            .iter()
            .map(|c| {
                let row = crate::store::rows::encode_command(c).unwrap();
                (row, crate::store::rows::encode_events(&check.apply(c.clone())))
            })
            .collect();
        let mut replay = Engine::new(config);
        let mut replay_events = Vec::new();
        for ((row, digest), original) in rows.iter().zip(&cmds) {
            let cmd = crate::store::rows::decode_command(row).unwrap();
            prop_assert_eq!(&cmd, original);
            let ev = replay.apply(cmd);
            prop_assert_eq!(&crate::store::rows::encode_events(&ev), digest);
            replay_events.extend(ev);
        }
        prop_assert_eq!(&live_events, &replay_events);
        prop_assert!(live == replay, "replayed state differs");
        // An image (JSON head, binary lists) restores the same state, indexes included.
        prop_assert!(binary_round_trip(&live.image()) == live, "restored image differs");
        // A snapshot (through its JSON) restores the same state, indexes included.
        let image = serde_json::to_string(&live.snapshot()).unwrap();
        let restored = Engine::restore(serde_json::from_str(&image).unwrap());
        prop_assert!(restored == live, "restored snapshot differs");
        // Images written before unset fields were left out (every one `null`) read the same.
        let mut old: serde_json::Value = serde_json::from_str(&image).unwrap();
        for o in old["orders"].as_array_mut().unwrap() {
            let o = o.as_object_mut().unwrap();
            for field in [
                "filled_at", "expired_at", "canceled_at", "replaced_at", "replaced_by",
                "replaces", "qty", "notional", "filled_avg_price", "limit_price", "stop_price",
                "trail_price", "trail_percent", "hwm", "expires_at", "activate_at",
            ] {
                o.entry(field).or_insert(serde_json::Value::Null);
            }
        }
        let restored = Engine::restore(serde_json::from_value(old).unwrap());
        prop_assert!(restored == live, "a snapshot with nulls restores differently");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Orders that fill in full on arrival (`immediate`) skip the book and the holds; what
    /// they emit and leave behind must be exactly what the general path does.
    #[test]
    fn filling_on_arrival_matches_the_general_path(
        ops in prop::collection::vec(op(), 1..120),
        nyse in any::<bool>(),
        partials in prop_oneof![Just(0u8), Just(30u8)],
    ) {
        let config = venue(nyse, partials);
        let cmds = commands(&ops, config.clone());
        let mut fast = Engine::new(config.clone());
        let mut general = Engine::new(config);
        general.general_path_only = true;
        for c in &cmds {
            let fast_events = fast.apply(c.clone());
            let general_events = general.apply(c.clone());
            prop_assert_eq!(fast_events, general_events, "events of {:?}", c);
            prop_assert!(fast == general, "state after {:?} differs", c);
        }
    }
}

/// The engine an image restores to, through its head's JSON and its lists' bytes.
fn binary_round_trip(image: &super::EngineImage) -> Engine {
    let head = serde_json::to_string(image.head()).unwrap();
    let mut lists = Vec::new();
    image.write_lists(&mut lists).unwrap();
    let lists = super::EngineLists::read(&lists).unwrap();
    Engine::restore_image(serde_json::from_str(&head).unwrap(), lists)
}
