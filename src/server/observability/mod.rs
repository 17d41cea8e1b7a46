//! What operators see besides logs: Prometheus metrics and operator alerts
//! (operations.md §6, web.md §9).

pub mod alerts;
pub mod metrics;
pub mod process;

pub use alerts::{Alert, Alerts};
pub use metrics::Metrics;
