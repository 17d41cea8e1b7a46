//! Signed outbound webhooks (integrations.md §3): events emitted in the transaction that made
//! them (`events`), the owner's endpoints (`endpoints`), the delivery job (`deliver`) over the
//! address-checking client (`client`), and the signature (`signature`).

pub mod client;
pub mod deliver;
pub mod endpoints;
pub mod events;
pub mod signature;
