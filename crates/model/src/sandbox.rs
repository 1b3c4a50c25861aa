//! The local paper exchange's own controls (Settings › Paper sandbox): where its prices come
//! from, and a reset of its account. Alpaca has no word for either; the sandbox serves them under
//! `/v2/sandbox/...` and the service offers them to the app and the CLI.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Where the sandbox's prices come from. Saved in the settings, so a restart keeps the choice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SandboxPrices {
    /// The seeded random walk (the default).
    #[default]
    Simulated,
    /// A user's CSV or Parquet file of quotes, trades or bars (Parquet by its extension),
    /// replayed at its own pace.
    Replay { path: String, at_end: ReplayAtEnd },
}

/// What a replay does when its file ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayAtEnd {
    /// Starts again from the first row.
    #[default]
    Loop,
    /// Keeps the last prices.
    Stop,
}

/// What Settings shows about the sandbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxControls {
    /// `None` when this process runs the sandbox; else why not (another Brokerdesk process
    /// holds its journal), and the controls are off.
    pub unavailable: Option<String>,
    /// The prices in use now.
    pub prices: SandboxPrices,
    /// Why the saved choice is not the one in use (a replay file that could not be opened at
    /// start: prices are simulated until another choice is made).
    pub prices_note: Option<String>,
    /// The cash a reset account starts with.
    pub starting_cash: Decimal,
}
