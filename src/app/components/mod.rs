//! Small reusable views.

pub mod form;
pub mod layout;
