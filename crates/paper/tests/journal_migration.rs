//! A journal written before the binary rows (JSON text per command and its full events) still
//! opens, replays to the state it recorded, and takes new entries (in segment files) after the
//! old ones.
//!
//! The fixture was made by the sandbox as it was before the change (`examples/serve` at
//! 06ca224, orders placed over HTTP); `orders.json` is what that server's
//! `GET /v2/orders?status=all` answered just before it stopped.

#![allow(clippy::unwrap_used)] // Tests.

use brokerdesk_model::Symbol;
use brokerdesk_paper::engine::{Command, CommandKind, Engine, OrderStatus, Quote};
use brokerdesk_paper::store::{Durability, Journal};
use rust_decimal::Decimal;
use std::path::Path;
use std::str::FromStr;

fn fixture() -> (tempfile::TempDir, Journal) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-json");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        here.join("journal.sqlite3"),
        dir.path().join("journal.sqlite3"),
    )
    .unwrap();
    let journal = Journal::open_dir(dir.path(), Durability::Normal).unwrap();
    (dir, journal)
}

fn decimal(v: &serde_json::Value) -> Option<Decimal> {
    v.as_str().map(|s| Decimal::from_str(s).unwrap())
}

fn status(s: &str) -> OrderStatus {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).unwrap()
}

#[test]
fn an_old_json_journal_replays_to_the_orders_it_served() {
    let (dir, mut journal) = fixture();
    let config = journal.engine_config().unwrap().unwrap();
    // No image in the fixture: the whole state comes from replaying the JSON rows.
    assert!(journal.latest_snapshot().unwrap().is_none());
    let mut engine = Engine::new(config.clone());
    let last = journal.replay(0, |c| engine.apply(c)).unwrap();
    assert!(last > 10, "the fixture has {last} rows");

    let served: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-json/orders.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(served.len() >= 4);
    assert_eq!(engine.order_count(), served.len());
    for o in &served {
        let id = uuid::Uuid::from_str(o["id"].as_str().unwrap()).unwrap();
        let mine = engine.order(&id).unwrap();
        assert_eq!(mine.client_order_id, o["client_order_id"].as_str().unwrap());
        assert_eq!(mine.symbol.as_str(), o["symbol"].as_str().unwrap());
        assert_eq!(mine.status, status(o["status"].as_str().unwrap()), "{id}");
        assert_eq!(mine.qty, decimal(&o["qty"]), "{id}");
        assert_eq!(Some(mine.filled_qty), decimal(&o["filled_qty"]), "{id}");
        assert_eq!(
            mine.filled_avg_price,
            decimal(&o["filled_avg_price"]),
            "{id}"
        );
        assert_eq!(mine.limit_price, decimal(&o["limit_price"]), "{id}");
    }

    // New entries go to the segment files, numbered after the old rows, which stay as they
    // are; the mixed journal replays to the same state.
    let at = engine.now().unwrap() + chrono::Duration::seconds(1);
    let cmd = Command::new(
        at,
        CommandKind::Quote(Quote {
            symbol: Symbol::new("AAPL"),
            bid_price: Decimal::new(10_000, 2),
            bid_size: Decimal::ONE_HUNDRED,
            ask_price: Decimal::new(10_001, 2),
            ask_size: Decimal::ONE_HUNDRED,
        }),
    );
    let events = engine.apply(cmd.clone());
    assert_eq!(journal.append(&[(cmd, events)]).unwrap(), last + 1);
    assert_eq!(journal.len().unwrap() as i64, last + 1);
    drop(journal);
    let conn = rusqlite::Connection::open(dir.path().join("journal.sqlite3")).unwrap();
    let kinds: Vec<(String, String)> = conn
        .prepare("SELECT typeof(command), typeof(events) FROM journal ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kinds.len() as i64, last, "{kinds:?}");
    assert!(kinds.iter().all(|k| k.0 == "text" && k.1 == "text"));
    drop(conn);
    let segment = dir.path().join(format!("journal-{:020}.log", last + 1));
    assert!(segment.exists(), "{}", segment.display());

    let journal = Journal::open_dir(dir.path(), Durability::Normal).unwrap();
    let mut again = Engine::new(config);
    assert_eq!(journal.replay(0, |c| again.apply(c)).unwrap(), last + 1);
    assert_eq!(again, engine);

    // The first snapshot drops the old rows like any other entries it covers.
    let mut journal = journal;
    journal.save_snapshot(last + 1, b"{}").unwrap();
    assert_eq!(journal.len().unwrap(), 0);
    drop(journal);
    let conn = rusqlite::Connection::open(dir.path().join("journal.sqlite3")).unwrap();
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
}
