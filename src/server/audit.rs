//! The append-only audit log (data-model.md §3.15): who changed what, when, from where.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    User(Uuid),
    System,
    Twilio,
    Stripe,
    Operator,
}

impl Actor {
    fn kind(self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::System => "system",
            Actor::Twilio => "twilio",
            Actor::Stripe => "stripe",
            Actor::Operator => "operator",
        }
    }

    fn user_id(self) -> Option<Uuid> {
        match self {
            Actor::User(id) => Some(id),
            _ => None,
        }
    }
}

/// One audit row. `changes` maps each field to `[old, new]`; secrets are `"[redacted]"`.
#[derive(Clone, Debug)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub business_id: Option<Uuid>,
    pub actor: Actor,
    pub action: &'static str,
    pub target: Option<(&'static str, String)>,
    pub changes: Map<String, Value>,
    pub ip: Option<String>,
    pub correlation_id: Option<String>,
    pub idempotency_key: Option<String>,
}

impl Entry {
    pub fn new(at: DateTime<Utc>, actor: Actor, action: &'static str) -> Self {
        Self {
            at,
            business_id: None,
            actor,
            action,
            target: None,
            changes: Map::new(),
            ip: None,
            correlation_id: None,
            idempotency_key: None,
        }
    }

    pub fn business(mut self, business_id: Uuid) -> Self {
        self.business_id = Some(business_id);
        self
    }

    pub fn target(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.target = Some((kind, id.to_string()));
        self
    }

    /// Records `field: [old, new]`, only when the value changed.
    pub fn change(mut self, field: &str, old: impl Into<Value>, new: impl Into<Value>) -> Self {
        let (old, new) = (old.into(), new.into());
        if old != new {
            self.changes
                .insert(field.to_owned(), Value::Array(vec![old, new]));
        }
        self
    }

    pub fn request(mut self, ip: Option<String>, correlation_id: Option<String>) -> Self {
        self.ip = ip;
        self.correlation_id = correlation_id;
        self
    }

    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    pub async fn write(self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_log (at, business_id, actor_type, actor_user_id, action, target_type, target_id,
                                    changes, ip, correlation_id, idempotency_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(self.at)
        .bind(self.business_id)
        .bind(self.actor.kind())
        .bind(self.actor.user_id())
        .bind(self.action)
        .bind(self.target.as_ref().map(|(kind, _)| *kind))
        .bind(self.target.as_ref().map(|(_, id)| id.as_str()))
        .bind(Value::Object(self.changes))
        .bind(self.ip)
        .bind(self.correlation_id)
        .bind(self.idempotency_key)
        .execute(conn)
        .await?;
        Ok(())
    }
}
