//! Replays a user's CSV of quotes, trades or bars, paced by the wall clock from the first poll,
//! then starts over or stops at its end.
//!
//! Quotes: `timestamp,symbol,bid_price,bid_size,ask_price,ask_size`.
//! Trades: `timestamp,symbol,price,size` (each also a one-tick quote around it, so orders fill).
//! Bars:   `timestamp,symbol,open,high,low,close,volume` (replayed as a trade at the close
//! and a one-tick quote around it). Timestamps are RFC 3339.

use brokerdesk_model::Symbol;
use chrono::DateTime;
use rust_decimal::Decimal;
use std::io::Read;
use std::str::FromStr;

use super::QuoteSource;
use crate::engine::{MarketUpdate, Quote, Timestamp};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("reading the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("reading the Parquet file: {0}")]
    Parquet(String),
    #[error("line {line}: {message}")]
    Row { line: usize, message: String },
    #[error(
        "the CSV header must be quotes (timestamp,symbol,bid_price,bid_size,ask_price,ask_size), trades (timestamp,symbol,price,size) or bars (timestamp,symbol,open,high,low,close,volume)"
    )]
    Header,
}

/// What a replay does when its file runs out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReplayEnd {
    /// Start again from the first row (the default: a sandbox keeps moving).
    #[default]
    Loop,
    /// Stop: prices stay where the file left them.
    Stop,
}

impl std::str::FromStr for ReplayEnd {
    type Err = String;

    /// `loop` or `stop`, as `--prices-end` takes them.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "loop" => Ok(Self::Loop),
            "stop" => Ok(Self::Stop),
            other => Err(format!(
                "unknown replay end {other:?}: expected loop or stop"
            )),
        }
    }
}

pub struct CsvReplay {
    rows: Vec<(Timestamp, Vec<MarketUpdate>)>,
    next: usize,
    /// Wall time of the first poll, paired with the first row's time.
    origin: Option<Timestamp>,
    speed: u32,
    at_end: ReplayEnd,
}

fn field<T: FromStr>(
    rec: &[String],
    idx: usize,
    line: usize,
    name: &str,
) -> Result<T, ReplayError> {
    rec.get(idx)
        .map(|s| s.trim())
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
        let header: Vec<String> = csv.headers()?.iter().map(str::to_owned).collect();
        let records = csv.into_records().map(|rec| {
            rec.map(|r| r.iter().map(str::to_owned).collect())
                .map_err(ReplayError::from)
        });
        Self::from_rows(&header, records, speed)
    }

    /// Rows of text under a header, from a CSV or a Parquet file (`rows[i]` is line `i + 2`).
    pub(crate) fn from_rows(
        header: &[String],
        records: impl Iterator<Item = Result<Vec<String>, ReplayError>>,
        speed: u32,
    ) -> Result<Self, ReplayError> {
        let header: Vec<String> = header
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
        let is_trades = header == ["timestamp", "symbol", "price", "size"];
        if !is_quotes && !is_bars && !is_trades {
            return Err(ReplayError::Header);
        }
        let mut rows = Vec::new();
        for (i, rec) in records.enumerate() {
            let rec = rec?;
            let line = i + 2;
            let ts: String = field(&rec, 0, line, "timestamp")?;
            let ts = DateTime::parse_from_rfc3339(&ts)
                .map_err(|e| ReplayError::Row {
                    line,
                    message: format!("bad timestamp: {e}"),
                })?
                .to_utc();
            let symbol = Symbol::new(rec.get(1).map_or("", String::as_str));
            let updates = if is_quotes {
                vec![MarketUpdate::Quote(Quote {
                    symbol,
                    bid_price: field::<Decimal>(&rec, 2, line, "bid_price")?,
                    bid_size: field::<Decimal>(&rec, 3, line, "bid_size")?,
                    ask_price: field::<Decimal>(&rec, 4, line, "ask_price")?,
                    ask_size: field::<Decimal>(&rec, 5, line, "ask_size")?,
                })]
            } else if is_trades {
                let price: Decimal = field(&rec, 2, line, "price")?;
                let size: Decimal = field(&rec, 3, line, "size")?;
                super::trade_with_quote(symbol, price, size)
            } else {
                let close: Decimal = field(&rec, 5, line, "close")?;
                let volume: Decimal = field(&rec, 6, line, "volume")?;
                super::trade_with_quote(symbol, close, volume)
            };
            rows.push((ts, updates));
        }
        // Stable: rows at one instant keep the file's order.
        rows.sort_by_key(|(ts, _)| *ts);
        Ok(Self {
            rows,
            next: 0,
            origin: None,
            speed: speed.max(1),
            at_end: ReplayEnd::Stop,
        })
    }

    /// What to do at the end of the file (`Stop` unless told).
    pub fn at_end(mut self, at_end: ReplayEnd) -> Self {
        self.at_end = at_end;
        self
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
        if self.is_finished() && self.at_end == ReplayEnd::Loop {
            // The next poll starts the file over, paced from then.
            self.next = 0;
            self.origin = None;
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
        // The quote comes first (`trade_with_quote`), then the trade at the close.
        assert!(matches!(&out[0], MarketUpdate::Quote(q) if q.bid_price == Decimal::new(47049, 2)));
        assert!(matches!(&out[1], MarketUpdate::Trade(t) if t.price == Decimal::new(47050, 2)));
    }

    #[test]
    fn trades_loop_or_stop_at_the_end() {
        let csv = "timestamp,symbol,price,size\n\
            2024-01-02T14:30:00Z,SPY,470.01,5\n\
            2024-01-02T14:30:01Z,SPY,470.02,5\n";
        let prices = |out: Vec<MarketUpdate>| -> Vec<Decimal> {
            out.into_iter()
                .filter_map(|u| match u {
                    MarketUpdate::Trade(t) => Some(t.price),
                    MarketUpdate::Quote(_) => None,
                })
                .collect()
        };
        let t0 = chrono::Utc::now();
        let mut looping = CsvReplay::from_reader(csv.as_bytes(), 1)
            .unwrap()
            .at_end(ReplayEnd::Loop);
        assert_eq!(prices(looping.poll(t0)), [Decimal::new(47001, 2)]);
        assert_eq!(
            prices(looping.poll(t0 + Duration::seconds(1))),
            [Decimal::new(47002, 2)]
        );
        assert_eq!(
            prices(looping.poll(t0 + Duration::seconds(2))),
            [Decimal::new(47001, 2)]
        );
        let mut stopping = CsvReplay::from_reader(csv.as_bytes(), 1)
            .unwrap()
            .at_end(ReplayEnd::Stop);
        assert_eq!(prices(stopping.poll(t0)).len(), 1);
        assert_eq!(prices(stopping.poll(t0 + Duration::seconds(5))).len(), 1);
        assert!(stopping.poll(t0 + Duration::seconds(9)).is_empty());
        assert!(stopping.is_finished());
        assert_eq!("Stop".parse::<ReplayEnd>(), Ok(ReplayEnd::Stop));
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
