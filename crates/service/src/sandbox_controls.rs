//! The local sandbox's controls as the service holds them: the exchange itself (when this
//! process runs it), the prices in use and why they may differ from the saved choice. The
//! service methods are in `sandbox_controls_api.rs`.

use crate::paper_connection::LocalSandbox;
use brokerdesk_model::sandbox::{ReplayAtEnd, SandboxControls, SandboxPrices};
use brokerdesk_paper::{PriceSource, ReplayEnd};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub(crate) struct SandboxControl {
    /// `Err`: why this process does not run the sandbox.
    pub(crate) sandbox: Result<Arc<LocalSandbox>, String>,
    in_use: Mutex<InUse>,
    pub(crate) starting_cash: Decimal,
}

struct InUse {
    prices: SandboxPrices,
    note: Option<String>,
}

impl SandboxControl {
    pub(crate) fn new(
        sandbox: Result<Arc<LocalSandbox>, String>,
        prices: SandboxPrices,
        note: Option<String>,
        starting_cash: Decimal,
    ) -> Self {
        Self {
            sandbox,
            in_use: Mutex::new(InUse { prices, note }),
            starting_cash,
        }
    }

    pub(crate) fn set_in_use(&self, prices: SandboxPrices) {
        let mut in_use = self.in_use.lock().unwrap_or_else(|p| p.into_inner());
        *in_use = InUse { prices, note: None };
    }

    pub(crate) fn controls(&self) -> SandboxControls {
        let in_use = self.in_use.lock().unwrap_or_else(|p| p.into_inner());
        SandboxControls {
            unavailable: self.sandbox.as_ref().err().cloned(),
            prices: in_use.prices.clone(),
            prices_note: in_use.note.clone(),
            starting_cash: self.starting_cash,
        }
    }
}

/// The exchange's form of a choice. A replay must name an absolute path (a relative one would
/// depend on where the app was started).
pub(crate) fn price_source(prices: &SandboxPrices) -> Result<PriceSource, String> {
    Ok(match prices {
        SandboxPrices::Simulated => PriceSource::Simulated,
        SandboxPrices::Replay { path, at_end } => {
            let path = PathBuf::from(path.trim());
            if !path.is_absolute() {
                return Err(format!(
                    "the replay file must be given by its full path, not `{}`",
                    path.display()
                ));
            }
            PriceSource::Replay {
                path,
                at_end: match at_end {
                    ReplayAtEnd::Loop => ReplayEnd::Loop,
                    ReplayAtEnd::Stop => ReplayEnd::Stop,
                },
            }
        }
    })
}

/// The model's form of what the exchange was started with (set in code: tests, embedders).
pub(crate) fn sandbox_prices(source: &PriceSource) -> SandboxPrices {
    match source {
        PriceSource::Simulated => SandboxPrices::Simulated,
        PriceSource::Replay { path, at_end } => SandboxPrices::Replay {
            path: path.display().to_string(),
            at_end: match at_end {
                ReplayEnd::Loop => ReplayAtEnd::Loop,
                ReplayEnd::Stop => ReplayAtEnd::Stop,
            },
        },
    }
}
