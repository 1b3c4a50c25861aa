//! A snapshot image of the exchange's state, as its file holds it.
//!
//! `MAGIC | version: u32 | head length: u64 | head | lists`: the head is JSON (the engine's
//! accounts, quotes and session, the watchlists, a day of bars, the equity samples: bounded by
//! accounts and symbols), the lists are the engine's orders and fills in a binary layout
//! (`engine::EngineImage::write_lists`), which grow with the history. Encoded as JSON, those
//! lists cost ~0.8 µs of the ~12 µs of CPU each answer took under load on two cores; in this
//! layout they take a seventh of that CPU and under a third of those bytes.
//!
//! Images written before this layout are one JSON document (they begin with `{`, never with
//! `MAGIC`) and still read. Older versions refuse this layout by the file's name (it keeps the
//! name they look for: `store::snapshot_file`).

use brokerdesk_model::AccountId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

use super::market_data::MarketData;
use crate::engine::watchlists::Watchlists;
use crate::engine::{Engine, EngineHead, EngineImage, EngineLists, EngineSnapshot, Timestamp};

/// The first bytes of an image in this layout.
const MAGIC: &[u8; 16] = b"brokerdesk-image";
/// The layout of the head and the lists; a reader refuses any other number.
const VERSION: u32 = 1;

pub type History = BTreeMap<AccountId, Vec<(Timestamp, Decimal)>>;

/// A snapshot as the exchange thread takes it (the engine's orders and fills shared, not
/// copied) for the encoder thread.
pub(super) struct StateImage {
    pub engine: EngineImage,
    pub watchlists: Watchlists,
    pub market: MarketData,
    pub history: History,
}

/// What a restart reads back: the state less what is derived again as commands come.
pub(super) struct Restored {
    pub engine: Engine,
    pub watchlists: Watchlists,
    pub market: MarketData,
    pub history: History,
}

#[derive(Serialize)]
struct HeadOut<'a> {
    engine: &'a EngineHead,
    watchlists: &'a Watchlists,
    market: &'a MarketData,
    history: &'a History,
}

#[derive(Deserialize)]
struct HeadIn {
    engine: EngineHead,
    #[serde(default)]
    watchlists: Watchlists,
    market: MarketData,
    history: History,
}

/// An image written as one JSON document, before the binary lists.
#[derive(Deserialize)]
struct JsonImage {
    engine: EngineSnapshot,
    #[serde(default)]
    watchlists: Watchlists,
    market: MarketData,
    history: History,
}

/// Streams `image` to `out` in this layout.
pub(super) fn write(image: &StateImage, out: &mut dyn Write) -> std::io::Result<()> {
    let head = serde_json::to_vec(&HeadOut {
        engine: image.engine.head(),
        watchlists: &image.watchlists,
        market: &image.market,
        history: &image.history,
    })?;
    out.write_all(MAGIC)?;
    out.write_all(&VERSION.to_le_bytes())?;
    out.write_all(&(head.len() as u64).to_le_bytes())?;
    out.write_all(&head)?;
    image.engine.write_lists(out)
}

/// Reads an image in this layout or as one JSON document; `Err` says what does not read.
pub(super) fn read(bytes: &[u8]) -> Result<Restored, String> {
    let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
        // Checked as UTF-8 once, the text reads ~10 % faster than as bytes (`from_slice`
        // checks each string as it goes).
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        let s: JsonImage = serde_json::from_str(text).map_err(|e| e.to_string())?;
        return Ok(Restored {
            engine: Engine::restore(s.engine),
            watchlists: s.watchlists,
            market: s.market,
            history: s.history,
        });
    };
    let (version, rest) = split::<4>(rest).ok_or("the image's version is cut short")?;
    let version = u32::from_le_bytes(version);
    if version != VERSION {
        return Err(format!(
            "image layout version {version} is not one this version reads ({VERSION}, or one \
             JSON document)"
        ));
    }
    let (len, rest) = split::<8>(rest).ok_or("the image's head length is cut short")?;
    let head_len = usize::try_from(u64::from_le_bytes(len))
        .ok()
        .filter(|&n| n <= rest.len())
        .ok_or("the image's head is cut short")?;
    let (head, lists) = rest.split_at(head_len);
    let head: HeadIn =
        serde_json::from_slice(head).map_err(|e| format!("the image's head: {e}"))?;
    let lists = EngineLists::read(lists)?;
    Ok(Restored {
        engine: Engine::restore_image(head.engine, lists),
        watchlists: head.watchlists,
        market: head.market,
        history: head.history,
    })
}

fn split<const N: usize>(bytes: &[u8]) -> Option<([u8; N], &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<N>()?;
    Some((*head, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::{Harness, margin};
    use crate::engine::watchlists::WatchlistCommand;
    use crate::engine::{CalendarKind, OrderType, Side};
    use brokerdesk_model::Symbol;
    use rust_decimal_macros::dec;

    /// An engine with resting and filled orders, a watchlist and equity samples.
    fn state() -> (Harness, Watchlists, History) {
        let mut h = Harness::new(CalendarKind::Always);
        h.quote("AAPL", dec!(187.20), 100, dec!(187.30), 100);
        let buy = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(3));
        h.submit(buy);
        let mut rest = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(2));
        rest.limit_price = Some(dec!(150.00));
        h.submit(rest);
        let mut watchlists = Watchlists::default();
        watchlists
            .apply(
                h.t,
                WatchlistCommand::Create {
                    account: margin(),
                    id: uuid::Uuid::from_u128(9),
                    name: "tech".into(),
                    symbols: vec![Symbol::new("AAPL"), Symbol::new("MSFT")],
                },
            )
            .unwrap();
        let history = History::from([(margin(), vec![(h.t, dec!(100000.00))])]);
        (h, watchlists, history)
    }

    fn written(h: &Harness, watchlists: &Watchlists, history: &History) -> Vec<u8> {
        let image = StateImage {
            engine: h.e.image(),
            watchlists: watchlists.clone(),
            market: MarketData::default(),
            history: history.clone(),
        };
        let mut out = Vec::new();
        write(&image, &mut out).unwrap();
        out
    }

    #[test]
    fn an_image_reads_back_as_the_state_it_was_written_from() {
        let (h, watchlists, history) = state();
        let back = read(&written(&h, &watchlists, &history)).unwrap();
        assert!(back.engine == h.e, "the engine differs");
        assert_eq!(back.watchlists, watchlists);
        assert_eq!(back.history, history);
    }

    /// Images saved before this layout are one JSON document; an upgrade reads them.
    #[test]
    fn an_image_written_as_one_json_document_still_reads() {
        let (h, watchlists, history) = state();
        let old = serde_json::to_vec(&serde_json::json!({
            "engine": h.e.snapshot(),
            "watchlists": watchlists,
            "market": MarketData::default(),
            "history": history,
        }))
        .unwrap();
        let back = read(&old).unwrap();
        assert!(back.engine == h.e, "the engine differs");
        assert_eq!((back.watchlists, back.history), (watchlists, history));
    }

    #[test]
    fn a_later_layout_a_cut_head_and_a_bad_head_are_refused_by_what_is_wrong() {
        let (h, watchlists, history) = state();
        let bytes = written(&h, &watchlists, &history);
        let mut later = bytes.clone();
        later[16] = 2;
        let err = read(&later).err().unwrap();
        assert!(err.contains("version 2"), "{err}");
        let err = read(&bytes[..30]).err().unwrap();
        assert_eq!(err, "the image's head is cut short");
        let err = read(&bytes[..24]).err().unwrap();
        assert_eq!(err, "the image's head length is cut short");
        let mut bad = bytes.clone();
        bad[28] = b'[';
        let err = read(&bad).err().unwrap();
        assert!(err.starts_with("the image's head: "), "{err}");
        assert!(read(&bytes[..bytes.len() - 1]).is_err());
    }
}
