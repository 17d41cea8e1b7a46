//! HTTP plumbing shared by every route: correlation ids, request logs, the panic guard,
//! security headers and the health endpoint.

pub mod correlation;
pub mod csrf;
pub mod error_page;
pub mod flash_cookie;
pub mod forms;
pub mod health;
pub mod metrics;
pub mod page_headers;
pub mod security_headers;
