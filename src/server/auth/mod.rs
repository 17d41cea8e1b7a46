//! Accounts and sessions: password hashing, the axum-login backend, the session layer, and
//! the checks every page and server function runs before touching business data.

pub mod backend;
pub mod gate;
pub mod password;
pub mod session;
pub mod session_rows;
pub mod viewer;

pub use backend::{AuthSession, Backend, Credentials, User};
