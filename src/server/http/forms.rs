//! One rule for every mutation (web.md §2.3). Mutations are server functions under `/api/auth`,
//! `/api/app` and `/api/billing`; they return `Result<_, AppError>`, and this middleware turns
//! that into what each kind of client needs:
//!
//! - **With JavaScript** (`Accept` without `text/html`): the JSON as it is, with the HTTP status
//!   of the error code (and `Retry-After` for rate limits).
//! - **A plain HTML form** (`Accept: text/html`): never JSON. Success → 303 to the server
//!   function's redirect or back to the form page; not signed in → 303 to sign-in; a 409, 422 or
//!   400 → the messages and the submitted values go into a one-time flash and 303 back to the
//!   form page; 403, 404, 429, 500 → the error page with that status.

use crate::domain::url::encode_component;
use axum::{
    body::{Body, Bytes, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header, response::Parts},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use super::{
    error_page::{error_page, heading_for},
    flash_cookie,
};
use crate::{
    api::{
        error::AppError,
        forms::{FLASH_KEY, FormFlash},
    },
    server::state::AppState,
};

/// Forms are small; anything bigger is refused with 413.
pub const FORM_BODY_LIMIT: usize = 64 * 1024;
/// Error bodies of server functions are small JSON documents.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Fields never echoed back into a form.
const NOT_KEPT: [&str; 6] = [
    "password",
    "new_password",
    "current_password",
    "nonce",
    "token",
    "api_key",
];

pub fn is_mutation(path: &str) -> bool {
    ["/api/auth/", "/api/app/", "/api/billing/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

pub async fn mutations(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !is_mutation(request.uri().path()) {
        return next.run(request).await;
    }
    if wants_html(request.headers()) {
        plain_form(&state, request, next).await
    } else {
        with_error_status(next.run(request).await).await
    }
}

/// Server functions answer every error with 500; the code in the body says which it is.
async fn with_error_status(response: Response) -> Response {
    if response.status().is_success() || response.status().is_redirection() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, ERROR_BODY_LIMIT).await.unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        set_error_status(&mut parts, &error);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn set_error_status(parts: &mut Parts, error: &AppError) {
    parts.status =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(seconds) = retry_after(error) {
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
}

fn retry_after(error: &AppError) -> Option<u64> {
    match error {
        AppError::Failed { retry_after, .. } => *retry_after,
        AppError::Invalid { .. } => None,
    }
}

async fn plain_form(state: &AppState, request: Request, next: Next) -> Response {
    let form_page = referer_page(request.headers(), &state.config.public_base_url)
        .unwrap_or_else(|| default_form_page(request.uri().path()));
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_BODY_LIMIT).await else {
        let status = StatusCode::PAYLOAD_TOO_LARGE;
        return error_page(
            status,
            heading_for(status),
            Some("The form was larger than we accept."),
        );
    };
    let session = parts.extensions.get::<Session>().cloned();
    // Ask the server function for JSON: this middleware decides where the browser goes.
    parts
        .headers
        .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let values = kept_values(&bytes);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;

    if response.status().is_success() {
        let target = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or(form_page);
        return see_other(response, &target);
    }
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, ERROR_BODY_LIMIT).await.unwrap_or_default();
    let Ok(error) = serde_json::from_slice::<AppError>(&bytes) else {
        let status = parts.status;
        return error_page(status, heading_for(status), None);
    };
    match error.status() {
        401 => {
            Redirect::to(&format!("/sign-in?next={}", encode_component(&form_page))).into_response()
        }
        400 | 409 | 422 => {
            let flash = FormFlash {
                page: form_page.clone(),
                error,
                values,
            };
            let mut redirect = Redirect::to(&form_page).into_response();
            match session {
                // A signed-in visitor (or one with a session already) keeps it there.
                Some(session) if session.id().is_some() => {
                    if let Err(err) = session.insert(FLASH_KEY, flash).await {
                        tracing::warn!(error = %err, "could not store the form flash");
                    }
                }
                // An anonymous one gets no session row for a failed form: a sealed cookie.
                _ => {
                    if let Some(cookie) = flash_cookie::set(state, flash) {
                        redirect.headers_mut().append(header::SET_COOKIE, cookie);
                    }
                }
            }
            redirect
        }
        status => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut page = error_page(status, heading_for(status), error.message());
            if let Some(seconds) = retry_after(&error) {
                page.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            page
        }
    }
}

/// 303 to `target`, keeping the headers the handler set (cookies).
fn see_other(response: Response, target: &str) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.status = StatusCode::SEE_OTHER;
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove("serverfnredirect");
    match HeaderValue::from_str(target) {
        Ok(location) => {
            parts.headers.insert(header::LOCATION, location);
        }
        Err(_) => {
            parts
                .headers
                .insert(header::LOCATION, HeaderValue::from_static("/app"));
        }
    }
    Response::from_parts(parts, Body::empty())
}

/// The path and query of a same-origin `Referer`: the page the form was on.
fn referer_page(headers: &HeaderMap, base: &str) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let origin = crate::domain::csrf::origin_of(base)?;
    let rest = referer.strip_prefix(origin)?;
    rest.starts_with('/').then(|| rest.to_owned())
}

/// Without a Referer: the page each group of forms lives on.
fn default_form_page(path: &str) -> String {
    let page = match path {
        "/api/auth/sign-up" => "/sign-up",
        "/api/auth/sign-in" => "/sign-in",
        "/api/auth/sign-out" => "/sign-out",
        "/api/app/onboarding" => "/app/onboarding",
        p if p.starts_with("/api/app/numbers/") => "/app/numbers",
        p if p.starts_with("/api/app/team/") => "/app/team",
        p if p.starts_with("/api/app/account/") => "/app/account",
        p if p.starts_with("/api/app/settings") || p.starts_with("/api/app/business/") => {
            "/app/settings"
        }
        p if p.starts_with("/api/billing/") => "/app/billing",
        p if p.starts_with("/api/app/integrations/") => "/app/integrations",
        _ => "/app",
    };
    page.to_owned()
}

fn kept_values(body: &Bytes) -> std::collections::BTreeMap<String, String> {
    url::form_urlencoded::parse(body)
        .filter(|(name, _)| !NOT_KEPT.contains(&name.as_ref()))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutation_paths() {
        assert!(is_mutation("/api/auth/sign-in"));
        assert!(is_mutation("/api/app/leads/status"));
        assert!(is_mutation("/api/billing/checkout"));
        assert!(!is_mutation("/api/twilio/sms"));
        assert!(!is_mutation("/api/health"));
    }

    #[test]
    fn the_form_page_comes_from_a_same_origin_referer() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::REFERER,
            HeaderValue::from_static("https://app.example.com/app/onboarding?next=%2Fapp"),
        );
        assert_eq!(
            referer_page(&headers, "https://app.example.com").as_deref(),
            Some("/app/onboarding?next=%2Fapp")
        );
        headers.insert(
            header::REFERER,
            HeaderValue::from_static("https://evil.example/app"),
        );
        assert_eq!(referer_page(&headers, "https://app.example.com"), None);
        assert_eq!(default_form_page("/api/app/numbers/buy"), "/app/numbers");
        assert_eq!(default_form_page("/api/auth/sign-in"), "/sign-in");
    }

    #[test]
    fn secrets_are_not_kept_for_redisplay() {
        let values = kept_values(&Bytes::from_static(
            b"email=pat%40example.com&password=hunter22222&nonce=n1&name=Acme",
        ));
        assert_eq!(
            values.get("email").map(String::as_str),
            Some("pat@example.com")
        );
        assert_eq!(values.get("name").map(String::as_str), Some("Acme"));
        assert!(!values.contains_key("password"));
        assert!(!values.contains_key("nonce"));
    }
}
