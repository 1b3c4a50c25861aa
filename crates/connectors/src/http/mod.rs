//! The one HTTP policy every vendor goes through: timeouts, rate limit, retry with backoff,
//! latency measurement and typed vendor errors. Vendors only describe their endpoints.

pub mod client;
pub mod endpoint;
pub mod error;
pub mod latency;
pub mod policy;
pub mod rate_limit;
pub mod redact;

pub use client::{Auth, ErrorDecoder, HttpClient, NoAuth, VendorMessage};
pub use endpoint::{Endpoint, Method};
pub use error::HttpError;
pub use latency::{Latency, LatencySnapshot};
pub use policy::{HttpPolicy, RetryPolicy};
pub use rate_limit::{RateLimit, RateLimiter};
pub use redact::{redact_url, redact_urls};
