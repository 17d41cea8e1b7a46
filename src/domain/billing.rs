//! The words and rules of billing that need no IO (billing.md §1, §2, §8.4, §9.2): the status
//! mapping from Stripe, plan labels, the usage line and the automation status message.

use serde::{Deserialize, Serialize};

/// `businesses.subscription_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionStatus {
    Active,
    PastDue,
    Canceled,
    Inactive,
}

impl SubscriptionStatus {
    /// The mapping of a Stripe subscription `status` (billing.md §2).
    pub fn from_stripe(status: &str) -> Self {
        match status {
            "active" | "trialing" => Self::Active,
            "past_due" | "unpaid" => Self::PastDue,
            "canceled" => Self::Canceled,
            _ => Self::Inactive,
        }
    }

    pub fn as_db(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::PastDue => "PAST_DUE",
            Self::Canceled => "CANCELED",
            Self::Inactive => "INACTIVE",
        }
    }

    /// The stored value; anything unknown reads as `Inactive` (no texting).
    pub fn from_db(raw: &str) -> Self {
        match raw {
            "ACTIVE" => Self::Active,
            "PAST_DUE" => Self::PastDue,
            "CANCELED" => Self::Canceled,
            _ => Self::Inactive,
        }
    }

    /// The badge on the billing page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::PastDue => "Past due",
            Self::Canceled => "Canceled",
            Self::Inactive => "Inactive",
        }
    }

    /// A subscription exists that Stripe may still charge: no second checkout.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::PastDue)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tier {
    Starter,
    Pro,
}

impl Tier {
    pub fn key(self) -> &'static str {
        match self {
            Tier::Starter => "starter",
            Tier::Pro => "pro",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::Starter => "Starter",
            Tier::Pro => "Pro",
        }
    }

    /// `starter` or `pro` after trimming and lower-casing (billing.md §3); anything else is none.
    pub fn from_key(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "starter" => Some(Tier::Starter),
            "pro" => Some(Tier::Pro),
            _ => None,
        }
    }
}

/// `Starter`, `Pro`, or `No plan` while the business is not `ACTIVE`.
pub fn plan_label(status: SubscriptionStatus, tier: Tier) -> &'static str {
    if status == SubscriptionStatus::Active {
        tier.label()
    } else {
        "No plan"
    }
}

/// This month's conversations against the limit (billing.md §8.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub used: i32,
    pub limit: i32,
}

impl Usage {
    pub fn remaining(self) -> i32 {
        (self.limit - self.used).max(0)
    }

    pub fn is_reached(self) -> bool {
        self.used >= self.limit
    }

    /// `42/200 used (158 remaining)`.
    pub fn line(self) -> String {
        format!(
            "{}/{} used ({} remaining)",
            self.used,
            self.limit,
            self.remaining()
        )
    }

    /// The in-app notice from 80 % of the limit until it is reached (billing.md §8.3); no SMS.
    pub fn warning(self) -> Option<String> {
        let near = i64::from(self.used) * 5 >= i64::from(self.limit) * 4;
        (self.limit > 0 && near && !self.is_reached()).then(|| {
            format!(
                "You have used {} of {} conversations this month.",
                self.used, self.limit
            )
        })
    }
}

fn leads(n: i64) -> String {
    if n == 1 {
        "1 lead".to_owned()
    } else {
        format!("{n} leads")
    }
}

/// The automation status message (billing.md §9.2); `blocked` counts `NOT_STARTED` leads
/// flagged `billing_required`.
pub fn automation_message(status: SubscriptionStatus, usage: Usage, blocked: i64) -> String {
    let blocked_suffix = if blocked > 0 {
        format!(" {} currently blocked.", leads(blocked))
    } else {
        String::new()
    };
    if status != SubscriptionStatus::Active {
        return format!("Automation is paused because billing is inactive.{blocked_suffix}");
    }
    if usage.is_reached() {
        return format!(
            "Automation is paused because your monthly conversation limit is reached ({}/{}).{blocked_suffix}",
            usage.used, usage.limit
        );
    }
    if blocked > 0 {
        return format!(
            "Automation is active. {} blocked earlier can be started manually.",
            leads(blocked)
        );
    }
    "Automation is active.".to_owned()
}

/// Whether the message says automation is paused (shown as a warning).
pub fn automation_paused(status: SubscriptionStatus, usage: Usage) -> bool {
    status != SubscriptionStatus::Active || usage.is_reached()
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubscriptionStatus::*;

    #[test]
    fn stripe_statuses_map_as_the_table_says() {
        let cases = [
            ("active", Active),
            ("trialing", Active),
            ("past_due", PastDue),
            ("unpaid", PastDue),
            ("canceled", Canceled),
            ("incomplete", Inactive),
            ("incomplete_expired", Inactive),
            ("paused", Inactive),
            ("something_new", Inactive),
            ("", Inactive),
        ];
        for (stripe, expected) in cases {
            assert_eq!(
                SubscriptionStatus::from_stripe(stripe),
                expected,
                "{stripe}"
            );
        }
    }

    #[test]
    fn stored_values_round_trip() {
        for status in [Active, PastDue, Canceled, Inactive] {
            assert_eq!(SubscriptionStatus::from_db(status.as_db()), status);
        }
        assert_eq!(SubscriptionStatus::from_db("weird"), Inactive);
        assert!(Active.is_live() && PastDue.is_live());
        assert!(!Canceled.is_live() && !Inactive.is_live());
    }

    #[test]
    fn plan_labels() {
        assert_eq!(plan_label(Active, Tier::Pro), "Pro");
        assert_eq!(plan_label(Active, Tier::Starter), "Starter");
        assert_eq!(plan_label(PastDue, Tier::Pro), "No plan");
        assert_eq!(plan_label(Inactive, Tier::Starter), "No plan");
        assert_eq!(Tier::from_key(" Pro "), Some(Tier::Pro));
        assert_eq!(Tier::from_key("gold"), None);
    }

    #[test]
    fn usage_lines_and_reached() {
        let usage = |used, limit| Usage { used, limit };
        assert_eq!(usage(42, 200).line(), "42/200 used (158 remaining)");
        assert_eq!(usage(250, 200).line(), "250/200 used (0 remaining)");
        assert!(usage(200, 200).is_reached());
        assert!(!usage(199, 200).is_reached());
        assert!(usage(1000, 1000).is_reached());
        assert!(usage(0, 0).is_reached());
    }

    #[test]
    fn the_warning_starts_at_eighty_percent() {
        let usage = |used, limit| Usage { used, limit };
        assert_eq!(usage(159, 200).warning(), None);
        assert_eq!(
            usage(160, 200).warning().as_deref(),
            Some("You have used 160 of 200 conversations this month.")
        );
        assert!(usage(199, 200).warning().is_some());
        assert_eq!(usage(200, 200).warning(), None);
        assert_eq!(usage(0, 0).warning(), None);
    }

    #[test]
    fn automation_message_vectors() {
        let usage = |used, limit| Usage { used, limit };
        assert_eq!(
            automation_message(Inactive, usage(0, 0), 0),
            "Automation is paused because billing is inactive."
        );
        assert_eq!(
            automation_message(Inactive, usage(0, 0), 3),
            "Automation is paused because billing is inactive. 3 leads currently blocked."
        );
        assert_eq!(
            automation_message(Active, usage(200, 200), 1),
            "Automation is paused because your monthly conversation limit is reached (200/200). 1 lead currently blocked."
        );
        assert_eq!(
            automation_message(Active, usage(120, 200), 2),
            "Automation is active. 2 leads blocked earlier can be started manually."
        );
        assert_eq!(
            automation_message(Active, usage(10, 200), 0),
            "Automation is active."
        );
        assert_eq!(
            automation_message(PastDue, usage(10, 200), 1),
            "Automation is paused because billing is inactive. 1 lead currently blocked."
        );
        assert!(automation_paused(Canceled, usage(0, 200)));
        assert!(automation_paused(Active, usage(200, 200)));
        assert!(!automation_paused(Active, usage(10, 200)));
    }
}
