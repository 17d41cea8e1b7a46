//! The optional Airtable mirror (integrations.md §2): the owner's connection, the paced push
//! job that upserts each changed call and lead (database triggers queue it, migration 0009),
//! "Resync all", and the on-demand import of number settings. Webhooks never wait on any of it.

pub mod connection;
pub mod import;
pub mod pacing;
pub mod push;
pub mod settings;
