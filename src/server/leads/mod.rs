//! Leads: opening and finding them for a caller, linking calls to them, and starting their
//! conversation.

pub mod actions;
pub mod detail;
pub mod export;
pub mod list;
pub mod recording;
pub mod start_gates;
pub mod status;
pub mod store;
