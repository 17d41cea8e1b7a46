//! Pages anyone can open without signing in.

pub mod contact;
pub mod home;
pub mod legal;
