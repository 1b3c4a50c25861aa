//! Interactive Brokers through the Client Portal gateway the user runs on this machine. There is
//! no credential here: the user signs in to the gateway in the browser and the gateway holds the
//! session; we keep it alive (`/tickle`) and surface its state as a connection status.

pub mod adapter;
pub mod config;
pub mod descriptor;
pub mod http;

pub use adapter::{GatewayStatus, IbkrAccount, IbkrConnector, PlaceOutcome};
pub use config::IbkrConfig;
