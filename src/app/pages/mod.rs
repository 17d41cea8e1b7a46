//! One module per page or page group.

pub mod auth;
pub mod not_found;
pub mod public;
