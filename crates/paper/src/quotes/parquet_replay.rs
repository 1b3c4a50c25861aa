//! Parquet price files: the same three layouts as the CSV replay (quotes, trades, bars; the
//! column names are the CSV header's), read row by row with the `parquet` crate's record API
//! (no Arrow) and handed to the same row parser, so both formats replay identically.
//!
//! Column types: text or a `TIMESTAMP` (milliseconds or microseconds, UTC) for `timestamp`;
//! text for `symbol`; text, integers, `DECIMAL` or floating point for prices and sizes. A
//! floating-point value is taken at its shortest decimal form (`100.1`, not the binary
//! expansion), which is the number the file's writer wrote.

use parquet::data_type::Decimal as ParquetDecimal;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use rust_decimal::Decimal;

use super::csv_replay::{CsvReplay, ReplayError};

fn parquet_error(e: impl std::fmt::Display) -> ReplayError {
    ReplayError::Parquet(e.to_string())
}

/// A Parquet `DECIMAL` (big-endian two's complement, at its scale) as text.
fn decimal_text(d: &ParquetDecimal) -> Option<String> {
    let bytes = d.data();
    if bytes.is_empty() || bytes.len() > 12 {
        return None; // beyond rust_decimal's 96 bits
    }
    let fill = if bytes[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut wide = [fill; 16];
    wide[16 - bytes.len()..].copy_from_slice(bytes);
    let scale = u32::try_from(d.scale()).ok()?;
    Decimal::try_from_i128_with_scale(i128::from_be_bytes(wide), scale)
        .ok()
        .map(|v| v.to_string())
}

fn timestamp_text(micros: Option<i64>) -> Option<String> {
    micros
        .and_then(chrono::DateTime::from_timestamp_micros)
        .map(|t| t.to_rfc3339())
}

/// One cell as the CSV parser's text, or `None` for a type no layout uses.
fn text(field: &Field) -> Option<String> {
    Some(match field {
        Field::Str(s) => s.clone(),
        Field::Double(v) => v.to_string(),
        Field::Float(v) => v.to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Decimal(d) => return decimal_text(d),
        Field::TimestampMillis(ms) => return timestamp_text(ms.checked_mul(1000)),
        Field::TimestampMicros(us) => return timestamp_text(Some(*us)),
        // Empty: the row parser names the column that is missing.
        Field::Null => String::new(),
        _ => return None,
    })
}

/// Reads a Parquet price file into a replay (paced and ended like the CSV one).
pub fn from_parquet(file: std::fs::File, speed: u32) -> Result<CsvReplay, ReplayError> {
    let reader = SerializedFileReader::new(file).map_err(parquet_error)?;
    let header: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let rows = reader.get_row_iter(None).map_err(parquet_error)?;
    let records = rows.enumerate().map(|(i, row)| {
        let row = row.map_err(parquet_error)?;
        row.get_column_iter()
            .map(|(name, field)| {
                text(field).ok_or_else(|| ReplayError::Row {
                    line: i + 2,
                    message: format!("column {name}: unsupported Parquet type"),
                })
            })
            .collect()
    });
    CsvReplay::from_rows(&header, records, speed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{MarketUpdate, Timestamp};
    use crate::quotes::QuoteSource;
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use rust_decimal_macros::dec;
    use std::sync::Arc;

    /// Every update of a replay: the first instant's, then all the rest.
    fn drain(mut r: CsvReplay) -> Vec<MarketUpdate> {
        let t0: Timestamp = chrono::DateTime::from_timestamp(0, 0).unwrap();
        let mut out = r.poll(t0);
        out.extend(r.poll(t0 + chrono::Duration::days(3650)));
        out
    }

    const MICROS: [i64; 3] = [
        1_764_600_000_000_000,
        1_764_600_001_000_000,
        1_764_600_002_500_000,
    ];
    const PRICES: [f64; 3] = [187.42, 187.45, 0.1234];
    const SIZES: [i64; 3] = [100, 5, 2_000_000];

    /// Trades: timestamp as TIMESTAMP(MICROS), price as DOUBLE, size as INT64.
    fn write_trades(path: &std::path::Path) {
        let schema = parse_message_type(
            "message trades {
                REQUIRED INT64 timestamp (TIMESTAMP(MICROS,true));
                REQUIRED BYTE_ARRAY symbol (UTF8);
                REQUIRED DOUBLE price;
                REQUIRED INT64 size;
            }",
        )
        .unwrap();
        let file = std::fs::File::create(path).unwrap();
        let props = Arc::new(WriterProperties::builder().build());
        let mut w = SerializedFileWriter::new(file, Arc::new(schema), props).unwrap();
        let mut rg = w.next_row_group().unwrap();
        let mut col = rg.next_column().unwrap().unwrap();
        col.typed::<Int64Type>()
            .write_batch(&MICROS, None, None)
            .unwrap();
        col.close().unwrap();
        let mut col = rg.next_column().unwrap().unwrap();
        let symbols = ["AAPL", "AAPL", "SIRI"].map(ByteArray::from);
        col.typed::<ByteArrayType>()
            .write_batch(&symbols, None, None)
            .unwrap();
        col.close().unwrap();
        let mut col = rg.next_column().unwrap().unwrap();
        col.typed::<DoubleType>()
            .write_batch(&PRICES, None, None)
            .unwrap();
        col.close().unwrap();
        let mut col = rg.next_column().unwrap().unwrap();
        col.typed::<Int64Type>()
            .write_batch(&SIZES, None, None)
            .unwrap();
        col.close().unwrap();
        rg.close().unwrap();
        w.close().unwrap();
    }

    fn trades(updates: &[MarketUpdate]) -> Vec<(String, Decimal, Decimal)> {
        updates
            .iter()
            .filter_map(|u| match u {
                MarketUpdate::Trade(t) => Some((t.symbol.to_string(), t.price, t.size)),
                MarketUpdate::Quote(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_parquet_file_and_its_csv_replay_the_same_exact_prices() {
        let dir = tempfile::tempdir().unwrap();
        let pq = dir.path().join("trades.parquet");
        write_trades(&pq);
        let from_parquet = drain(from_parquet(std::fs::File::open(&pq).unwrap(), 1).unwrap());
        let csv = "timestamp,symbol,price,size\n\
                   2025-12-01T14:40:00Z,AAPL,187.42,100\n\
                   2025-12-01T14:40:01Z,AAPL,187.45,5\n\
                   2025-12-01T14:40:02.5Z,SIRI,0.1234,2000000\n";
        let from_csv = drain(CsvReplay::from_reader(csv.as_bytes(), 1).unwrap());
        let expected = vec![
            ("AAPL".to_owned(), dec!(187.42), dec!(100)),
            ("AAPL".to_owned(), dec!(187.45), dec!(5)),
            ("SIRI".to_owned(), dec!(0.1234), dec!(2000000)),
        ];
        assert_eq!(trades(&from_parquet), expected);
        assert_eq!(trades(&from_csv), expected);
        assert_eq!(from_parquet, from_csv, "same updates, quotes included");
        // `--prices FILE.parquet` opens it (it used to be refused).
        let opened = crate::server::control::open_replay(&pq, crate::quotes::ReplayEnd::Stop);
        assert_eq!(trades(&drain(opened.unwrap())), expected);
    }

    #[test]
    fn parquet_decimals_and_bad_files_are_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("quotes.parquet");
        let schema = parse_message_type(
            "message quotes {
                REQUIRED BYTE_ARRAY timestamp (UTF8);
                REQUIRED BYTE_ARRAY symbol (UTF8);
                REQUIRED INT64 bid_price (DECIMAL(12,2));
                REQUIRED INT64 bid_size;
                REQUIRED INT64 ask_price (DECIMAL(12,2));
                REQUIRED INT64 ask_size;
            }",
        )
        .unwrap();
        let file = std::fs::File::create(&path).unwrap();
        let props = Arc::new(WriterProperties::builder().build());
        let mut w = SerializedFileWriter::new(file, Arc::new(schema), props).unwrap();
        let mut rg = w.next_row_group().unwrap();
        let columns: [&dyn Fn(&mut parquet::file::writer::SerializedColumnWriter<'_>); 6] = [
            &|c| {
                let ts = [ByteArray::from("2025-12-01T14:40:00Z")];
                c.typed::<ByteArrayType>()
                    .write_batch(&ts, None, None)
                    .unwrap();
            },
            &|c| {
                let s = [ByteArray::from("MSFT")];
                c.typed::<ByteArrayType>()
                    .write_batch(&s, None, None)
                    .unwrap();
            },
            &|c| {
                c.typed::<Int64Type>()
                    .write_batch(&[41_011], None, None)
                    .unwrap();
            },
            &|c| {
                c.typed::<Int64Type>()
                    .write_batch(&[300], None, None)
                    .unwrap();
            },
            &|c| {
                c.typed::<Int64Type>()
                    .write_batch(&[41_013], None, None)
                    .unwrap();
            },
            &|c| {
                c.typed::<Int64Type>()
                    .write_batch(&[200], None, None)
                    .unwrap();
            },
        ];
        for write in columns {
            let mut col = rg.next_column().unwrap().unwrap();
            write(&mut col);
            col.close().unwrap();
        }
        rg.close().unwrap();
        w.close().unwrap();
        let updates = drain(from_parquet(std::fs::File::open(&path).unwrap(), 1).unwrap());
        match updates.as_slice() {
            [MarketUpdate::Quote(q)] => {
                assert_eq!((q.bid_price, q.ask_price), (dec!(410.11), dec!(410.13)));
                assert_eq!((q.bid_size, q.ask_size), (dec!(300), dec!(200)));
            }
            other => panic!("one quote expected, got {other:?}"),
        }
        // Not Parquet at all: an error, not a panic.
        let junk = dir.path().join("junk.parquet");
        std::fs::write(&junk, b"timestamp,symbol\n").unwrap();
        let err = from_parquet(std::fs::File::open(&junk).unwrap(), 1)
            .err()
            .unwrap();
        assert!(err.to_string().contains("Parquet"), "{err}");
    }
}
