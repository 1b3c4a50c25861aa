//! The activity store: idempotent upserts, keyset pages without gaps or repeats, filters.

use super::*;
use brokerdesk_model::{ActivityEntry, ActivityFilter, ActivityKind, ActivityStatus};
use chrono::TimeZone;
use rust_decimal_macros::dec;
use std::collections::HashSet;

pub(crate) fn entry(id: &str, account: &str, secs: i64, kind: ActivityKind) -> ActivityEntry {
    ActivityEntry {
        id: id.into(),
        account_id: AccountId::new(account),
        time: Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
        kind,
        amount: dec!(-12.5),
        currency: "EUR".into(),
        fee: None,
        status: ActivityStatus::Completed,
        counterparty: None,
        description: Some(format!("movement {id}")),
        symbol: None,
        quantity: None,
        price: None,
    }
}

fn store() -> (tempfile::TempDir, ActivityStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = ActivityStore::open(&dir.path().join("activity.sqlite3")).unwrap();
    (dir, store)
}

fn conn(id: &str) -> ConnectionId {
    ConnectionId::new(id)
}

#[test]
fn the_same_entry_twice_is_one_row_and_a_change_updates_it() {
    let (_dir, mut s) = store();
    let e = entry("a1", "ACC", 0, ActivityKind::Fill);
    assert_eq!(
        s.upsert(
            &conn("c"),
            "C",
            TradingMode::Paper,
            std::slice::from_ref(&e)
        )
        .unwrap(),
        1
    );
    assert_eq!(
        s.upsert(&conn("c"), "C", TradingMode::Paper, &[e.clone(), e.clone()])
            .unwrap(),
        0,
        "nothing new"
    );
    assert_eq!(s.count(&ActivityFilter::default()).unwrap(), 1);
    let mut settled = e.clone();
    settled.status = ActivityStatus::Cancelled;
    assert_eq!(
        s.upsert(&conn("c"), "C renamed", TradingMode::Paper, &[settled])
            .unwrap(),
        1
    );
    let page = s.page(&ActivityFilter::default(), None, 10).unwrap();
    assert_eq!(page.rows.len(), 1);
    let row = &page.rows[0].1;
    assert_eq!(row.entry.status, ActivityStatus::Cancelled);
    assert_eq!(row.connection_name, "C renamed");
    assert_eq!(row.entry.amount, dec!(-12.5));
    assert_eq!(row.entry.currency, "EUR");
    // The same vendor id under another account or connection is another movement.
    s.upsert(
        &conn("c"),
        "C",
        TradingMode::Paper,
        &[entry("a1", "OTHER", 0, ActivityKind::Fill)],
    )
    .unwrap();
    s.upsert(&conn("d"), "D", TradingMode::Live, &[e]).unwrap();
    assert_eq!(s.count(&ActivityFilter::default()).unwrap(), 3);
}

#[test]
fn keyset_pages_have_no_gaps_or_repeats_across_equal_times() {
    let (_dir, mut s) = store();
    // 25 rows over 5 distinct times: every page boundary falls inside a run of equal times.
    let entries: Vec<_> = (0..25)
        .map(|i| entry(&format!("e{i}"), "ACC", i / 5, ActivityKind::Fee))
        .collect();
    s.upsert(&conn("c"), "C", TradingMode::Paper, &entries)
        .unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .page(&ActivityFilter::default(), cursor.as_ref(), 7)
            .unwrap();
        for (_, row) in &page.rows {
            seen.push((row.entry.time, row.entry.id.clone()));
        }
        if !page.more {
            break;
        }
        let (seq, row) = page.rows.last().unwrap();
        cursor = Some(ActivityCursor {
            time: row.entry.time,
            seq: *seq,
        });
    }
    assert_eq!(seen.len(), 25);
    let unique: HashSet<_> = seen.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(unique.len(), 25, "no row twice");
    assert!(
        seen.windows(2).all(|w| w[0].0 >= w[1].0),
        "newest first throughout"
    );
}

#[test]
fn filters_narrow_by_connection_account_kind_time_and_text() {
    let (_dir, mut s) = store();
    let mut dividend = entry("d1", "A", 10, ActivityKind::Dividend);
    dividend.symbol = Some(Symbol::new("MSFT"));
    let mut payment = entry("p1", "B", 20, ActivityKind::Payment);
    payment.counterparty = Some("Ada 100%_off".into());
    let fill = entry("f1", "A", 30, ActivityKind::Fill);
    s.upsert(
        &conn("broker"),
        "Broker",
        TradingMode::Live,
        &[dividend, fill],
    )
    .unwrap();
    s.upsert(&conn("pay"), "Pay", TradingMode::Live, &[payment])
        .unwrap();
    let ids = |f: ActivityFilter| -> Vec<String> {
        s.page(&f, None, 100)
            .unwrap()
            .rows
            .into_iter()
            .map(|(_, r)| r.entry.id)
            .collect()
    };
    assert_eq!(ids(ActivityFilter::default()), ["f1", "p1", "d1"]);
    assert_eq!(
        ids(ActivityFilter {
            accounts: vec![AccountId::new("A")],
            ..Default::default()
        }),
        ["f1", "d1"]
    );
    assert_eq!(
        ids(ActivityFilter {
            connections: vec![conn("pay")],
            ..Default::default()
        }),
        ["p1"]
    );
    assert_eq!(
        ids(ActivityFilter {
            accounts: vec![AccountId::new("A")],
            kinds: vec![ActivityKind::Dividend, ActivityKind::Payment],
            ..Default::default()
        }),
        ["d1"]
    );
    let at = |secs: i64| Some(Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap());
    assert_eq!(
        ids(ActivityFilter {
            since: at(20),
            until: at(30),
            ..Default::default()
        }),
        ["p1"],
        "since inclusive, until exclusive"
    );
    let search = |t: &str| {
        ids(ActivityFilter {
            search: Some(t.into()),
            ..Default::default()
        })
    };
    assert_eq!(search("msft"), ["d1"], "symbol, any case");
    assert_eq!(search("ada"), ["p1"], "counterparty");
    assert_eq!(search("movement f1"), ["f1"], "description");
    assert_eq!(search("100%_"), ["p1"], "% and _ are plain text");
    assert!(search("0%x").is_empty());
    assert!(search("'; DROP TABLE activity; --").is_empty());
    assert_eq!(s.count(&ActivityFilter::default()).unwrap(), 3);
    assert_eq!(
        s.count(&ActivityFilter {
            search: Some("a".into()),
            kinds: vec![ActivityKind::Payment],
            ..Default::default()
        })
        .unwrap(),
        1
    );
}

#[test]
fn the_newest_time_is_per_connection_and_account() {
    let (_dir, mut s) = store();
    assert_eq!(s.newest(&conn("c"), &AccountId::new("A")).unwrap(), None);
    s.upsert(
        &conn("c"),
        "C",
        TradingMode::Paper,
        &[
            entry("1", "A", 5, ActivityKind::Fill),
            entry("2", "A", 9, ActivityKind::Fill),
            entry("3", "B", 50, ActivityKind::Fill),
        ],
    )
    .unwrap();
    assert_eq!(
        s.newest(&conn("c"), &AccountId::new("A")).unwrap(),
        Some(Utc.timestamp_opt(1_700_000_009, 0).unwrap())
    );
}
