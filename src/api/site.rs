//! Facts about the deployment that public pages show.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    pub support_email: String,
    /// Calls, texts and payments are simulated; every page says so.
    pub demo_mode: bool,
    pub starter_conversations: u32,
    pub pro_conversations: u32,
    /// Demo mode only: the seeded owner's sign-in, shown on the sign-in page so a newcomer
    /// does not have to find it in the README.
    pub demo_login: Option<DemoLogin>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoLogin {
    pub email: String,
    pub password: String,
}

#[server(prefix = "/api/site", endpoint = "info")]
pub async fn get_site_info() -> Result<SiteInfo, ServerFnError> {
    let state = expect_context::<crate::server::state::AppState>();
    let config = &state.config;
    Ok(SiteInfo {
        support_email: config.support_email.clone(),
        demo_mode: config.demo_mode,
        starter_conversations: config.plans.starter_conversations,
        pro_conversations: config.plans.pro_conversations,
        demo_login: config.demo_mode.then(|| DemoLogin {
            email: crate::server::demo::seed::DEMO_EMAIL.to_owned(),
            password: crate::server::demo::seed::DEMO_PASSWORD.to_owned(),
        }),
    })
}
