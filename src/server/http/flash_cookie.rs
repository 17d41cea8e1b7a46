//! The one-time form flash of a visitor without a session (a refused sign-up or sign-in with
//! JavaScript off). Storing it in a new session would create a 30-day session row per failed
//! anonymous form, which anyone could repeat without limit; it travels instead in a short-lived
//! cookie, sealed (AES-256-GCM under `DATA_ENCRYPTION_KEY`) so it cannot be forged or read, and
//! capped in size.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{api::forms::FormFlash, server::state::AppState};

pub const COOKIE: &str = "form_flash";
/// Long enough for the redirect to the form page, short enough not to outlive it.
const MAX_AGE_SECONDS: u32 = 60;
/// Each kept value is cut to this many characters.
const MAX_VALUE_CHARS: usize = 200;
/// Beyond this the typed values are dropped and only the messages kept (browsers refuse
/// cookies over about 4 KB).
const MAX_COOKIE_BYTES: usize = 3500;

/// The `Set-Cookie` value carrying `flash`.
pub fn set(state: &AppState, mut flash: FormFlash) -> Option<HeaderValue> {
    for value in flash.values.values_mut() {
        if value.chars().count() > MAX_VALUE_CHARS {
            *value = value.chars().take(MAX_VALUE_CHARS).collect();
        }
    }
    let mut sealed = seal(state, &flash)?;
    if sealed.len() > MAX_COOKIE_BYTES {
        flash.values.clear();
        sealed = seal(state, &flash)?;
    }
    if sealed.len() > MAX_COOKIE_BYTES {
        return None;
    }
    HeaderValue::from_str(&format!(
        "{COOKIE}={sealed}; Path=/; Max-Age={MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax{}",
        secure(state)
    ))
    .ok()
}

/// The `Set-Cookie` value that removes the flash once shown.
pub fn clear(state: &AppState) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
        secure(state)
    ))
    .unwrap_or(HeaderValue::from_static("form_flash=; Path=/; Max-Age=0"))
}

/// The flash the request carries, if it is one this server sealed.
pub fn read(state: &AppState, headers: &HeaderMap) -> Option<FormFlash> {
    let raw = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(&format!("{COOKIE}=")))?;
    let sealed = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let json = state.secrets.open(&sealed).ok()?;
    serde_json::from_str(&json).ok()
}

fn seal(state: &AppState, flash: &FormFlash) -> Option<String> {
    let json = serde_json::to_string(flash).ok()?;
    Some(URL_SAFE_NO_PAD.encode(state.secrets.seal(&json)))
}

fn secure(state: &AppState) -> &'static str {
    if state.config.is_production() {
        "; Secure"
    } else {
        ""
    }
}
