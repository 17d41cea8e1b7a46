//! `GET /buy?plan=…`: where a prospect from a marketing link goes (billing.md §3).

use crate::domain::url::encode_component;
use axum::{
    extract::Query,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    domain::billing::Tier,
    server::auth::{AuthSession, User},
};

#[derive(Debug, Deserialize)]
pub struct BuyQuery {
    plan: Option<String>,
}

/// `starter` or `pro` after trimming and lower-casing; anything else is ignored.
pub fn plan_of(raw: Option<&str>) -> Option<&'static str> {
    raw.and_then(Tier::from_key).map(Tier::key)
}

/// Where `/buy` sends this visitor.
pub fn destination(user: Option<&User>, plan: Option<&str>) -> String {
    let billing = match plan {
        Some(plan) => format!("/app/billing?plan={plan}"),
        None => "/app/billing".to_owned(),
    };
    match user {
        None => {
            let buy = match plan {
                Some(plan) => format!("/buy?plan={plan}"),
                None => "/buy".to_owned(),
            };
            format!("/sign-up?next={}", encode_component(&buy))
        }
        Some(user) if user.membership().is_none() => {
            format!("/app/onboarding?next={}", encode_component(&billing))
        }
        Some(_) => billing,
    }
}

pub async fn buy(auth: AuthSession, Query(query): Query<BuyQuery>) -> Response {
    let plan = plan_of(query.plan.as_deref());
    Redirect::to(&destination(auth.user.as_ref(), plan)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_trimmed_and_lower_cased() {
        assert_eq!(plan_of(Some("Pro ")), Some("pro"));
        assert_eq!(plan_of(Some("starter")), Some("starter"));
        assert_eq!(plan_of(Some("gold")), None);
        assert_eq!(plan_of(None), None);
    }

    #[test]
    fn signed_out_prospects_sign_up_first() {
        // B1
        assert_eq!(
            destination(None, Some("pro")),
            "/sign-up?next=%2Fbuy%3Fplan%3Dpro"
        );
        assert_eq!(destination(None, None), "/sign-up?next=%2Fbuy");
    }
}
