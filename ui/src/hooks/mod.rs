mod use_command;
mod use_theme;

pub use use_command::{Load, use_command};
pub use use_theme::use_theme;
