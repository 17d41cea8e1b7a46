//! The fake's HTTP side: the Stripe endpoints, the gatekeeper (auth, outages, idempotent
//! replays) and the stand-ins for the hosted Checkout and portal pages.

use axum::{
    Form, Json,
    extract::{Path, Request, State},
    http::{HeaderMap, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde_json::{Value, json};

use super::{FakeSession, FakeStripe, Recorded, session_json};

fn error(status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let kind = if status.is_server_error() {
        "api_error"
    } else {
        "invalid_request_error"
    };
    (
        status,
        Json(json!({ "error": { "type": kind, "message": message } })),
    )
        .into_response()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Checks the Bearer key, records the request, plays outages, and replays idempotent POSTs.
pub(super) async fn gatekeeper(
    State(fake): State<FakeStripe>,
    request: Request,
    next: Next,
) -> Response {
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {}", fake.secret_key));
    let key = idempotency_key(request.headers());
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&bytes).into_owned().collect();
    let scripted = {
        let mut state = fake.state();
        state.requests.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            idempotency_key: key.clone(),
            form,
        });
        if state.down {
            Some(503)
        } else {
            state.failures.pop_front()
        }
    };
    if !authorized {
        return error(401, "Invalid API Key provided");
    }
    if let Some(status) = scripted {
        return error(status, "Scripted failure");
    }
    let replay_key = key.map(|k| format!("{method} {path} {k}"));
    if let Some(replay_key) = &replay_key
        && let Some((status, body)) = fake.state().replays.get(replay_key).cloned()
    {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        return (status, Json(body)).into_response();
    }
    let response = next
        .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await;
    let Some(replay_key) = replay_key else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
        fake.state()
            .replays
            .insert(replay_key, (parts.status.as_u16(), value));
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(super) async fn create_customer(
    State(fake): State<FakeStripe>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let mut state = fake.state();
    let id = state.next_id("cus");
    let customer = json!({
        "id": id, "object": "customer", "name": field(&form, "name"),
        "email": field(&form, "email"), "phone": field(&form, "phone"),
        "metadata": { "businessId": field(&form, "metadata[businessId]") },
    });
    state.customers.insert(id, customer.clone());
    Json(customer).into_response()
}

pub(super) async fn create_session(
    State(fake): State<FakeStripe>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (Some(customer), Some(price), Some(success_url)) = (
        field(&form, "customer"),
        field(&form, "line_items[0][price]"),
        field(&form, "success_url"),
    ) else {
        return error(
            400,
            "customer, line_items[0][price] and success_url are required",
        );
    };
    if field(&form, "mode") != Some("subscription") {
        return error(400, "mode must be subscription");
    }
    let (session, instant) = {
        let mut state = fake.state();
        if !state.customers.contains_key(customer) {
            return error(400, "No such customer");
        }
        let id = state.next_id("cs_test");
        let session = FakeSession {
            id: id.clone(),
            customer: customer.to_owned(),
            price: price.to_owned(),
            client_reference_id: field(&form, "client_reference_id").map(str::to_owned),
            business_id: field(&form, "subscription_data[metadata][businessId]").map(str::to_owned),
            success_url: success_url.to_owned(),
            subscription: None,
        };
        state.sessions.insert(id, session.clone());
        (session, state.instant)
    };
    let url = if instant {
        fake.complete_and_announce(&session.id).await;
        success_url_of(&session)
    } else {
        format!("{}/checkout/{}", fake.base(), session.id)
    };
    let session = fake.state().sessions[&session.id].clone();
    Json(session_json(&session, &url)).into_response()
}

fn success_url_of(session: &FakeSession) -> String {
    session
        .success_url
        .replace("{CHECKOUT_SESSION_ID}", &session.id)
}

pub(super) async fn retrieve_session(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
) -> Response {
    let Some(session) = fake.state().sessions.get(&id).cloned() else {
        return error(404, "No such checkout.session");
    };
    let url = format!("{}/checkout/{}", fake.base(), session.id);
    Json(session_json(&session, &url)).into_response()
}

pub(super) async fn create_portal(
    State(fake): State<FakeStripe>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let Some(customer) = field(&form, "customer") else {
        return error(400, "customer is required");
    };
    let mut state = fake.state();
    if !state.customers.contains_key(customer) {
        return error(400, "No such customer");
    }
    let id = state.next_id("bps");
    let return_url = field(&form, "return_url").unwrap_or_default().to_owned();
    state
        .portal_sessions
        .push((customer.to_owned(), return_url.clone()));
    let url = format!("{}/portal/{id}", fake.base());
    Json(json!({ "id": id, "object": "billing_portal.session", "customer": customer, "return_url": return_url, "url": url }))
        .into_response()
}

pub(super) async fn retrieve_subscription(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
) -> Response {
    match fake.subscription_json(&id) {
        Some(subscription) => Json(subscription).into_response(),
        None => error(404, "No such subscription"),
    }
}

pub(super) async fn cancel_subscription(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
) -> Response {
    fake.set_status(&id, "canceled");
    retrieve_subscription(State(fake), Path(id)).await
}

/// A stand-in for Stripe's hosted Checkout page: one button that pays.
pub(super) async fn checkout_page(Path(id): Path<String>) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>Fake Stripe Checkout</title></head><body>\
         <h1>Fake Stripe Checkout</h1><form method=\"post\" action=\"/checkout/{id}/pay\">\
         <button type=\"submit\">Pay</button></form></body></html>"
    ))
}

pub(super) async fn pay(State(fake): State<FakeStripe>, Path(id): Path<String>) -> Response {
    let Some(session) = fake.state().sessions.get(&id).cloned() else {
        return error(404, "No such checkout.session");
    };
    fake.complete_and_announce(&id).await;
    Redirect::to(&success_url_of(&session)).into_response()
}

pub(super) async fn portal_page(Path(id): Path<String>) -> Html<String> {
    // The id comes from the address bar: escaped, so a crafted link cannot run script here.
    let id = crate::server::http::error_page::escape(&id);
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>Fake billing portal</title></head>\
         <body><h1>Fake billing portal</h1><p>{id}</p></body></html>"
    ))
}
