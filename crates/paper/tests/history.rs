//! A fresh sandbox already has price history: over a year of daily bars and minute bars for
//! every listed symbol, ending where the live tape starts, paged and sorted as Alpaca does.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Duration, DurationRound, Utc};
use common::Server;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashSet;
use std::str::FromStr;

fn t(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v["t"].as_str().unwrap())
        .unwrap()
        .to_utc()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(&v.to_string()).unwrap()
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Every item over all pages of `path` (which has no `page_token` yet), and the page count.
async fn all_pages(s: &Server, path: &str, key: &str, symbol: Option<&str>) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &token {
            Some(tok) => format!("{path}&page_token={tok}"),
            None => path.to_owned(),
        };
        let body = s.get(&url).await;
        pages += 1;
        match symbol {
            Some(sym) => out.extend(body[key][sym].as_array().cloned().unwrap_or_default()),
            None => out.extend(body[key].as_array().cloned().unwrap_or_default()),
        }
        match body["next_page_token"].as_str() {
            Some(tok) => token = Some(tok.to_owned()),
            None => return (out, pages),
        }
        assert!(pages < 1000, "paging does not end");
    }
}

#[tokio::test]
async fn a_fresh_sandbox_has_a_year_of_daily_bars_and_minutes_ending_at_the_live_price() {
    let dir = tempfile::tempdir().unwrap();
    let before = Utc::now();
    let s = Server::start(common::config(dir.path())).await;
    let year_ago = iso(before - Duration::days(400));

    for sym in ["AAPL", "SPY", "BRK.B"] {
        let daily = s
            .get(&format!(
                "/v2/stocks/{sym}/bars?timeframe=1Day&start={year_ago}&limit=10000"
            ))
            .await;
        let bars = daily["bars"].as_array().unwrap();
        assert!(bars.len() >= 252, "{sym}: {} daily bars", bars.len());
        assert!(t(&bars[bars.len() - 1]) - t(&bars[0]) > Duration::days(365));
        assert!(daily["next_page_token"].is_null());
    }

    // The first live quote's mid is where the generated past closes: the last minute bar
    // before the minute the sandbox started in (that minute holds live trades).
    let first_quote = s
        .get(&format!(
            "/v2/stocks/AAPL/quotes?start={}&limit=1",
            iso(before - Duration::seconds(1))
        ))
        .await;
    let q = &first_quote["quotes"][0];
    let mid = ((dec(&q["bp"]) + dec(&q["ap"])) / Decimal::TWO).round_dp(2);
    let last = s
        .get(&format!(
            "/v2/stocks/AAPL/bars?timeframe=1Min&start={year_ago}&end={}&sort=desc&limit=1",
            iso(before.duration_trunc(Duration::minutes(1)).unwrap() - Duration::seconds(1))
        ))
        .await;
    let last = &last["bars"][0];
    assert_eq!(dec(&last["c"]), mid, "no jump between history and the tape");
    // Several days of minute bars.
    let week = s
        .get(&format!(
            "/v2/stocks/AAPL/bars?timeframe=1Min&start={}&end={}&limit=10000",
            iso(before - Duration::days(10)),
            iso(before)
        ))
        .await;
    assert!(week["bars"].as_array().unwrap().len() >= 3 * 390);
    s.stop().await;
}

#[tokio::test]
async fn pages_cover_everything_once_either_way_across_symbols() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let s = Server::start(common::config(dir.path())).await;
    let range = format!(
        "start={}&end={}",
        iso(now - Duration::days(6)),
        iso(now - Duration::days(2))
    );
    for tf in ["1Min", "7Min", "1Hour"] {
        let whole = s
            .get(&format!(
                "/v2/stocks/MSFT/bars?timeframe={tf}&{range}&limit=10000"
            ))
            .await;
        let whole = whole["bars"].as_array().unwrap().clone();
        assert!(!whole.is_empty());
        let (paged, pages) = all_pages(
            &s,
            &format!("/v2/stocks/MSFT/bars?timeframe={tf}&{range}&limit=37"),
            "bars",
            None,
        )
        .await;
        assert_eq!(paged, whole, "{tf}");
        assert_eq!(pages, whole.len().div_ceil(37));
        let (mut desc, _) = all_pages(
            &s,
            &format!("/v2/stocks/MSFT/bars?timeframe={tf}&{range}&limit=37&sort=desc"),
            "bars",
            None,
        )
        .await;
        desc.reverse();
        assert_eq!(desc, whole, "{tf} desc");
        let times: HashSet<_> = whole.iter().map(t).collect();
        assert_eq!(times.len(), whole.len());
    }

    // Several symbols: symbol by symbol, each exactly once.
    let mut by_page = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let tok = token
            .as_ref()
            .map(|t| format!("&page_token={t}"))
            .unwrap_or_default();
        let body = s
            .get(&format!(
                "/v2/stocks/bars?symbols=MSFT,AAPL&timeframe=1Hour&{range}&limit=9{tok}"
            ))
            .await;
        let page = body["bars"].as_object().unwrap();
        assert!(
            page.values()
                .map(|v| v.as_array().unwrap().len())
                .sum::<usize>()
                <= 9
        );
        for sym in ["AAPL", "MSFT"] {
            for b in page
                .get(sym)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                by_page.push((sym, b));
            }
        }
        match body["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    let mut expected = Vec::new();
    for sym in ["AAPL", "MSFT"] {
        let one = s
            .get(&format!(
                "/v2/stocks/{sym}/bars?timeframe=1Hour&{range}&limit=10000"
            ))
            .await;
        expected.extend(
            one["bars"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| (sym, b.clone())),
        );
    }
    assert_eq!(by_page, expected);

    // Trades share timestamps with nothing here, but the pages still cut mid-minute.
    let trades_range = format!(
        "start={}&end={}",
        iso(now - Duration::days(3)),
        iso(now - Duration::days(2))
    );
    let whole = s
        .get(&format!(
            "/v2/stocks/AAPL/trades?{trades_range}&limit=10000"
        ))
        .await;
    let whole = whole["trades"].as_array().unwrap().clone();
    let (paged, _) = all_pages(
        &s,
        &format!("/v2/stocks/trades?symbols=AAPL&{trades_range}&limit=7"),
        "trades",
        Some("AAPL"),
    )
    .await;
    assert_eq!(paged, whole);
    let (quotes, _) = all_pages(
        &s,
        &format!("/v2/stocks/AAPL/quotes?{trades_range}&limit=501&sort=desc"),
        "quotes",
        None,
    )
    .await;
    assert_eq!(quotes.len(), whole.len());
    s.stop().await;
}

#[tokio::test]
async fn weeks_and_months_are_made_of_the_daily_bars_they_cover() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let s = Server::start(common::config(dir.path())).await;
    let start = iso(now - Duration::days(380));
    let daily = s
        .get(&format!(
            "/v2/stocks/GLD/bars?timeframe=1Day&start={start}&limit=10000"
        ))
        .await;
    let daily = daily["bars"].as_array().unwrap().clone();
    // Every minute of one day adds up to that day.
    let day = &daily[daily.len() / 2];
    let minutes = s
        .get(&format!(
            "/v2/stocks/GLD/bars?timeframe=1Min&start={}&end={}&limit=10000",
            iso(t(day)),
            iso(t(day) + Duration::hours(23))
        ))
        .await;
    let minutes = minutes["bars"].as_array().unwrap();
    assert!(!minutes.is_empty());
    assert_eq!(dec(&minutes[0]["o"]), dec(&day["o"]));
    assert_eq!(dec(&minutes[minutes.len() - 1]["c"]), dec(&day["c"]));
    let vol: Decimal = minutes.iter().map(|b| dec(&b["v"])).sum();
    assert_eq!(vol, dec(&day["v"]));

    for tf in ["1Week", "1Month", "3Month"] {
        let agg = s
            .get(&format!(
                "/v2/stocks/GLD/bars?timeframe={tf}&start={start}&limit=10000"
            ))
            .await;
        let agg = agg["bars"].as_array().unwrap();
        assert!(agg.len() >= 4, "{tf}");
        // The first aggregate may begin before `start`, and the last holds today, which the
        // live tape has moved since `daily` was read: compare the ones in between.
        for (i, a) in agg.iter().enumerate().take(agg.len() - 1).skip(1) {
            let end = agg.get(i + 1).map(t);
            let covered: Vec<&Value> = daily
                .iter()
                .filter(|d| t(d) >= t(a) && end.is_none_or(|e| t(d) < e))
                .collect();
            assert!(!covered.is_empty(), "{tf} {a}");
            assert_eq!(dec(&a["o"]), dec(&covered[0]["o"]), "{tf} open");
            assert_eq!(
                dec(&a["c"]),
                dec(&covered[covered.len() - 1]["c"]),
                "{tf} close"
            );
            let h = covered.iter().map(|d| dec(&d["h"])).max().unwrap();
            let l = covered.iter().map(|d| dec(&d["l"])).min().unwrap();
            assert_eq!((dec(&a["h"]), dec(&a["l"])), (h, l), "{tf} range");
            let v: Decimal = covered.iter().map(|d| dec(&d["v"])).sum();
            assert_eq!(dec(&a["v"]), v, "{tf} volume");
        }
    }

    for bad in [
        "timeframe=2Week",
        "timeframe=1Day&limit=0",
        "timeframe=1Day&limit=10001",
        "timeframe=1Day&sort=up",
        "timeframe=1Day&page_token=%21%21",
        "timeframe=1Day&start=yesterday",
    ] {
        let r = s
            .client
            .get(s.url(&format!("/v2/stocks/GLD/bars?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["code"].is_u64() && body["message"].is_string(),
            "{bad}"
        );
    }
    s.stop().await;
}
