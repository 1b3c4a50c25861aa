//! IPC commands, grouped by area. Each is a few lines over the service.

pub mod portfolio;
