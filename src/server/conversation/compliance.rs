//! Compliance keywords (conversation.md §3.2): consent changes and the one confirmation per
//! keyword message, sent from the number that received it whatever the subscription or quota.

use sqlx::PgConnection;

use super::Inbound;
use crate::{
    domain::{
        conversation_texts,
        sms_keywords::{Keyword, KeywordGroup},
    },
    server::{
        messaging::consent,
        outbox::{self, OutboundText},
    },
};

/// Applies the keyword and queues its confirmation. Returns the webhook decision.
pub async fn apply(
    conn: &mut PgConnection,
    cx: &Inbound<'_>,
    keyword: &Keyword,
) -> Result<&'static str, sqlx::Error> {
    let (business, sid, now) = (&cx.business, cx.text.message_sid.as_str(), cx.now);
    let (decision, body) = match keyword.group {
        KeywordGroup::OptOut => {
            consent::opt_out(conn, business.id, cx.from, &keyword.word, Some(sid), now).await?;
            (
                "keyword_opt_out",
                conversation_texts::stop_confirmation(&business.name),
            )
        }
        KeywordGroup::OptIn => {
            consent::opt_in(conn, business.id, cx.from, &keyword.word, sid, now).await?;
            (
                "keyword_opt_in",
                conversation_texts::start_confirmation(&business.name),
            )
        }
        KeywordGroup::Help => (
            "keyword_help",
            conversation_texts::help_reply(&business.name, &cx.number.e164),
        ),
    };
    let confirmation = OutboundText {
        business_id: business.id,
        lead_id: None,
        phone_number_id: Some(cx.number.id),
        from_e164: Some(&cx.number.e164),
        to_e164: cx.from,
        participant: "system",
        kind: "compliance",
        body,
        idempotency_key: format!("compliance:{sid}"),
        correlation_id: cx.text.correlation_id.as_deref(),
    };
    outbox::queue_text(conn, &confirmation, now).await?;
    Ok(decision)
}
