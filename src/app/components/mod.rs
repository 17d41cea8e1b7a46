//! Small reusable views.

pub mod layout;
