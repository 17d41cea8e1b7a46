//! Leads: opening and finding them for a caller, and linking calls to them.

pub mod store;
