use super::*;
use crate::net_worth::at;
use rust_decimal_macros::dec;

fn key(account: &str) -> AccountKey {
    AccountKey {
        connection: ConnectionId::new("conn"),
        account: AccountId::new(account),
    }
}

fn snap(account: &str, time: DateTime<Utc>, equity: Decimal) -> Snapshot {
    Snapshot {
        key: key(account),
        connection_name: "Broker".into(),
        mode: TradingMode::Live,
        currency: "USD".into(),
        time,
        equity,
    }
}

fn times(store: &NetWorthStore) -> Vec<String> {
    store
        .rows(None)
        .unwrap()
        .iter()
        .map(|r| r.point.time.format("%m-%d %H:%M").to_string())
        .collect()
}

#[test]
fn thinning_keeps_recent_points_the_last_of_each_hour_then_the_last_of_each_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = NetWorthStore::open(&dir.path().join("nw.sqlite3")).unwrap();
    let now = at("2026-12-20T12:00:00Z");
    // Every 20 minutes for 30 days back.
    let mut snaps = Vec::new();
    let mut t = now - TimeDelta::days(30);
    let mut i = 0i64;
    while t <= now {
        snaps.push(snap("A", t, Decimal::from(i)));
        t += TimeDelta::minutes(20);
        i += 1;
    }
    store.record(&snaps, now).unwrap();
    let rows = store.rows(None).unwrap();
    // 2 days × 72 (+1 for `now`), 12 days × 24 hours, 16 days × 1.
    assert_eq!(rows.len(), 2 * 72 + 1 + 12 * 24 + 16, "{:?}", times(&store));
    // The day kept is the day's last point: its close.
    let day = rows
        .iter()
        .find(|r| r.point.time.date_naive() == at("2026-11-25T00:00:00Z").date_naive())
        .unwrap();
    assert_eq!(day.point.time, at("2026-11-25T23:40:00Z"));
    // An hour kept in the hourly band is the hour's last.
    assert!(
        rows.iter()
            .any(|r| r.point.time == at("2026-12-10T05:40:00Z"))
    );
    assert!(
        !rows
            .iter()
            .any(|r| r.point.time == at("2026-12-10T05:20:00Z"))
    );
    // The recent band is whole.
    assert!(
        rows.iter()
            .any(|r| r.point.time == at("2026-12-19T05:20:00Z"))
    );
}

#[test]
fn a_restart_reads_the_same_history_and_decimals_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nw.sqlite3");
    let now = Utc::now();
    {
        let mut store = NetWorthStore::open(&path).unwrap();
        store
            .record(&[snap("A", now, dec!(100000.0100000001))], now)
            .unwrap();
    }
    let store = NetWorthStore::open(&path).unwrap();
    let rows = store.rows(None).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].point.equity, dec!(100000.0100000001));
    assert_eq!(
        rows[0].point.time.timestamp_micros(),
        now.timestamp_micros()
    );
}

#[test]
fn a_crash_in_the_middle_of_a_write_leaves_the_previous_history_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nw.sqlite3");
    let now = Utc::now();
    let mut store = NetWorthStore::open(&path).unwrap();
    store
        .record(&[snap("A", now - TimeDelta::hours(1), dec!(1))], now)
        .unwrap();
    // A write that fails half-way (a trigger aborts the second insert after the first was
    // made): the transaction is rolled back.
    store
        .db
        .execute_batch(
            "CREATE TRIGGER fail BEFORE INSERT ON snapshots WHEN NEW.equity = '3'
             BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;",
        )
        .unwrap();
    let failed = store.record(&[snap("A", now, dec!(2)), snap("B", now, dec!(3))], now);
    assert!(failed.is_err());
    drop(store);
    let store = NetWorthStore::open(&path).unwrap();
    let rows = store.rows(None).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.point.equity).collect::<Vec<_>>(),
        vec![dec!(1)],
        "nothing of the failed write, everything before it"
    );
}

#[test]
fn a_store_never_closed_loses_nothing_committed() {
    // As after a kill: the connection is never closed or checkpointed, the WAL holds the
    // commits, and a new open reads every one.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nw.sqlite3");
    let now = Utc::now();
    let mut store = NetWorthStore::open(&path).unwrap();
    for i in 0..50 {
        store
            .record(
                &[snap("A", now - TimeDelta::minutes(i), Decimal::from(i))],
                now,
            )
            .unwrap();
    }
    // No close, no checkpoint: the WAL holds the commits, as after a kill.
    std::mem::forget(store);
    let store = NetWorthStore::open(&path).unwrap();
    assert_eq!(store.len().unwrap(), 50);
}

#[test]
fn backfill_fills_only_days_without_own_snapshots_and_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = NetWorthStore::open(&dir.path().join("nw.sqlite3")).unwrap();
    let now = at("2026-12-20T12:00:00Z");
    let own = snap("A", at("2026-12-18T15:00:00Z"), dec!(500));
    store.record(std::slice::from_ref(&own), now).unwrap();
    let earliest = at("2016-01-01T00:00:00Z");
    assert_eq!(
        store.backfill_from(&key("A"), earliest).unwrap(),
        Some(earliest)
    );

    let vendor = [
        EquityPoint {
            time: at("2026-12-17T00:00:00Z"),
            equity: dec!(480),
        },
        // Same day as our own snapshot: never replaces it.
        EquityPoint {
            time: at("2026-12-18T00:00:00Z"),
            equity: dec!(999),
        },
        EquityPoint {
            time: at("2026-12-19T00:00:00Z"),
            equity: dec!(510),
        },
    ];
    assert_eq!(store.backfill(&own, &vendor, now).unwrap(), 2);
    let rows = store.rows(None).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.point.equity).collect::<Vec<_>>(),
        vec![dec!(480), dec!(500), dec!(510)]
    );
    assert_eq!(
        store.backfill_from(&key("A"), earliest).unwrap(),
        None,
        "once"
    );
    assert!(store.facts(&key("A")).unwrap().backfilled);

    // The app closed for three days: the next snapshot marks the gap, back-filled from there.
    let later = at("2026-12-23T12:00:00Z");
    store.record(&[snap("A", later, dec!(520))], later).unwrap();
    assert_eq!(
        store.backfill_from(&key("A"), earliest).unwrap(),
        Some(at("2026-12-19T00:00:00Z")),
        "from the newest row before the gap"
    );
}

#[test]
fn rows_start_with_the_last_point_before_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = NetWorthStore::open(&dir.path().join("nw.sqlite3")).unwrap();
    let now = at("2026-12-20T12:00:00Z");
    store
        .record(
            &[
                snap("A", at("2026-12-01T12:00:00Z"), dec!(1)),
                snap("A", at("2026-12-10T12:00:00Z"), dec!(2)),
                snap("A", at("2026-12-20T11:00:00Z"), dec!(3)),
            ],
            now,
        )
        .unwrap();
    let rows = store.rows(Some(at("2026-12-19T12:00:00Z"))).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.point.equity).collect::<Vec<_>>(),
        vec![dec!(2), dec!(3)]
    );
}
