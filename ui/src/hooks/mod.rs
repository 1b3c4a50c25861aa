mod use_command;

pub use use_command::{Load, use_command};
