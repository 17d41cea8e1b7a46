//! A stateful fake of the parts of Twilio's REST API the product uses (quality.md §3):
//! available numbers, owned numbers and their webhook URLs, release, the Messaging Service,
//! Basic auth, and scripted failures.

use std::{
    collections::{BTreeMap, BTreeSet, HashSet, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    Form, Json, Router,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::Engine as _;
use serde_json::{Value, json};

pub use super::twilio_delivery::StatusCallbacks;

/// One owned number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FakeNumber {
    pub sid: String,
    pub phone_number: String,
    pub friendly_name: String,
    pub voice_url: String,
    pub sms_url: String,
    pub status_callback: String,
}

/// A text the fake accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeMessage {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    pub status_callback: String,
    pub status: String,
    /// `outbound-api` for texts sent through the API, `inbound` for ones a test logs.
    pub direction: String,
    pub date_created: chrono::DateTime<chrono::Utc>,
}

/// A request as the fake saw it, for assertions.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
}

#[derive(Debug, Default)]
pub struct FakeTwilioState {
    pub numbers: BTreeMap<String, FakeNumber>,
    pub messaging_service: BTreeSet<String>,
    /// Recording SIDs that exist (deleting others answers 404).
    pub recordings: BTreeSet<String>,
    /// Audio served for `GET …/Recordings/<sid>.mp3`.
    pub recording_audio: BTreeMap<String, Vec<u8>>,
    /// Buying one of these fails with 21422 (taken meanwhile).
    pub unavailable: HashSet<String>,
    /// What a search offers; generated from the area code when `None`.
    pub offered: Option<Vec<String>>,
    /// The next requests fail with these `(status, Twilio code)` answers, in order.
    pub failures: VecDeque<(u16, i64)>,
    /// Texts sent through the API (and inbound ones a test logs), oldest first.
    pub messages: Vec<FakeMessage>,
    /// The call log (`GET …/Calls.json`).
    pub calls: Vec<super::twilio_calls::FakeCall>,
    /// The next this-many texts are created but their answer breaks off mid-body, like a
    /// connection lost after Twilio accepted the request.
    pub lose_create_answers: usize,
    /// The fake's "now" for `date_created`; the system time when unset.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    pub requests: Vec<Recorded>,
    /// When set, each accepted text's `StatusCallback` is posted (demo mode).
    pub status_callbacks: Option<StatusCallbacks>,
    /// Every answer is held this long first (a slow or stalled Twilio).
    pub stall: Option<std::time::Duration>,
    serial: u64,
}

#[derive(Clone)]
pub struct FakeTwilio {
    state: Arc<Mutex<FakeTwilioState>>,
    account_sid: String,
    auth_token: String,
}

impl FakeTwilio {
    pub fn new(account_sid: &str, auth_token: &str) -> Self {
        Self {
            state: Arc::default(),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
        }
    }

    pub fn account_sid(&self) -> &str {
        &self.account_sid
    }

    pub fn state(&self) -> MutexGuard<'_, FakeTwilioState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn router(&self) -> Router {
        let account = "/2010-04-01/Accounts/{account}";
        Router::new()
            .route(
                &format!("{account}/AvailablePhoneNumbers/{{country}}/Local.json"),
                get(available),
            )
            .route(
                &format!("{account}/IncomingPhoneNumbers.json"),
                post(buy).get(list_numbers),
            )
            .route(
                // axum cannot match `{sid}.json`: the handlers take the file name and drop `.json`.
                &format!("{account}/IncomingPhoneNumbers/{{file}}"),
                post(update).get(fetch_number).delete(release),
            )
            .route(
                &format!("{account}/Recordings/{{file}}"),
                axum::routing::delete(delete_recording).get(super::twilio_media::recording),
            )
            .route(
                &format!("{account}/Calls.json"),
                get(super::twilio_calls::list_calls),
            )
            .route(
                &format!("{account}/Messages.json"),
                post(create_message).get(list_messages),
            )
            .route("/v1/Services/{service}/PhoneNumbers", post(add_to_service))
            .layer(middleware::from_fn_with_state(self.clone(), gatekeeper))
            .with_state(self.clone())
    }

    /// Serves on a free loopback port; returns the base URL.
    pub async fn spawn(&self) -> String {
        super::serve_on_loopback(self.router()).await
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let expected = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.account_sid, self.auth_token));
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Basic {expected}"))
    }
}

fn error(status: u16, code: i64, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(json!({"code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status.as_u16()})))
        .into_response()
}

/// Records every request, checks Basic auth, and plays scripted failures.
async fn gatekeeper(State(fake): State<FakeTwilio>, request: Request, next: Next) -> Response {
    let recorded = Recorded {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().unwrap_or_default().to_owned(),
    };
    let (scripted, stall) = {
        let mut state = fake.state();
        state.requests.push(recorded);
        (state.failures.pop_front(), state.stall)
    };
    if let Some(stall) = stall {
        tokio::time::sleep(stall).await;
    }
    if !fake.authorized(request.headers()) {
        return error(401, 20003, "Authenticate");
    }
    if let Some((status, code)) = scripted {
        return error(status, code, "Scripted failure");
    }
    next.run(request).await
}

fn number_json(number: &FakeNumber) -> Value {
    json!({
        "sid": number.sid,
        "phone_number": number.phone_number,
        "friendly_name": number.friendly_name,
        "voice_url": number.voice_url,
        "sms_url": number.sms_url,
        "status_callback": number.status_callback,
    })
}

async fn available(
    State(fake): State<FakeTwilio>,
    Path((_, country)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let mut state = fake.state();
    let offered = state.offered.clone().unwrap_or_else(|| {
        let area = query.get("AreaCode").cloned().unwrap_or_else(|| {
            if country == "CA" {
                "416".into()
            } else {
                "512".into()
            }
        });
        let start = state.serial;
        state.serial += 5;
        (0..5)
            .map(|n| format!("+1{area}555{:04}", 1000 + (start + n) % 9000))
            .collect()
    });
    let numbers: Vec<Value> = offered
        .iter()
        .filter(|phone| !state.numbers.values().any(|n| &&n.phone_number == phone))
        .map(|phone| json!({"phone_number": phone, "friendly_name": phone, "iso_country": country}))
        .collect();
    Json(json!({"available_phone_numbers": numbers})).into_response()
}

async fn buy(
    State(fake): State<FakeTwilio>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let mut state = fake.state();
    let Some(phone) = form.get("PhoneNumber").cloned() else {
        return error(400, 21421, "PhoneNumber is required");
    };
    if state.unavailable.contains(&phone) || state.numbers.values().any(|n| n.phone_number == phone)
    {
        return error(400, 21422, "PhoneNumber is not available");
    }
    state.serial += 1;
    let number = FakeNumber {
        sid: format!("PN{:032x}", state.serial),
        phone_number: phone,
        friendly_name: form.get("FriendlyName").cloned().unwrap_or_default(),
        voice_url: form.get("VoiceUrl").cloned().unwrap_or_default(),
        sms_url: form.get("SmsUrl").cloned().unwrap_or_default(),
        status_callback: form.get("StatusCallback").cloned().unwrap_or_default(),
    };
    let body = number_json(&number);
    state.numbers.insert(number.sid.clone(), number);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn list_numbers(
    State(fake): State<FakeTwilio>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let state = fake.state();
    let numbers: Vec<Value> = state
        .numbers
        .values()
        .filter(|n| {
            query
                .get("PhoneNumber")
                .is_none_or(|p| p == &n.phone_number)
        })
        .map(number_json)
        .collect();
    Json(json!({"incoming_phone_numbers": numbers})).into_response()
}

/// `PN….json` → `PN…`.
fn sid_of(file: &str) -> &str {
    file.strip_suffix(".json").unwrap_or(file)
}

async fn fetch_number(
    State(fake): State<FakeTwilio>,
    Path((_, file)): Path<(String, String)>,
) -> Response {
    match fake.state().numbers.get(sid_of(&file)) {
        Some(number) => Json(number_json(number)).into_response(),
        None => error(404, 20404, "The requested resource was not found"),
    }
}

async fn update(
    State(fake): State<FakeTwilio>,
    Path((_, file)): Path<(String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let mut state = fake.state();
    let Some(number) = state.numbers.get_mut(sid_of(&file)) else {
        return error(404, 20404, "The requested resource was not found");
    };
    if let Some(url) = form.get("VoiceUrl") {
        number.voice_url = url.clone();
    }
    if let Some(url) = form.get("SmsUrl") {
        number.sms_url = url.clone();
    }
    if let Some(url) = form.get("StatusCallback") {
        number.status_callback = url.clone();
    }
    Json(number_json(number)).into_response()
}

async fn release(
    State(fake): State<FakeTwilio>,
    Path((_, file)): Path<(String, String)>,
) -> Response {
    let mut state = fake.state();
    let sid = sid_of(&file).to_owned();
    match state.numbers.remove(&sid) {
        Some(_) => {
            state.messaging_service.remove(&sid);
            StatusCode::NO_CONTENT.into_response()
        }
        None => error(404, 20404, "The requested resource was not found"),
    }
}

async fn delete_recording(
    State(fake): State<FakeTwilio>,
    Path((_, file)): Path<(String, String)>,
) -> Response {
    if fake.state().recordings.remove(sid_of(&file)) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(404, 20404, "The requested resource was not found")
    }
}

async fn add_to_service(
    State(fake): State<FakeTwilio>,
    Path(_service): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let mut state = fake.state();
    let Some(sid) = form.get("PhoneNumberSid").cloned() else {
        return error(400, 20001, "PhoneNumberSid is required");
    };
    if !state.messaging_service.insert(sid.clone()) {
        return error(
            409,
            21710,
            "Phone Number or Short Code is already in the Messaging Service",
        );
    }
    (StatusCode::CREATED, Json(json!({"sid": sid}))).into_response()
}

fn message_json(message: &FakeMessage) -> Value {
    json!({
        "sid": message.sid,
        "to": message.to,
        "from": message.from,
        "body": message.body,
        "status": message.status,
        "direction": message.direction,
        "num_media": "0",
        "date_created": message.date_created.to_rfc2822(),
        "error_code": null,
    })
}

async fn create_message(
    State(fake): State<FakeTwilio>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let mut state = fake.state();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let (to, from, body) = (field("To"), field("From"), field("Body"));
    if to.is_empty() || from.is_empty() {
        return error(400, 21604, "A 'To' and a 'From' phone number are required");
    }
    if body.is_empty() {
        return error(400, 21602, "Message body is required");
    }
    // Random, as Twilio's are: a serial would collide with the SIDs a test or a load generator
    // gives its inbound texts (`SM0…01`), and the unique SID would then refuse the send's record.
    let message = FakeMessage {
        sid: format!("SM{}", uuid::Uuid::new_v4().simple()),
        to,
        from,
        body,
        status_callback: field("StatusCallback"),
        status: "queued".into(),
        direction: "outbound-api".into(),
        date_created: state.now.unwrap_or_else(chrono::Utc::now),
    };
    let answer = message_json(&message);
    if let Some(callbacks) = state.status_callbacks.clone()
        && !message.status_callback.is_empty()
    {
        tokio::spawn(super::twilio_delivery::report_delivery(
            fake.clone(),
            callbacks,
            message.clone(),
        ));
    }
    state.messages.push(message);
    if state.lose_create_answers > 0 {
        state.lose_create_answers -= 1;
        // Headers go out, then the body fails: the client cannot tell whether it was created.
        let broken = futures::stream::once(async {
            Err::<bytes::Bytes, std::io::Error>(std::io::Error::other("connection lost"))
        });
        return (StatusCode::CREATED, axum::body::Body::from_stream(broken)).into_response();
    }
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// Newest first, filtered by `To` and `From`, at most `PageSize`.
async fn list_messages(
    State(fake): State<FakeTwilio>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let state = fake.state();
    let page_size = query
        .get("PageSize")
        .and_then(|size| size.parse().ok())
        .unwrap_or(50usize);
    let messages: Vec<Value> = state
        .messages
        .iter()
        .rev()
        .filter(|m| query.get("To").is_none_or(|to| to == &m.to))
        .filter(|m| query.get("From").is_none_or(|from| from == &m.from))
        .take(page_size)
        .map(message_json)
        .collect();
    Json(json!({"messages": messages})).into_response()
}
