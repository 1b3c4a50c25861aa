mod account_card;
mod connection_badge;
mod error_banner;
mod nav_bar;
mod positions_table;

pub use account_card::{AccountCard, UnreachableConnection};
pub use connection_badge::{ConnectionBadge, ModeBadge};
pub use error_banner::ErrorBanner;
pub use nav_bar::NavBar;
pub use positions_table::PositionsTable;
