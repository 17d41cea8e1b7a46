//! Billing: plans, checkout, the Stripe webhook, gating (billing.md). So far: `/buy`.

pub mod buy;
pub mod quota;
