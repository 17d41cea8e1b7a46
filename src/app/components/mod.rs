//! Small reusable views.

pub mod app_layout;
pub mod form;
pub mod layout;
