//! Activity as CSV (RFC 4180, through the `csv` crate): a header row, amounts as exact
//! decimals beside their currency, and text cells that a spreadsheet would run as a formula
//! (`=`, `+`, `-`, `@`, and tab/CR) prefixed with `'`. Number cells are left as they are: a
//! negative amount is a number, not a formula. The file is written whole to a temporary file
//! beside it and renamed into place, so a crash never leaves half a file.

use crate::error::ServiceError;
use brokerdesk_model::ActivityRow;
use chrono::SecondsFormat;
use std::io::Write;
use std::path::{Component, Path};

pub(crate) const HEADER: [&str; 15] = [
    "time",
    "connection",
    "mode",
    "account",
    "kind",
    "status",
    "amount",
    "currency",
    "fee",
    "symbol",
    "quantity",
    "price",
    "counterparty",
    "description",
    "id",
];

/// A text cell as a spreadsheet may safely open it.
pub(crate) fn text_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

/// One row's cells, in `HEADER` order.
pub(crate) fn cells(row: &ActivityRow) -> [String; 15] {
    let e = &row.entry;
    let num = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    let text = |s: Option<&str>| s.map(text_cell).unwrap_or_default();
    [
        e.time.to_rfc3339_opts(SecondsFormat::Micros, true),
        text_cell(&row.connection_name),
        match row.mode {
            brokerdesk_model::TradingMode::Paper => "paper".into(),
            brokerdesk_model::TradingMode::Live => "live".into(),
        },
        text_cell(e.account_id.as_str()),
        e.kind.as_str().into(),
        e.status.as_str().into(),
        e.amount.to_string(),
        text_cell(&e.currency),
        num(e.fee),
        text(e.symbol.as_ref().map(|s| s.as_str())),
        num(e.quantity),
        num(e.price),
        text(e.counterparty.as_deref()),
        text(e.description.as_deref()),
        text_cell(&e.id),
    ]
}

/// A path the user gave for an export: absolute, no `..`, and its folder exists.
pub(crate) fn check_path(path: &Path) -> Result<(), ServiceError> {
    if !path.is_absolute() {
        return Err(ServiceError::InvalidInput(format!(
            "the CSV path must be absolute: {}",
            path.display()
        )));
    }
    if path.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(ServiceError::InvalidInput(format!(
            "the CSV path may not contain `..`: {}",
            path.display()
        )));
    }
    if path.file_name().is_none() {
        return Err(ServiceError::InvalidInput(format!(
            "the CSV path names no file: {}",
            path.display()
        )));
    }
    match path.parent() {
        Some(dir) if dir.is_dir() => Ok(()),
        _ => Err(ServiceError::InvalidInput(format!(
            "the folder of {} does not exist",
            path.display()
        ))),
    }
}

/// Writes the rows `fill` hands over to `path` atomically; answers how many were written.
pub(crate) fn write_atomically(
    path: &Path,
    fill: impl FnOnce(
        &mut dyn FnMut(&ActivityRow) -> Result<(), ServiceError>,
    ) -> Result<(), ServiceError>,
) -> Result<u64, ServiceError> {
    check_path(path)?;
    let io = |e: std::io::Error| {
        ServiceError::InvalidInput(format!("cannot write {}: {e}", path.display()))
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(tmp));
    let csv_err = |e: csv::Error| ServiceError::InvalidInput(format!("cannot write CSV: {e}"));
    out.write_record(HEADER).map_err(csv_err)?;
    let mut written = 0u64;
    fill(&mut |row| {
        written += 1;
        out.write_record(cells(row)).map_err(csv_err)
    })?;
    let mut buffered = out
        .into_inner()
        .map_err(|e| ServiceError::InvalidInput(format!("cannot write CSV: {e}")))?;
    buffered.flush().map_err(io)?;
    let tmp = buffered.into_inner().map_err(|e| io(e.into_error()))?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(written)
}
