//! The state machine applied to a lead (conversation.md §5, §7): the answer is stored, the
//! state moves, the reply is queued, owner alerts fire once per lead, and the stall nudge is
//! (re)scheduled.

use sqlx::PgConnection;

use super::{Inbound, lead_row::ConversationLead, nudge, owner_side::to_caller};
use crate::{
    domain::{
        lead_conversation::{
            Answer, Business, ConversationState, MAX_INVALID_ATTEMPTS, SoFar, Step, Turn, take_turn,
        },
        outbound_events::ChangedBy,
        owner_texts,
    },
    server::{
        leads::store as leads,
        outbound_webhooks::events::{self as outbound_events, LeadEvent},
    },
};

pub async fn answer(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    lead: &ConversationLead,
    step: Step,
) -> Result<&'static str, sqlx::Error> {
    let labels = cx.business.labels();
    let business = Business {
        name: &cx.business.name,
        labels: &labels,
    };
    let answered = lead.answered_steps();
    let so_far = SoFar {
        invalid_attempts: lead.invalid_attempts,
        answered: &answered,
        name: lead.contact_name.as_deref(),
    };
    let turn = take_turn(step, &cx.text.body, cx.text.media_count, &so_far, &business);
    let reply_key = format!("lead:{}:reply:{}", lead.id, cx.text.message_sid);
    match turn {
        Turn::MediaOnly => Ok("media_stored"),
        Turn::Answered {
            answer,
            volunteered,
            next,
            reply,
        } => {
            let answers: Vec<Answer> = std::iter::once(answer).chain(volunteered).collect();
            store_answers(conn, cx, lead, &answers, next).await?;
            let events = answer_events(lead, &answers, next);
            if !events.is_empty() {
                outbound_events::lead_events(conn, cx.occasion(), lead.id, &events).await?;
            }
            let kind = if next == ConversationState::Completed {
                "completion"
            } else {
                "prompt"
            };
            to_caller(conn, cx, lead, kind, reply_key, reply).await?;
            let lead = answers
                .iter()
                .fold(lead.clone(), |lead, answer| lead.with_answer(answer));
            alerts_after(conn, cx, &lead, &answers, next).await?;
            if matches!(next, ConversationState::Awaiting(_)) {
                nudge::schedule(conn, lead.id, cx.business, cx.now).await?;
            } else {
                leads::cancel_pending_nudge(conn, lead.id, cx.now).await?;
            }
            Ok(match next {
                ConversationState::Completed => "conversation_completed",
                _ => "answer_accepted",
            })
        }
        Turn::Refused { attempts, reply } => {
            sqlx::query(
                "UPDATE leads SET invalid_attempts = $2, billing_required = false,
                     billing_block_reason = NULL, updated_at = $3
                 WHERE id = $1",
            )
            .bind(lead.id)
            .bind(attempts)
            .bind(cx.now)
            .execute(&mut *conn)
            .await?;
            to_caller(conn, cx, lead, "reprompt", reply_key, reply).await?;
            nudge::schedule(conn, lead.id, cx.business, cx.now).await?;
            Ok("answer_refused")
        }
        Turn::HandOff { reply } => {
            sqlx::query(
                "UPDATE leads SET invalid_attempts = $2, automation_paused = true,
                     automation_pause_reason = 'invalid_input', billing_required = false,
                     billing_block_reason = NULL, updated_at = $3
                 WHERE id = $1",
            )
            .bind(lead.id)
            .bind(MAX_INVALID_ATTEMPTS)
            .bind(cx.now)
            .execute(&mut *conn)
            .await?;
            leads::cancel_pending_nudge(conn, lead.id, cx.now).await?;
            to_caller(conn, cx, lead, "handoff", reply_key, reply).await?;
            if claim(conn, lead.id, "handoff_notified_at", cx).await? {
                let body = owner_texts::handoff(
                    &cx.business.name,
                    cx.from,
                    lead.known_fields(),
                    &cx.text.body,
                    &cx.lead_link(lead.id),
                );
                let key = format!("lead:{}:owner_handoff", lead.id);
                cx.owner_alert(conn, lead, key, body).await?;
            }
            Ok("handed_off")
        }
    }
}

/// What accepted answers tell webhook subscribers: the ZIP answer qualifies a `NEW` lead
/// (the status changes by itself), the last answer completes the conversation.
fn answer_events(
    lead: &ConversationLead,
    answers: &[Answer],
    next: ConversationState,
) -> Vec<LeadEvent> {
    let mut events = Vec::new();
    if answers.iter().any(|a| matches!(a, Answer::Postal(_))) && lead.status == "NEW" {
        events.push(LeadEvent::StatusChanged {
            previous: lead.status.clone(),
            changed_by: ChangedBy::System,
        });
        events.push(LeadEvent::Qualified);
    }
    if next == ConversationState::Completed {
        events.push(LeadEvent::Completed);
    }
    events
}

/// The step's answer and those given early, in one write.
async fn store_answers(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    lead: &ConversationLead,
    answers: &[Answer],
    next: ConversationState,
) -> Result<(), sqlx::Error> {
    let (mut service, mut service_raw, mut urgency, mut postal, mut country, mut best_time) =
        (None, None, None, None, None, None);
    let (mut name_given, mut name) = (false, None);
    for answer in answers {
        match answer {
            Answer::Service { service: s, raw } => {
                service = Some(s.as_str());
                service_raw = Some(raw.as_str());
            }
            Answer::Urgency(value) => urgency = Some(value.as_str()),
            Answer::Postal(code) => {
                postal = Some(code.code.as_str());
                country = Some(code.country);
            }
            Answer::BestTime(value) => best_time = Some(value.as_str()),
            Answer::Name(value) => {
                name_given = true;
                name = value.as_deref();
            }
        }
    }
    let qualifies = postal.is_some();
    sqlx::query(
        "UPDATE leads SET conversation_state = $2, invalid_attempts = 0,
             billing_required = false, billing_block_reason = NULL,
             service = COALESCE($3, service), service_raw = COALESCE($4, service_raw),
             urgency = COALESCE($5, urgency),
             postal_code = COALESCE($6, postal_code), postal_country = COALESCE($7, postal_country),
             best_time = COALESCE($8, best_time),
             contact_name = CASE WHEN $9 THEN $10 ELSE contact_name END,
             status_changed_at = CASE WHEN $11 AND status = 'NEW' THEN $12 ELSE status_changed_at END,
             status = CASE WHEN $11 AND status = 'NEW' THEN 'QUALIFIED' ELSE status END,
             qualified_at = CASE WHEN $11 THEN COALESCE(qualified_at, $12) ELSE qualified_at END,
             conversation_completed_at = CASE WHEN $2 = 'COMPLETED' THEN $12
                                              ELSE conversation_completed_at END,
             updated_at = $12
         WHERE id = $1",
    )
    .bind(lead.id)
    .bind(next.as_str())
    .bind(service)
    .bind(service_raw)
    .bind(urgency)
    .bind(postal)
    .bind(country)
    .bind(best_time)
    .bind(name_given)
    .bind(name)
    .bind(qualifies)
    .bind(cx.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The owner alerts a turn triggers, each at most once per lead (§6.3, §7): an emergency, the
/// summary when the ZIP arrives, the completion when no question is left. One text that
/// answers several questions can trigger several, in that order.
async fn alerts_after(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    lead: &ConversationLead,
    answers: &[Answer],
    next: ConversationState,
) -> Result<(), sqlx::Error> {
    let link = cx.lead_link(lead.id);
    let name = &cx.business.name;
    let mut alerts = Vec::new();
    if answers.iter().any(Answer::is_emergency) && cx.business.emergency_alert_enabled {
        alerts.push((
            "emergency_alerted_at",
            "owner_emergency",
            owner_texts::emergency(name, cx.from, lead.service.as_deref(), &link),
        ));
    }
    if answers.iter().any(|a| matches!(a, Answer::Postal(_))) {
        let label: String = sqlx::query_scalar("SELECT label FROM phone_numbers WHERE id = $1")
            .bind(lead.phone_number_id)
            .fetch_one(&mut *conn)
            .await?;
        alerts.push((
            "owner_notified_at",
            "owner_summary",
            owner_texts::summary(name, cx.from, &label, lead.known_fields(), &link),
        ));
    }
    if next == ConversationState::Completed {
        alerts.push((
            "completion_notified_at",
            "owner_complete",
            owner_texts::completion_update(
                name,
                cx.from,
                lead.contact_name.as_deref(),
                lead.best_time.as_deref(),
                &link,
            ),
        ));
    }
    for (column, key, body) in alerts {
        if claim(conn, lead.id, column, cx).await? {
            cx.owner_alert(conn, lead, format!("lead:{}:{key}", lead.id), body)
                .await?;
        }
    }
    Ok(())
}

/// `UPDATE … SET <column> = now WHERE <column> IS NULL`: true for the one caller that set it.
async fn claim(
    conn: &mut PgConnection,
    lead_id: uuid::Uuid,
    column: &'static str,
    cx: &Inbound<'_>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(&format!(
        "UPDATE leads SET {column} = $2, updated_at = $2 WHERE id = $1 AND {column} IS NULL"
    ))
    .bind(lead_id)
    .bind(cx.now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}
