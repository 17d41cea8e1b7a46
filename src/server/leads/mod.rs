//! Leads: opening and finding them for a caller, linking calls to them, and starting their
//! conversation.

pub mod actions;
pub mod detail;
pub mod list;
pub mod start_gates;
pub mod status;
pub mod store;
