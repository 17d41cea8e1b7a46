//! Buying a tracking number (twilio.md §10.3): numbers cost the operator money, so a purchase
//! needs an active plan, stays within the plan's allowance and is rate-limited; a business buys
//! one number at a time, and no transaction is open while Twilio is called.

use chrono::Duration;
use uuid::Uuid;

use super::{
    buy_token,
    lifecycle::{area_code, country, friendly_name, sync_outcome, twilio_failure},
    notify_changed, number_urls, settings,
};
use crate::{
    api::error::{AppError, FieldErrors},
    domain::billing::Tier,
    server::{
        audit::Actor,
        auth::viewer::{Member, audit_entry, require_owner, state},
        billing::quota,
        businesses::{reject_tracking_numbers, validation::owner_phone},
        integrations::twilio::numbers::is_number_unavailable,
        ratelimit,
        state::AppState,
    },
};

/// Purchases one business may start per hour, and one owner.
pub const PURCHASES_PER_HOUR: u32 = 5;
/// How long a purchase holds its business's turn (every Twilio call it makes is bounded by the
/// client's 15 s timeout, so this outlasts a slow purchase and frees a crashed one).
const PURCHASE_TURN: Duration = Duration::minutes(2);
/// How long a resubmitted form waits for the first submit's purchase to finish.
const SAME_FORM_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(sqlx::FromRow)]
struct Buyer {
    name: String,
    default_forwarding_number: Option<String>,
    subscription_status: String,
    stripe_price_id: Option<String>,
}

/// Buys a local number and points it at this app (numbers cost the operator money: an active
/// plan is required, numbers are capped per plan, purchases are rate-limited). No database
/// transaction is open while Twilio is called: the business's turn is a short-lived Postgres
/// bucket, and the number is recorded in a short transaction afterwards. The form nonce makes
/// a second submit of the same form return the first purchase instead of buying again.
pub async fn buy(
    country_raw: String,
    area_raw: String,
    label_raw: String,
    forwarding_raw: String,
    nonce: String,
) -> Result<Uuid, AppError> {
    let owner = require_owner().await?;
    let state = state();
    // Only a token this server issued to this business within the day keys a purchase.
    let Some(form_id) =
        buy_token::redeem(&state.secrets, owner.business_id, &nonce, state.clock.now())
    else {
        return Err(AppError::bad_request(
            "This form has expired. Reload the page and try again.",
        ));
    };
    let buyer: Buyer = sqlx::query_as(
        "SELECT name, default_forwarding_number, subscription_status, stripe_price_id
         FROM businesses WHERE id = $1",
    )
    .bind(owner.business_id)
    .fetch_one(&state.pool)
    .await?;
    let mut errors = FieldErrors::default();
    let country = errors.check("country", country(&country_raw));
    let area = errors.check("area_code", area_code(&area_raw));
    let label = errors.check("label", settings::label(&label_raw));
    let forwarding = match (forwarding_raw.trim(), &buyer.default_forwarding_number) {
        ("", Some(default)) => Some(default.clone()),
        (raw, _) => errors.check(
            "forwarding_phone",
            owner_phone(raw, &state.config.served_countries),
        ),
    };
    let (country, area, label, forwarding) = match (country, area, label, forwarding) {
        (Some(c), Some(a), Some(l), Some(f)) if errors.is_empty() => (c, a, l, f),
        _ => return Err(errors.into_error()),
    };
    reject_tracking_numbers(&state.pool, &[("forwarding_phone", &forwarding)]).await?;

    let key = format!("buy_number:{}:{form_id}", owner.business_id);
    if let Some(id) = purchased_with(&state, &key).await? {
        return Ok(id);
    }
    if buyer.subscription_status != "ACTIVE" {
        return Err(AppError::conflict(
            "Buying a tracking number needs an active plan. Choose a plan on the Billing page first.",
        ));
    }
    // One form, one purchase: a second submit waits for the first and lands on its number.
    let form_turn = format!("buy_number:form:{key}");
    if !ratelimit::hit(&state.pool, &form_turn, 1, PURCHASE_TURN, state.clock.now())
        .await?
        .allowed
    {
        return wait_for_purchase(&state, &key).await;
    }
    let business_turn = format!("buy_number:turn:{}", owner.business_id);
    let bought = async {
        if !ratelimit::hit(
            &state.pool,
            &business_turn,
            1,
            PURCHASE_TURN,
            state.clock.now(),
        )
        .await?
        .allowed
        {
            return Err(AppError::conflict(
                "Another number purchase is in progress for this business. Try again in a minute.",
            ));
        }
        check_plan_allows_another(&state, owner.business_id, buyer.stripe_price_id.as_deref())
            .await?;
        count_purchase(&state, &owner).await?;
        purchase(
            &state,
            &owner,
            &buyer.name,
            country,
            area.as_deref(),
            &label,
            &forwarding,
            &key,
        )
        .await
    }
    .await;
    // The turns end with the purchase, whatever its outcome.
    ratelimit::clear(&state.pool, &business_turn).await?;
    if bought.is_err() {
        ratelimit::clear(&state.pool, &form_turn).await?;
    }
    bought
}

/// The number an earlier submit of the same form bought.
async fn purchased_with(state: &AppState, key: &str) -> Result<Option<Uuid>, sqlx::Error> {
    let earlier: Option<String> =
        sqlx::query_scalar("SELECT target_id FROM audit_log WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&state.pool)
            .await?;
    Ok(earlier.and_then(|id| id.parse().ok()))
}

async fn wait_for_purchase(state: &AppState, key: &str) -> Result<Uuid, AppError> {
    let give_up = tokio::time::Instant::now() + SAME_FORM_WAIT;
    while tokio::time::Instant::now() < give_up {
        if let Some(id) = purchased_with(state, key).await? {
            return Ok(id);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Err(AppError::conflict(
        "This purchase is still being completed. Reload the numbers page in a moment.",
    ))
}

/// The plan's number allowance (Starter 1, Pro 5 unless configured) is not used up.
async fn check_plan_allows_another(
    state: &AppState,
    business_id: Uuid,
    price_id: Option<&str>,
) -> Result<(), AppError> {
    let (tier, _) = quota::tier(&state.config, price_id);
    let allowed = match tier {
        Tier::Starter => state.config.plans.starter_numbers,
        Tier::Pro => state.config.plans.pro_numbers,
    };
    let active: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM phone_numbers WHERE business_id = $1 AND status = 'active'",
    )
    .bind(business_id)
    .fetch_one(&state.pool)
    .await?;
    if active >= i64::from(allowed) {
        let plural = if allowed == 1 { "" } else { "s" };
        return Err(AppError::conflict(match tier {
            Tier::Starter => format!(
                "Your Starter plan includes {allowed} tracking number{plural}. Upgrade to Pro for more, or detach one first."
            ),
            Tier::Pro => format!(
                "Your plan includes {allowed} tracking number{plural}. Detach one before buying another."
            ),
        }));
    }
    Ok(())
}

/// Counts one purchase for the business and for the owner; refused past `PURCHASES_PER_HOUR`.
async fn count_purchase(state: &AppState, owner: &Member) -> Result<(), AppError> {
    for key in [
        format!("buy_number:business:{}", owner.business_id),
        format!("buy_number:user:{}", owner.user.id),
    ] {
        let decision = ratelimit::hit(
            &state.pool,
            &key,
            PURCHASES_PER_HOUR,
            Duration::hours(1),
            state.clock.now(),
        )
        .await?;
        if !decision.allowed {
            return Err(AppError::rate_limited(
                decision.retry_after.max(1) as u64,
                "Too many number purchases in the last hour. Please try again later.",
            ));
        }
    }
    Ok(())
}

/// The Twilio calls (no transaction open), then the number recorded in a short transaction.
#[allow(clippy::too_many_arguments)]
async fn purchase(
    state: &AppState,
    owner: &Member,
    business_name: &str,
    country: &str,
    area: Option<&str>,
    label: &str,
    forwarding: &str,
    key: &str,
) -> Result<Uuid, AppError> {
    let urls = number_urls(&state.config);
    let candidates = state
        .twilio
        .available_local(country, area)
        .await
        .map_err(|err| twilio_failure(&err, "search for numbers"))?;
    let mut bought = None;
    for candidate in candidates.iter().take(5) {
        match state
            .twilio
            .buy_number(
                &candidate.phone_number,
                &friendly_name(business_name, label),
                &urls,
            )
            .await
        {
            Ok(number) => {
                bought = Some(number);
                break;
            }
            Err(err) if is_number_unavailable(&err) => continue,
            Err(err) => return Err(twilio_failure(&err, "buy the number")),
        }
    }
    let Some(number) = bought else {
        return Err(AppError::invalid("area_code", no_numbers_message(area)));
    };
    let sync_error = sync_outcome(state.twilio.add_to_messaging_service(&number.sid).await);
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO phone_numbers (business_id, e164, twilio_sid, label, forwarding_number, webhooks_synced_at, webhook_sync_error)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(owner.business_id)
    .bind(&number.phone_number)
    .bind(&number.sid)
    .bind(label)
    .bind(forwarding)
    .bind(sync_error.is_none().then_some(now))
    .bind(&sync_error)
    .fetch_one(&mut *tx)
    .await
    .inspect_err(|err| tracing::error!(error = %err, number_sid = %number.sid, "number bought at Twilio but not recorded; attach it with attach-number"))?;
    audit_entry(Actor::User(owner.user.id), "number.purchased")
        .business(owner.business_id)
        .target("phone_number", id)
        .change("e164", serde_json::Value::Null, number.phone_number.clone())
        .change("label", serde_json::Value::Null, label.to_owned())
        .idempotency_key(key.to_owned())
        .write(&mut tx)
        .await?;
    notify_changed(&mut tx, owner.business_id).await?;
    tx.commit().await?;
    Ok(id)
}

fn no_numbers_message(area_code: Option<&str>) -> String {
    match area_code {
        Some(code) => format!(
            "No local numbers available for area code {code}. Try another area code or leave it empty."
        ),
        None => "No local numbers are available right now. Please try again in a few minutes."
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_numbers_is_explained_on_the_area_code() {
        assert_eq!(
            no_numbers_message(Some("512")),
            "No local numbers available for area code 512. Try another area code or leave it empty."
        );
    }
}
