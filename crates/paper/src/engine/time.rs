//! The engine's clock type, alone so that every engine module can name it without importing
//! the order vocabulary (`types`).

use chrono::{DateTime, Utc};

/// An instant, always UTC.
pub type Timestamp = DateTime<Utc>;
