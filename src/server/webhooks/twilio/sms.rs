//! `POST /api/twilio/sms` (twilio.md §8): the inbound text is stored and run through the
//! conversation pipeline in one transaction; the answer is always an empty `<Response/>`
//! because every reply goes out through the outbox.

use axum::{
    extract::{Request, State},
    response::Response,
};

use super::{
    message_status::missing_either,
    pipeline::{self, Accepted, Route},
    reply::{self, Decided},
};
use crate::{
    domain::twiml,
    server::{
        conversation::{self, InboundText},
        failpoint::{self, Failpoint},
        phone::{Source, normalize},
        state::AppState,
    },
};

/// Twilio sends at most 10 media items; more would be a malformed request.
const MAX_MEDIA: usize = 10;

pub async fn sms(State(state): State<AppState>, request: Request) -> Response {
    let request = match pipeline::accept(&state, Route::Sms, request).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    if let Some(response) = missing_either(&state, &request, &[("MessageSid", "SmsSid")]) {
        return response;
    }
    if let Some(response) = request.missing_required(&state.metrics, &["From", "To"]) {
        return response;
    }
    let text = inbound_text(&request);
    let mut decided = Decided::new(Route::Sms, "inbound", "unknown_number");
    decided.sid = Some(text.message_sid.clone());
    if text.to.is_empty() {
        decided.log(&state.metrics, request.started);
        return reply::twiml(twiml::empty());
    }
    let handled = async {
        let mut tx = state.pool.begin().await?;
        let handled = conversation::handle(&mut tx, &state, &text, state.clock.now()).await?;
        tx.commit().await?;
        failpoint::hit(Failpoint::AfterWebhookCommit);
        Ok::<_, sqlx::Error>(handled)
    }
    .await;
    match handled {
        Ok(handled) => {
            decided.decision = handled.decision;
            decided.business_id = handled.business_id;
            decided.lead_id = handled.lead_id;
            decided.log(&state.metrics, request.started);
            reply::twiml(twiml::empty())
        }
        Err(err) => {
            tracing::error!(event = "app.error", source = "twilio", kind = "sms_db", error = %err, "inbound text not recorded");
            decided.decision = "retry_503";
            decided.log(&state.metrics, request.started);
            reply::not_recorded(&state, Route::Sms)
        }
    }
}

fn inbound_text(request: &Accepted) -> InboundText {
    let form = &request.form;
    let message_sid = form
        .non_blank("MessageSid")
        .or_else(|| form.non_blank("SmsSid"))
        .unwrap_or_default()
        .to_owned();
    let from_raw = form.get("From").unwrap_or_default().trim().to_owned();
    let from = normalize(&from_raw, Source::Twilio)
        .e164()
        .map(str::to_owned);
    let media: Vec<(String, String)> = (0..MAX_MEDIA)
        .filter_map(|n| {
            let url = form.non_blank(&format!("MediaUrl{n}"))?;
            let content_type = form
                .get(&format!("MediaContentType{n}"))
                .unwrap_or_default();
            Some((url.to_owned(), content_type.to_owned()))
        })
        .collect();
    let declared = form
        .get("NumMedia")
        .and_then(|n| n.trim().parse::<i32>().ok())
        .unwrap_or(0)
        .clamp(0, MAX_MEDIA as i32);
    InboundText {
        message_sid,
        from,
        from_raw,
        to: request.to.clone().unwrap_or_default(),
        body: form.get("Body").unwrap_or_default().to_owned(),
        media_count: declared.max(media.len() as i32),
        media,
        raw_payload: form.to_json(),
        correlation_id: Some(request.correlation_id.clone()).filter(|id| !id.is_empty()),
    }
}
