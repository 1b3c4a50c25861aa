mod use_command;
mod use_latest;
mod use_theme;

pub use use_command::{Load, use_command};
pub use use_latest::{Asked, use_latest};
pub use use_theme::use_theme;
