//! Billing (billing.md): `/buy`, checkout and the portal, the Stripe event inbox, applying
//! subscriptions, the monthly quota and the billing page's data.

pub mod buy;
pub mod checkout;
pub mod overview;
pub mod quota;
pub mod stripe_event;
pub mod stripe_inbox;
pub mod subscription_sync;
