//! What a plain HTML form shows after a refused submit: the messages and the values typed,
//! kept for exactly one page view (web.md §2.3).

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::AppError;

/// Session key of the one-time flash.
pub const FLASH_KEY: &str = "form_flash";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    /// The page (path and query) the form was on.
    pub page: String,
    pub error: AppError,
    /// What was submitted, without passwords and nonces.
    pub values: BTreeMap<String, String>,
}

impl FormFlash {
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// The flash for `page`, removed as it is read.
#[server(prefix = "/api/session", endpoint = "form-flash")]
pub async fn take_form_flash(page: String) -> Result<Option<FormFlash>, AppError> {
    let session = crate::server::auth::viewer::auth_session().await?.session;
    let flash: Option<FormFlash> = session
        .get(FLASH_KEY)
        .await
        .map_err(crate::server::errors::internal)?;
    if flash.is_none() {
        return Ok(take_cookie_flash(&page));
    }
    match flash {
        Some(flash) if flash.page == page => {
            session
                .remove::<FormFlash>(FLASH_KEY)
                .await
                .map_err(crate::server::errors::internal)?;
            Ok(Some(flash))
        }
        _ => Ok(None),
    }
}

/// An anonymous visitor's flash (`server::http::flash_cookie`), removed with the response that
/// shows it.
#[cfg(feature = "ssr")]
fn take_cookie_flash(page: &str) -> Option<FormFlash> {
    use crate::server::http::flash_cookie;
    let state = use_context::<crate::server::state::AppState>()?;
    let parts = use_context::<axum::http::request::Parts>()?;
    let flash = flash_cookie::read(&state, &parts.headers).filter(|flash| flash.page == page)?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(axum::http::header::SET_COOKIE, flash_cookie::clear(&state));
    }
    Some(flash)
}

/// Session key of a one-time notice (a link shown once, a confirmation).
pub const NOTICE_KEY: &str = "notice";

/// Something to show once on a page after a successful action, e.g. an invitation link or a
/// webhook signing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub page: String,
    pub message: String,
    /// A value to copy, shown in a read-only field.
    pub copy: Option<CopyValue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyValue {
    /// The field's accessible name ("Link", "Signing secret").
    pub label: String,
    pub text: String,
}

/// The notice for `page`, removed as it is read.
#[server(prefix = "/api/session", endpoint = "notice")]
pub async fn take_notice(page: String) -> Result<Option<Notice>, AppError> {
    let session = crate::server::auth::viewer::auth_session().await?.session;
    let notice: Option<Notice> = session
        .get(NOTICE_KEY)
        .await
        .map_err(crate::server::errors::internal)?;
    match notice {
        Some(notice) if notice.page == page => {
            session
                .remove::<Notice>(NOTICE_KEY)
                .await
                .map_err(crate::server::errors::internal)?;
            Ok(Some(notice))
        }
        _ => Ok(None),
    }
}
