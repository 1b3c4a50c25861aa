//! Replays a user's CSV of quotes or bars, paced by the wall clock from the first poll.
//!
//! Quotes: `timestamp,symbol,bid_price,bid_size,ask_price,ask_size`.
//! Bars:   `timestamp,symbol,open,high,low,close,volume` (replayed as a trade at the close
//! and a one-cent quote around it). Timestamps are RFC 3339.

use brokerdesk_model::Symbol;
use chrono::DateTime;
use rust_decimal::Decimal;
use std::io::Read;
use std::str::FromStr;

use super::QuoteSource;
use crate::engine::{MarketUpdate, Quote, Timestamp, Trade};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("reading the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("line {line}: {message}")]
    Row { line: usize, message: String },
    #[error(
        "the CSV header must be quotes (timestamp,symbol,bid_price,bid_size,ask_price,ask_size) or bars (timestamp,symbol,open,high,low,close,volume)"
    )]
    Header,
}

pub struct CsvReplay {
    rows: Vec<(Timestamp, Vec<MarketUpdate>)>,
    next: usize,
    /// Wall time of the first poll, paired with the first row's time.
    origin: Option<Timestamp>,
    speed: u32,
}

fn field<T: FromStr>(
    rec: &csv::StringRecord,
    idx: usize,
    line: usize,
    name: &str,
) -> Result<T, ReplayError> {
    rec.get(idx)
        .map(str::trim)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ReplayError::Row {
            line,
            message: format!("bad {name}"),
        })
}

impl CsvReplay {
    /// `speed` multiplies the pace (1 = as recorded).
    pub fn from_reader(reader: impl Read, speed: u32) -> Result<Self, ReplayError> {
        let mut csv = csv::Reader::from_reader(reader);
        let header: Vec<String> = csv
            .headers()?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let is_quotes = header
            == [
                "timestamp",
                "symbol",
                "bid_price",
                "bid_size",
                "ask_price",
                "ask_size",
            ];
        let is_bars = header
            == [
                "timestamp",
                "symbol",
                "open",
                "high",
                "low",
                "close",
                "volume",
            ];
        if !is_quotes && !is_bars {
            return Err(ReplayError::Header);
        }
        let mut rows = Vec::new();
        for (i, rec) in csv.records().enumerate() {
            let rec = rec?;
            let line = i + 2;
            let ts: String = field(&rec, 0, line, "timestamp")?;
            let ts = DateTime::parse_from_rfc3339(&ts)
                .map_err(|e| ReplayError::Row {
                    line,
                    message: format!("bad timestamp: {e}"),
                })?
                .to_utc();
            let symbol = Symbol::new(rec.get(1).unwrap_or_default());
            let updates = if is_quotes {
                vec![MarketUpdate::Quote(Quote {
                    symbol,
                    bid_price: field::<Decimal>(&rec, 2, line, "bid_price")?,
                    bid_size: field::<Decimal>(&rec, 3, line, "bid_size")?,
                    ask_price: field::<Decimal>(&rec, 4, line, "ask_price")?,
                    ask_size: field::<Decimal>(&rec, 5, line, "ask_size")?,
                })]
            } else {
                let close: Decimal = field(&rec, 5, line, "close")?;
                let volume: Decimal = field(&rec, 6, line, "volume")?;
                let cent = Decimal::new(1, 2);
                vec![
                    MarketUpdate::Trade(Trade {
                        symbol: symbol.clone(),
                        price: close,
                        size: volume,
                    }),
                    MarketUpdate::Quote(Quote {
                        symbol,
                        bid_price: (close - cent).max(cent),
                        bid_size: Decimal::ONE_HUNDRED,
                        ask_price: close + cent,
                        ask_size: Decimal::ONE_HUNDRED,
                    }),
                ]
            };
            rows.push((ts, updates));
        }
        rows.sort_by_key(|(ts, _)| *ts);
        Ok(Self {
            rows,
            next: 0,
            origin: None,
            speed: speed.max(1),
        })
    }

    pub fn is_finished(&self) -> bool {
        self.next >= self.rows.len()
    }
}

impl QuoteSource for CsvReplay {
    fn poll(&mut self, now: Timestamp) -> Vec<MarketUpdate> {
        let Some(first) = self.rows.first().map(|r| r.0) else {
            return Vec::new();
        };
        let origin = *self.origin.get_or_insert(now);
        let elapsed = (now - origin) * self.speed as i32;
        let mut out = Vec::new();
        while let Some((ts, updates)) = self.rows.get(self.next) {
            if *ts - first > elapsed {
                break;
            }
            out.extend(updates.iter().cloned());
            self.next += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn quotes_replay_paced_by_the_clock() {
        let csv = "timestamp,symbol,bid_price,bid_size,ask_price,ask_size\n\
            2024-01-02T14:30:00Z,aapl,185.10,100,185.12,200\n\
            2024-01-02T14:30:05Z,AAPL,185.11,100,185.13,200\n";
        let mut r = CsvReplay::from_reader(csv.as_bytes(), 1).unwrap();
        let t0 = chrono::Utc::now();
        let first = r.poll(t0);
        assert_eq!(first.len(), 1);
        assert!(matches!(&first[0], MarketUpdate::Quote(q) if q.symbol.as_str() == "AAPL"));
        assert!(r.poll(t0 + Duration::seconds(4)).is_empty());
        assert_eq!(r.poll(t0 + Duration::seconds(5)).len(), 1);
        assert!(r.is_finished());
    }

    #[test]
    fn bars_become_a_trade_and_a_quote() {
        let csv = "timestamp,symbol,open,high,low,close,volume\n2024-01-02T14:30:00Z,SPY,470,471,469,470.50,1000\n";
        let mut r = CsvReplay::from_reader(csv.as_bytes(), 1).unwrap();
        let out = r.poll(chrono::Utc::now());
        assert_eq!(out.len(), 2);
        assert!(matches!(&out[0], MarketUpdate::Trade(t) if t.price == Decimal::new(47050, 2)));
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        assert!(matches!(
            CsvReplay::from_reader("a,b\n1,2\n".as_bytes(), 1),
            Err(ReplayError::Header)
        ));
        let bad =
            "timestamp,symbol,bid_price,bid_size,ask_price,ask_size\nyesterday,AAPL,1,1,1,1\n";
        let err = CsvReplay::from_reader(bad.as_bytes(), 1).err().unwrap();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
