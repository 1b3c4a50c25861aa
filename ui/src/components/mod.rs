mod account_card;
mod connection_badge;
mod create_vault_form;
mod credentials_table;
mod error_banner;
mod nav_bar;
mod positions_table;
mod vault_panel;

pub use account_card::{AccountCard, UnreachableConnection};
pub use connection_badge::{ConnectionBadge, ModeBadge};
pub use create_vault_form::CreateVaultForm;
pub use credentials_table::CredentialsTable;
pub use error_banner::ErrorBanner;
pub use nav_bar::NavBar;
pub use positions_table::PositionsTable;
pub use vault_panel::VaultPanel;
