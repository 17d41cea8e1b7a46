//! conversation.md §11 through the real router and Postgres: every inbound text posted as
//! Twilio signs it, then the rows and queued texts inspected. Test names carry the case ids.

use chrono::Duration;
use sqlx::PgPool;

use crate::{
    sms_support::{
        hooks_with_fake, lead_at, lead_field, outbound, outbound_count, text, text_to, texts_to,
    },
    webhook_support::{
        CALLER, FORWARD_TO, NOTIFY, TRACKING, active_line, add_number, count, hooks, line_with,
        run_jobs,
    },
};

const URGENCY_PROMPT: &str =
    "Got it. How urgent is it? Reply 1 Emergency, 2 Today, 3 This week, 4 Quote.";
const ZIP_PROMPT: &str = "Thanks. What is the ZIP code (or postal code) for the job?";
const BEST_TIME_PROMPT: &str =
    "When is the best time to reach you? Reply 1 Morning, 2 Afternoon, 3 Evening, 4 Anytime.";
const NAME_PROMPT: &str = "Last question: what is your name? Reply SKIP to skip.";

async fn reset(pool: &PgPool) {
    sqlx::query("DELETE FROM messages")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM leads")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM sms_consent")
        .execute(pool)
        .await
        .unwrap();
}

/// The newest text queued to the caller.
async fn last_reply(pool: &PgPool) -> Option<String> {
    texts_to(pool, CALLER).await.pop()
}

/// (id, state, input, stored column, stored value, next state, reply)
type StepCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

#[sqlx::test]
async fn c1_to_c34_each_step_through_the_router(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let cases: &[StepCase] = &[
        (
            "C1",
            "AWAITING_SERVICE",
            " 2 ",
            "service",
            Some("Install"),
            "AWAITING_URGENCY",
            URGENCY_PROMPT,
        ),
        (
            "C2",
            "AWAITING_SERVICE",
            "AC not cooling",
            "service_raw",
            Some("AC not cooling"),
            "AWAITING_URGENCY",
            URGENCY_PROMPT,
        ),
        (
            "C3",
            "AWAITING_SERVICE",
            "2.",
            "service",
            Some("Install"),
            "AWAITING_URGENCY",
            URGENCY_PROMPT,
        ),
        (
            "C5",
            "AWAITING_SERVICE",
            "x",
            "invalid_attempts",
            Some("1"),
            "AWAITING_SERVICE",
            "Sorry, I did not get that. Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job.",
        ),
        (
            "C7",
            "AWAITING_SERVICE",
            "Help with my furnace",
            "service",
            Some("Help with my furnace"),
            "AWAITING_URGENCY",
            URGENCY_PROMPT,
        ),
        (
            "C8",
            "AWAITING_SERVICE",
            "Stop by tomorrow to fix the sink",
            "service",
            Some("Stop by tomorrow to fix the sink"),
            "AWAITING_URGENCY",
            URGENCY_PROMPT,
        ),
        (
            "C9",
            "AWAITING_URGENCY",
            "ASAP",
            "urgency",
            Some("Today"),
            "AWAITING_ZIP",
            ZIP_PROMPT,
        ),
        (
            "C10",
            "AWAITING_URGENCY",
            "This Week!",
            "urgency",
            Some("This week"),
            "AWAITING_ZIP",
            ZIP_PROMPT,
        ),
        (
            "C11",
            "AWAITING_URGENCY",
            "estimate",
            "urgency",
            Some("Quote"),
            "AWAITING_ZIP",
            ZIP_PROMPT,
        ),
        (
            "C14",
            "AWAITING_URGENCY",
            "next week",
            "invalid_attempts",
            Some("1"),
            "AWAITING_URGENCY",
            "Got it: next week. Which is closest? Reply 1 Emergency, 2 Today, 3 This week, or 4 Quote.",
        ),
        (
            "C14b: words people text",
            "AWAITING_URGENCY",
            "tomorrow works",
            "urgency",
            Some("This week"),
            "AWAITING_ZIP",
            ZIP_PROMPT,
        ),
        (
            "C15",
            "AWAITING_URGENCY",
            "yes",
            "invalid_attempts",
            Some("1"),
            "AWAITING_URGENCY",
            "Sorry, please reply 1 Emergency, 2 Today, 3 This week, or 4 Quote.",
        ),
        (
            "C17",
            "AWAITING_ZIP",
            "78704-1234",
            "postal_code",
            Some("78704-1234"),
            "AWAITING_BEST_TIME",
            BEST_TIME_PROMPT,
        ),
        (
            "C18",
            "AWAITING_ZIP",
            "787041234",
            "postal_code",
            Some("78704-1234"),
            "AWAITING_BEST_TIME",
            BEST_TIME_PROMPT,
        ),
        (
            "C19",
            "AWAITING_ZIP",
            "k1a 0b1",
            "postal_code",
            Some("K1A 0B1"),
            "AWAITING_BEST_TIME",
            BEST_TIME_PROMPT,
        ),
        (
            "C20",
            "AWAITING_ZIP",
            "K1A0B1",
            "postal_country",
            Some("CA"),
            "AWAITING_BEST_TIME",
            BEST_TIME_PROMPT,
        ),
        (
            "C21",
            "AWAITING_ZIP",
            "my zip is 78704.",
            "postal_code",
            Some("78704"),
            "AWAITING_BEST_TIME",
            BEST_TIME_PROMPT,
        ),
        (
            "C22",
            "AWAITING_ZIP",
            "NOPE",
            "invalid_attempts",
            Some("1"),
            "AWAITING_ZIP",
            "Sorry, please reply with the 5-digit ZIP code (or postal code) of the job.",
        ),
        (
            "C23",
            "AWAITING_ZIP",
            "12",
            "invalid_attempts",
            Some("1"),
            "AWAITING_ZIP",
            "Sorry, please reply with the 5-digit ZIP code (or postal code) of the job.",
        ),
        (
            "C24",
            "AWAITING_ZIP",
            "78704 or 78745",
            "invalid_attempts",
            Some("1"),
            "AWAITING_ZIP",
            "Sorry, please reply with the 5-digit ZIP code (or postal code) of the job.",
        ),
        (
            "C25",
            "AWAITING_ZIP",
            "D1A 0B1",
            "invalid_attempts",
            Some("1"),
            "AWAITING_ZIP",
            "Sorry, please reply with the 5-digit ZIP code (or postal code) of the job.",
        ),
        (
            "C28",
            "AWAITING_BEST_TIME",
            "PM",
            "best_time",
            Some("Afternoon"),
            "AWAITING_NAME",
            NAME_PROMPT,
        ),
        (
            "C29",
            "AWAITING_BEST_TIME",
            "3",
            "best_time",
            Some("Evening"),
            "AWAITING_NAME",
            NAME_PROMPT,
        ),
        (
            "C30",
            "AWAITING_BEST_TIME",
            "anytime",
            "best_time",
            Some("Anytime"),
            "AWAITING_NAME",
            NAME_PROMPT,
        ),
        (
            "C31",
            "AWAITING_BEST_TIME",
            "after 5",
            "best_time",
            Some("Evening"),
            "AWAITING_NAME",
            NAME_PROMPT,
        ),
        (
            "C31b: two parts of the day are asked about",
            "AWAITING_BEST_TIME",
            "at 8",
            "invalid_attempts",
            Some("1"),
            "AWAITING_BEST_TIME",
            "Just to check: did you mean Morning or Evening? Reply 1 for Morning or 3 for Evening.",
        ),
        (
            "C32",
            "AWAITING_NAME",
            "N/A",
            "contact_name",
            None,
            "COMPLETED",
            "Thanks! Acme Plumbing has your request and will reach out soon.",
        ),
        (
            "C33",
            "AWAITING_NAME",
            "Pat Morgan",
            "contact_name",
            Some("Pat Morgan"),
            "COMPLETED",
            "Thanks, Pat Morgan! Acme Plumbing has your request and will reach out soon.",
        ),
        (
            "C34",
            "AWAITING_NAME",
            // 81 characters.
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "invalid_attempts",
            Some("1"),
            "AWAITING_NAME",
            "Please reply with just your name (80 characters max), or SKIP.",
        ),
        (
            "C58",
            "AWAITING_ZIP",
            "my zip is 78704 1234",
            "postal_code",
            Some("78704-1234"),
            "AWAITING_BEST_TIME",
            BEST_TIME_PROMPT,
        ),
    ];
    for (n, (id, state, input, column, stored, next, reply)) in cases.iter().enumerate() {
        reset(&pool).await;
        let lead = lead_at(&pool, &line, state, "").await;
        text(&hooks, &format!("SM{n:032}"), CALLER, input).await;
        assert_eq!(
            lead_field(&pool, lead, column).await.as_deref(),
            *stored,
            "{id}"
        );
        assert_eq!(
            lead_field(&pool, lead, "conversation_state")
                .await
                .as_deref(),
            Some(*next),
            "{id}"
        );
        assert_eq!(last_reply(&pool).await.as_deref(), Some(*reply), "{id}");
    }
}

#[sqlx::test]
async fn c4_c6_service_refusals(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    sqlx::query("UPDATE businesses SET service_label_3 = NULL")
        .execute(&pool)
        .await
        .unwrap();
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    text(&hooks, "SMc4", CALLER, "3").await;
    assert_eq!(
        last_reply(&pool).await.unwrap(),
        "Sorry, I did not get that. Reply 1 for Repair, 2 for Install, or describe the job."
    );
    text(&hooks, "SMc6", CALLER, &"a".repeat(161)).await;
    assert!(
        last_reply(&pool)
            .await
            .unwrap()
            .starts_with("Please sum up the job in 160 characters or less.")
    );
    assert_eq!(
        lead_field(&pool, lead, "invalid_attempts").await.as_deref(),
        Some("2")
    );
}

#[sqlx::test]
async fn c12_c13_emergency_alerts_once_and_a_duplicate_changes_nothing(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "AWAITING_URGENCY", "service = 'Repair'").await;
    text(&hooks, "SMemergency", CALLER, "urgent").await;
    let before = outbound(&pool).await;
    text(&hooks, "SMemergency", CALLER, "urgent").await;
    assert_eq!(
        outbound(&pool).await,
        before,
        "a duplicate delivery has no effect"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'inbound'"
        )
        .await,
        1
    );
    assert_eq!(
        texts_to(&pool, CALLER).await,
        vec![
            "We are alerting Acme Plumbing right away. Meanwhile, what is the ZIP code (or postal code) for the job?"
        ]
    );
    let alerts = texts_to(&pool, NOTIFY).await;
    assert_eq!(
        alerts,
        vec![format!(
            "[Acme Plumbing] EMERGENCY: (512) 555-0100 needs Repair now. Call back: https://app.example.com/app/leads/{lead}"
        )]
    );
}

#[sqlx::test]
async fn answers_given_early_are_kept_their_questions_skipped_and_their_alerts_sent(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "AWAITING_URGENCY", "service = 'Repair'").await;

    text(&hooks, "SMearly1", CALLER, "urgent!! 78704, this is Pat").await;

    assert_eq!(
        lead_field(&pool, lead, "urgency").await.as_deref(),
        Some("Emergency")
    );
    assert_eq!(
        lead_field(&pool, lead, "postal_code").await.as_deref(),
        Some("78704")
    );
    assert_eq!(
        lead_field(&pool, lead, "contact_name").await.as_deref(),
        Some("Pat")
    );
    assert_eq!(
        lead_field(&pool, lead, "status").await.as_deref(),
        Some("QUALIFIED")
    );
    assert_eq!(
        lead_field(&pool, lead, "conversation_state")
            .await
            .as_deref(),
        Some("AWAITING_BEST_TIME"),
        "the ZIP and name questions are not asked again"
    );
    assert_eq!(
        last_reply(&pool).await.as_deref(),
        Some(
            "We are alerting Acme Plumbing right away. Meanwhile: When is the best time to reach you? Reply 1 Morning, 2 Afternoon, 3 Evening, 4 Anytime."
        )
    );
    let mut alerts = texts_to(&pool, NOTIFY).await;
    alerts.sort();
    assert_eq!(
        alerts,
        vec![
            format!(
                "[Acme Plumbing] EMERGENCY: (512) 555-0100 needs Repair now. Call back: https://app.example.com/app/leads/{lead}"
            ),
            format!(
                "[Acme Plumbing] New lead (512) 555-0100 via Main line. Service: Repair. Urgency: Emergency. ZIP: 78704. https://app.example.com/app/leads/{lead}"
            ),
        ]
    );

    // The last open question completes the conversation with the name given early.
    text(&hooks, "SMearly2", CALLER, "after 5 please").await;
    assert_eq!(
        lead_field(&pool, lead, "best_time").await.as_deref(),
        Some("Evening")
    );
    assert_eq!(
        lead_field(&pool, lead, "conversation_state")
            .await
            .as_deref(),
        Some("COMPLETED")
    );
    assert_eq!(
        last_reply(&pool).await.as_deref(),
        Some("Thanks, Pat! Acme Plumbing has your request and will reach out soon.")
    );
    let alerts = texts_to(&pool, NOTIFY).await;
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    assert!(
        alerts
            .iter()
            .any(|alert| alert.starts_with("[Acme Plumbing] Lead complete: (512) 555-0100")),
        "{alerts:?}"
    );
}

#[sqlx::test]
async fn an_answer_that_fits_two_options_is_asked_about_and_nothing_is_stored(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "AWAITING_URGENCY", "service = 'Repair'").await;

    text(&hooks, "SMamb1", CALLER, "today or tomorrow").await;

    assert_eq!(lead_field(&pool, lead, "urgency").await, None);
    assert_eq!(
        lead_field(&pool, lead, "conversation_state")
            .await
            .as_deref(),
        Some("AWAITING_URGENCY")
    );
    assert_eq!(
        last_reply(&pool).await.as_deref(),
        Some(
            "Just to check: did you mean Today or This week? Reply 2 for Today or 3 for This week."
        )
    );
    text(&hooks, "SMamb2", CALLER, "3").await;
    assert_eq!(
        lead_field(&pool, lead, "urgency").await.as_deref(),
        Some("This week")
    );
    assert_eq!(
        lead_field(&pool, lead, "invalid_attempts").await.as_deref(),
        Some("0")
    );
}

#[sqlx::test]
async fn c16_summary_alert_after_the_zip_step(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(
        &pool,
        &line,
        "AWAITING_ZIP",
        "service = 'Repair', urgency = 'Today'",
    )
    .await;
    text(&hooks, "SMzip", CALLER, "78704").await;
    assert_eq!(
        lead_field(&pool, lead, "status").await.as_deref(),
        Some("QUALIFIED")
    );
    assert!(lead_field(&pool, lead, "qualified_at").await.is_some());
    assert_eq!(
        texts_to(&pool, NOTIFY).await,
        vec![format!(
            "[Acme Plumbing] New lead (512) 555-0100 via Main line. Service: Repair. Urgency: Today. ZIP: 78704. https://app.example.com/app/leads/{lead}"
        )]
    );
}

#[sqlx::test]
async fn c26_c27_third_unclear_answer_hands_off_then_texts_are_relayed(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(
        &pool,
        &line,
        "AWAITING_ZIP",
        "service = 'Repair', urgency = 'Today', invalid_attempts = 2",
    )
    .await;
    text(&hooks, "SMhand", CALLER, "TOMORROW").await;
    assert_eq!(
        lead_field(&pool, lead, "automation_pause_reason")
            .await
            .as_deref(),
        Some("invalid_input")
    );
    assert_eq!(
        lead_field(&pool, lead, "conversation_state")
            .await
            .as_deref(),
        Some("AWAITING_ZIP")
    );
    assert_eq!(
        last_reply(&pool).await.unwrap(),
        "Thanks! Someone from Acme Plumbing will follow up with you directly."
    );
    assert_eq!(
        texts_to(&pool, NOTIFY).await,
        vec![format!(
            "[Acme Plumbing] (512) 555-0100 needs a personal reply (3 unclear answers). Service: Repair. Urgency: Today. Last text: \"TOMORROW\". https://app.example.com/app/leads/{lead}"
        )]
    );
    // C27: paused; the ZIP is not parsed, nothing goes to the caller, the owner gets it.
    let to_caller = texts_to(&pool, CALLER).await.len();
    text(&hooks, "SMlate", CALLER, "78704").await;
    assert_eq!(lead_field(&pool, lead, "postal_code").await, None);
    assert_eq!(texts_to(&pool, CALLER).await.len(), to_caller);
    let owner = texts_to(&pool, NOTIFY).await;
    assert_eq!(owner.len(), 2);
    assert!(
        owner[1].contains("(512) 555-0100: \"78704\""),
        "{}",
        owner[1]
    );
}

#[sqlx::test]
async fn c35_c37_c65_completed_leads_get_one_ack_and_capped_relays(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "COMPLETED", "contact_name = 'Pat'").await;
    text(&hooks, "SMr1", CALLER, "Also the garage door").await;
    assert_eq!(
        texts_to(&pool, CALLER).await,
        vec!["Thanks, we passed your message to Acme Plumbing. They will get back to you soon."]
    );
    let relays = texts_to(&pool, NOTIFY).await;
    assert_eq!(
        relays,
        vec![format!(
            "[Acme Plumbing] Pat: \"Also the garage door\" Texts to this number are not forwarded. Reply in app: https://app.example.com/app/leads/{lead}"
        )]
    );
    // C36: an ack went out under 12 h ago: no second one. C65: later relays drop the notice.
    hooks.clock.advance(Duration::minutes(30));
    text(&hooks, "SMr2", CALLER, "hello?").await;
    assert_eq!(texts_to(&pool, CALLER).await.len(), 1);
    let relays = texts_to(&pool, NOTIFY).await;
    assert!(!relays[1].contains("not forwarded"), "{}", relays[1]);
    // C37: 5 per hour, the 5th followed by the overflow note, the 6th stored only.
    for n in 3..=6 {
        text(&hooks, &format!("SMr{n}"), CALLER, "hi").await;
    }
    let relays = texts_to(&pool, NOTIFY).await;
    assert_eq!(relays.len(), 6, "{relays:#?}");
    // The 5th relay and the note are queued together (same instant).
    let overflow = format!(
        "[Acme Plumbing] More texts from (512) 555-0100 are waiting in the app: https://app.example.com/app/leads/{lead}"
    );
    assert_eq!(relays.iter().filter(|text| **text == overflow).count(), 1);
    assert_eq!(
        relays.iter().filter(|text| text.contains("\"hi\"")).count(),
        3
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'inbound' AND lead_id IS NOT NULL"
        )
        .await,
        6
    );
    // A new window relays again; 12 h later the caller is acknowledged again.
    hooks.clock.advance(Duration::hours(12));
    text(&hooks, "SMr7", CALLER, "still there?").await;
    assert_eq!(texts_to(&pool, NOTIFY).await.len(), 7);
    assert_eq!(texts_to(&pool, CALLER).await.len(), 2);
}

#[sqlx::test]
async fn c38_c39_stop_opts_out_suppresses_queued_texts_and_cancels_the_nudge(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    for (n, word) in ["STOP", "stop.", "Stop!!", "REVOKE", "optout"]
        .iter()
        .enumerate()
    {
        reset(&pool).await;
        let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
        text(&hooks, &format!("SMa{n}"), CALLER, "1").await;
        assert_eq!(
            count(
                &pool,
                "SELECT count(*) FROM jobs WHERE kind = 'stall_nudge' AND status = 'queued'"
            )
            .await,
            1
        );
        text(&hooks, &format!("SMstop{n}"), CALLER, word).await;
        let (opted_out, keyword): (bool, String) =
            sqlx::query_as("SELECT opted_out, last_keyword FROM sms_consent WHERE phone_e164 = $1")
                .bind(CALLER)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(opted_out, "{word}");
        assert_eq!(keyword, word.trim_end_matches(['.', '!']).to_uppercase());
        assert_eq!(
            lead_field(&pool, lead, "conversation_state")
                .await
                .as_deref(),
            Some("AWAITING_URGENCY")
        );
        let texts = outbound(&pool).await;
        assert_eq!(texts[0].0, "prompt");
        assert_eq!(texts[0].3, "suppressed", "the queued prompt is withdrawn");
        assert_eq!(
            texts[1],
            (
                "compliance".into(),
                CALLER.into(),
                "Acme Plumbing: You are unsubscribed and will not receive more texts from us. Reply START to opt back in.".into(),
                "pending".into()
            )
        );
        assert_eq!(
            count(
                &pool,
                "SELECT count(*) FROM jobs WHERE kind = 'stall_nudge' AND status = 'queued'"
            )
            .await,
            0
        );
    }
}

#[sqlx::test]
async fn c40_c41_c42_opted_out_callers(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "AWAITING_URGENCY", "").await;
    text(&hooks, "SMstop", CALLER, "STOP").await;
    // C41: an ordinary text while opted out: no reply, relayed.
    text(&hooks, "SMthere", CALLER, "Is anyone there?").await;
    assert_eq!(texts_to(&pool, CALLER).await.len(), 1);
    assert!(texts_to(&pool, NOTIFY).await[0].contains("\"Is anyone there?\""));
    // C40: YES while opted out opts back in without re-prompting.
    text(&hooks, "SMyes", CALLER, "YES").await;
    let (opted_out, keyword): (bool, String) =
        sqlx::query_as("SELECT opted_out, last_keyword FROM sms_consent")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!opted_out);
    assert_eq!(keyword, "YES");
    assert_eq!(
        last_reply(&pool).await.unwrap(),
        "Acme Plumbing: You are opted back in. Reply HELP for help or STOP to opt out."
    );
    assert_eq!(
        lead_field(&pool, lead, "conversation_state")
            .await
            .as_deref(),
        Some("AWAITING_URGENCY")
    );
    // C42: HELP names the business and the number; attempts unchanged.
    text(&hooks, "SMhelp", CALLER, "info?").await;
    assert_eq!(
        last_reply(&pool).await.unwrap(),
        "Acme Plumbing: texts about your recent call or message to us. Msg & data rates may apply. Reply STOP to opt out. To reach us, call (512) 555-0199."
    );
    assert_eq!(
        lead_field(&pool, lead, "invalid_attempts").await.as_deref(),
        Some("0")
    );
    // The keyword messages were linked to the lead.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'inbound' AND lead_id IS NULL"
        )
        .await,
        0
    );
}

#[sqlx::test]
async fn c44_c45_c46_text_in_leads_and_billing(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = line_with(&pool, "Acme Plumbing", TRACKING, "INACTIVE").await;
    // C45: inactive business: a text-in lead, flagged, no reply.
    text(&hooks, "SMhi", CALLER, "hi").await;
    let lead: uuid::Uuid = sqlx::query_scalar("SELECT id FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        lead_field(&pool, lead, "source").await.as_deref(),
        Some("sms")
    );
    assert_eq!(
        lead_field(&pool, lead, "billing_block_reason")
            .await
            .as_deref(),
        Some("billing_inactive")
    );
    assert_eq!(
        lead_field(&pool, lead, "conversation_state")
            .await
            .as_deref(),
        Some("NOT_STARTED")
    );
    assert_eq!(outbound_count(&pool).await, 0);
    // C46: after activation the next text starts it with the text-in intro.
    sqlx::query("UPDATE businesses SET subscription_status = 'ACTIVE' WHERE id = $1")
        .bind(line.business_id)
        .execute(&pool)
        .await
        .unwrap();
    text(&hooks, "SMhello", CALLER, "hello").await;
    assert_eq!(
        lead_field(&pool, lead, "billing_required").await.as_deref(),
        Some("false")
    );
    assert_eq!(
        lead_field(&pool, lead, "conversation_state")
            .await
            .as_deref(),
        Some("AWAITING_SERVICE")
    );
    assert_eq!(
        texts_to(&pool, CALLER).await,
        vec![
            "Hi, this is Acme Plumbing. Thanks for your text! What can we help with? Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job. Reply STOP to opt out."
        ]
    );
    assert_eq!(
        count(
            &pool,
            "SELECT COALESCE(sum(conversations_used), 0)::bigint FROM usage_counters"
        )
        .await,
        1
    );
    // C44: a brand-new caller texting in gets a lead and the intro at once.
    text(&hooks, "SMnew", "+15125550123", "Do you fix water heaters?").await;
    assert_eq!(texts_to(&pool, "+15125550123").await.len(), 1);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM leads WHERE source = 'sms'").await,
        2
    );
}

#[sqlx::test]
async fn c47_c48_past_due_stores_and_resumes_without_a_new_charge(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = line_with(&pool, "Acme Plumbing", TRACKING, "PAST_DUE").await;
    let lead = lead_at(
        &pool,
        &line,
        "AWAITING_ZIP",
        "service = 'Repair', urgency = 'Today'",
    )
    .await;
    text(&hooks, "SMz1", CALLER, "78704").await;
    assert_eq!(
        lead_field(&pool, lead, "billing_block_reason")
            .await
            .as_deref(),
        Some("billing_inactive")
    );
    assert_eq!(lead_field(&pool, lead, "postal_code").await, None);
    assert_eq!(outbound_count(&pool).await, 0);
    sqlx::query("UPDATE businesses SET subscription_status = 'ACTIVE'")
        .execute(&pool)
        .await
        .unwrap();
    text(&hooks, "SMz2", CALLER, "78704").await;
    assert_eq!(
        lead_field(&pool, lead, "postal_code").await.as_deref(),
        Some("78704")
    );
    assert_eq!(
        lead_field(&pool, lead, "billing_required").await.as_deref(),
        Some("false")
    );
    assert_eq!(last_reply(&pool).await.as_deref(), Some(BEST_TIME_PROMPT));
    assert_eq!(count(&pool, "SELECT count(*) FROM usage_counters").await, 0);
}

#[sqlx::test]
async fn c49_c59_paused_and_booked_leads_are_relayed_without_replies(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(
        &pool,
        &line,
        "AWAITING_URGENCY",
        "automation_paused = true, automation_pause_reason = 'owner_takeover'",
    )
    .await;
    text(&hooks, "SMsee", CALLER, "Thanks, see you at 3").await;
    assert_eq!(texts_to(&pool, CALLER).await.len(), 0);
    assert_eq!(texts_to(&pool, NOTIFY).await.len(), 1);
    // C59: booked 3 days ago, still routed to it; no intro, no charge.
    sqlx::query("UPDATE leads SET status = 'BOOKED', automation_paused = false, automation_pause_reason = NULL, last_activity_at = now() - interval '3 days'")
        .execute(&pool)
        .await
        .unwrap();
    text(&hooks, "SMlate", CALLER, "running late?").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 1);
    let linked: Option<uuid::Uuid> =
        sqlx::query_scalar("SELECT lead_id FROM messages WHERE twilio_sid = 'SMlate'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(linked, Some(lead));
    assert_eq!(texts_to(&pool, CALLER).await.len(), 0);
    assert_eq!(texts_to(&pool, NOTIFY).await.len(), 2);
    assert_eq!(count(&pool, "SELECT count(*) FROM usage_counters").await, 0);
}

#[sqlx::test]
async fn c50_c62_c63_internal_phones_are_not_leads(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let _line = active_line(&pool).await;
    text(&hooks, "SMowner1", NOTIFY, "test").await;
    text(&hooks, "SMowner2", NOTIFY, "test again").await;
    text(&hooks, "SMfwd", FORWARD_TO, "test").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 0);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'inbound' AND participant = 'owner'"
        )
        .await,
        3
    );
    let hint = "[Acme Plumbing] This number texts your leads. Reply to leads in the app: https://app.example.com/app/leads";
    // Once per 24 h per internal phone.
    assert_eq!(texts_to(&pool, NOTIFY).await, vec![hint]);
    assert_eq!(texts_to(&pool, FORWARD_TO).await, vec![hint]);
    // C63: another business's tracking number texting in is `system`, with no reply.
    let other = line_with(&pool, "Other Co", "+15125550777", "ACTIVE").await;
    let _ = other;
    text(&hooks, "SMother", "+15125550777", "Hi, this is Other Co").await;
    let participant: String =
        sqlx::query_scalar("SELECT participant FROM messages WHERE twilio_sid = 'SMother'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(participant, "system");
    assert_eq!(count(&pool, "SELECT count(*) FROM leads").await, 0);
}

#[sqlx::test]
async fn c51_c52_media_only_and_possible_opt_out(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    crate::webhook_support::post_signed(
        &hooks,
        "/api/twilio/sms",
        &[
            ("MessageSid", "SMmedia"),
            ("From", CALLER),
            ("To", TRACKING),
            ("Body", ""),
            ("NumMedia", "1"),
            ("MediaUrl0", "https://api.twilio.com/media/ME1"),
            ("MediaContentType0", "image/jpeg"),
        ],
    )
    .await;
    let media: (i32, serde_json::Value) =
        sqlx::query_as("SELECT media_count, media FROM messages WHERE twilio_sid = 'SMmedia'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(media.0, 1);
    assert_eq!(media.1[0]["content_type"], "image/jpeg");
    assert_eq!(outbound_count(&pool).await, 0);
    assert_eq!(
        lead_field(&pool, lead, "invalid_attempts").await.as_deref(),
        Some("0")
    );
    text(&hooks, "SMplease", CALLER, "please stop texting me").await;
    assert_eq!(
        lead_field(&pool, lead, "automation_pause_reason")
            .await
            .as_deref(),
        Some("possible_opt_out")
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM sms_consent").await, 0);
    assert_eq!(texts_to(&pool, CALLER).await.len(), 0);
    assert_eq!(
        texts_to(&pool, NOTIFY).await,
        vec![format!(
            "[Acme Plumbing] (512) 555-0100 may not want more texts: \"please stop texting me\". Automation paused. https://app.example.com/app/leads/{lead}"
        )]
    );
}

#[sqlx::test]
async fn c56_an_opted_out_notify_phone_gets_suppressed_alerts(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    text(&hooks, "SMownerstop", NOTIFY, "STOP").await;
    let lead = lead_at(
        &pool,
        &line,
        "AWAITING_ZIP",
        "service = 'Repair', urgency = 'Today'",
    )
    .await;
    text(&hooks, "SMzip", CALLER, "78704").await;
    assert_eq!(last_reply(&pool).await.as_deref(), Some(BEST_TIME_PROMPT));
    let summary: (String, Option<String>) = sqlx::query_as(
        "SELECT status, suppression_reason FROM messages WHERE idempotency_key = $1",
    )
    .bind(format!("lead:{lead}:owner_summary"))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(summary, ("suppressed".into(), Some("opted_out".into())));
}

#[sqlx::test]
async fn c57_texts_apply_in_order_and_ten_concurrent_duplicates_record_once(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    text(&hooks, "SMfirst", CALLER, "2").await;
    let second = (0..10).map(|_| text(&hooks, "SMsecond", CALLER, "1"));
    futures::future::join_all(second).await;
    assert_eq!(
        lead_field(&pool, lead, "service").await.as_deref(),
        Some("Install")
    );
    assert_eq!(
        lead_field(&pool, lead, "urgency").await.as_deref(),
        Some("Emergency")
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM messages WHERE direction = 'inbound'"
        )
        .await,
        2
    );
    assert_eq!(texts_to(&pool, CALLER).await.len(), 2);
    assert_eq!(
        texts_to(&pool, NOTIFY).await.len(),
        1,
        "one emergency alert"
    );
}

#[sqlx::test]
async fn c64_a_text_to_another_number_moves_the_sender(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let line = active_line(&pool).await;
    let number_b = add_number(&pool, line.business_id, "+15125550188", "+15125550143").await;
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    text_to(&hooks, "SMb", CALLER, "+15125550188", "1").await;
    assert_eq!(
        lead_field(&pool, lead, "service").await.as_deref(),
        Some("Repair")
    );
    assert_eq!(
        lead_field(&pool, lead, "sending_number_id").await,
        Some(number_b.to_string())
    );
    let from: String = sqlx::query_scalar("SELECT from_e164 FROM messages WHERE kind = 'prompt'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(from, "+15125550188");
}

#[sqlx::test]
async fn c70_an_international_texter_is_relayed_not_started(pool: PgPool) {
    let hooks = hooks(pool.clone(), &[]);
    let _line = active_line(&pool).await;
    text(&hooks, "SMuk", "+447700900123", "hello").await;
    let state: String = sqlx::query_scalar("SELECT conversation_state FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(state, "NOT_STARTED");
    assert_eq!(texts_to(&pool, "+447700900123").await.len(), 0);
    assert!(texts_to(&pool, NOTIFY).await[0].contains("+447700900123: \"hello\""));
}

#[sqlx::test]
async fn c53_c55_c60_stall_nudge_after_two_quiet_hours(pool: PgPool) {
    let (hooks, _twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    // 14:00 in Chicago on a winter day.
    hooks.clock.set("2026-03-02T20:00:00Z".parse().unwrap());
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    text(&hooks, "SMsvc", CALLER, "1").await;
    hooks.clock.advance(Duration::minutes(119));
    run_jobs(&hooks).await;
    assert_eq!(lead_field(&pool, lead, "nudge_sent_at").await, None);
    hooks.clock.advance(Duration::minutes(1));
    run_jobs(&hooks).await;
    assert!(lead_field(&pool, lead, "nudge_sent_at").await.is_some());
    assert!(texts_to(&pool, CALLER).await.contains(
        &"Hi, it is Acme Plumbing again. Still need help? How urgent is it? Reply 1 Emergency, 2 Today, 3 This week, 4 Quote. Reply STOP to opt out.".to_owned()
    ));
    // C55: a caller who never replied gets no nudge (nothing is scheduled for them).
    let silent =
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM jobs WHERE kind = 'stall_nudge'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(silent, 1);
}

#[sqlx::test]
async fn c54_c61_nudges_wait_for_the_end_of_quiet_hours(pool: PgPool) {
    let (hooks, _twilio) = hooks_with_fake(pool.clone()).await;
    let line = active_line(&pool).await;
    // C54: the reply at 20:30 local makes the nudge due at 22:30: it waits for 08:00.
    hooks.clock.set("2026-03-03T02:30:00Z".parse().unwrap());
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    text(&hooks, "SMsvc", CALLER, "1").await;
    hooks.clock.advance(Duration::hours(2));
    run_jobs(&hooks).await;
    assert_eq!(lead_field(&pool, lead, "nudge_sent_at").await, None);
    let next: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT next_run_at FROM jobs WHERE kind = 'stall_nudge'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        next,
        "2026-03-03T14:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    );
    hooks.clock.set(next);
    run_jobs(&hooks).await;
    assert!(lead_field(&pool, lead, "nudge_sent_at").await.is_some());
    // C61: quiet hours [21:00, 02:30) across the spring-forward night.
    sqlx::query("UPDATE businesses SET quiet_hours_end = '02:30'")
        .execute(&pool)
        .await
        .unwrap();
    reset(&pool).await;
    hooks.clock.set("2026-03-08T03:00:00Z".parse().unwrap());
    let lead = lead_at(&pool, &line, "AWAITING_SERVICE", "").await;
    text(&hooks, "SMsvc2", CALLER, "1").await;
    hooks.clock.set("2026-03-08T05:00:00Z".parse().unwrap());
    run_jobs(&hooks).await;
    let next: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "SELECT next_run_at FROM jobs WHERE kind = 'stall_nudge' AND idempotency_key = $1",
    )
    .bind(format!("job:nudge:{lead}"))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        next,
        "2026-03-08T08:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    );
}
