//! Signed outbound webhooks (integrations.md §3). So far: the signature every delivery carries.
//! Endpoints, events and the delivery job come next (issue 10).

pub mod signature;
