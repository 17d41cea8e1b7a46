//! Small reusable views.

pub mod app_layout;
pub mod auto_refresh;
pub mod form;
pub mod layout;
pub mod notice;
pub mod reply_counter;
