//! The demo phone simulator (operations.md §3.3): what the caller's phone shows, and calling or
//! texting a tracking number as the caller. Demo mode only; 404 otherwise.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SimulatorNumber {
    pub id: Uuid,
    pub e164: String,
    pub label: String,
}

/// A text on the caller's phone, or an owner alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SimulatorText {
    pub at: DateTime<Utc>,
    pub from_caller: bool,
    pub body: String,
    pub status: String,
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SimulatedCallRow {
    pub at: DateTime<Utc>,
    /// `pending`, `answered` or `missed`.
    pub outcome: String,
    pub missed_reason: Option<String>,
    pub call_status: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SimulatorLead {
    pub id: Uuid,
    pub status: String,
    pub conversation_state: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatorPage {
    pub numbers: Vec<SimulatorNumber>,
    pub number_id: Option<Uuid>,
    /// The caller's phone, E.164.
    pub caller: String,
    /// Oldest first.
    pub texts: Vec<SimulatorText>,
    /// Newest first.
    pub alerts: Vec<SimulatorText>,
    /// Newest first.
    pub calls: Vec<SimulatedCallRow>,
    pub lead: Option<SimulatorLead>,
}

impl SimulatorPage {
    /// A business without tracking numbers: nothing to call yet.
    pub fn empty(numbers: Vec<SimulatorNumber>, caller: String) -> Self {
        Self {
            numbers,
            number_id: None,
            caller,
            texts: Vec::new(),
            alerts: Vec::new(),
            calls: Vec::new(),
            lead: None,
        }
    }
}

#[server(prefix = "/api/app/simulator", endpoint = "page")]
pub async fn get_simulator_page(
    number: Option<String>,
    caller: Option<String>,
) -> Result<SimulatorPage, AppError> {
    crate::server::demo::simulator::page(number.as_deref(), caller.as_deref()).await
}

/// Where a form submit lands: the simulator, on the same number and caller.
#[cfg(feature = "ssr")]
fn back_to_simulator(number_id: &str, caller: &str) {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("number", number_id.trim())
        .append_pair("caller", caller)
        .finish();
    leptos_axum::redirect(&format!("/app/simulator?{query}"));
}

#[server(prefix = "/api/app/simulator", endpoint = "call")]
pub async fn simulate_call(
    number_id: String,
    caller: String,
    outcome: String,
) -> Result<(), AppError> {
    let caller = crate::server::demo::simulator::call(&number_id, &caller, &outcome).await?;
    back_to_simulator(&number_id, &caller);
    Ok(())
}

#[server(prefix = "/api/app/simulator", endpoint = "text")]
pub async fn simulate_text(
    number_id: String,
    caller: String,
    body: String,
) -> Result<(), AppError> {
    let caller = crate::server::demo::simulator::text(&number_id, &caller, &body).await?;
    back_to_simulator(&number_id, &caller);
    Ok(())
}
