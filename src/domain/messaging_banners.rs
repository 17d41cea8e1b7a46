//! The texting banners of the leads page (web.md §5; conversation.md §3.3; twilio.md §11):
//! what stops alerts or texts from arriving, in the owner's words.

use super::phone::display;

/// What the leads page knows about the business's texting health.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextingHealth {
    /// The notify phone opted out; the tracking number it would text START to.
    pub notify_opted_out_from: Option<String>,
    /// The latest failure code of an alert to the notify phone, while unresolved.
    pub notify_failure_code: Option<String>,
    /// A recent text was filtered by a carrier (30007).
    pub carrier_filtered: bool,
    /// A recent text was blocked for missing A2P 10DLC registration (30034).
    pub not_registered: bool,
}

pub fn banners(health: &TextingHealth) -> Vec<String> {
    let mut banners = Vec::new();
    if let Some(number) = &health.notify_opted_out_from {
        let number = display(number);
        banners.push(format!(
            "Your notify phone has opted out of texts from {number}. Text START to {number} to receive alerts again."
        ));
    }
    if let Some(code) = &health.notify_failure_code {
        banners.push(format!("Alerts to your notify phone are failing ({code})."));
    }
    if health.not_registered {
        banners.push(
            "Texts are blocked until the number's A2P registration is complete (30034).".to_owned(),
        );
    }
    if health.carrier_filtered {
        banners.push(
            "A carrier filtered some of your texts (30007). Check your A2P registration and keep texts plain."
                .to_owned(),
        );
    }
    banners
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_healthy_business_has_no_banner() {
        assert!(banners(&TextingHealth::default()).is_empty());
    }

    #[test]
    fn every_problem_has_its_banner() {
        let all = TextingHealth {
            notify_opted_out_from: Some("+15125550199".into()),
            notify_failure_code: Some("30006".into()),
            carrier_filtered: true,
            not_registered: true,
        };
        assert_eq!(
            banners(&all),
            vec![
                "Your notify phone has opted out of texts from (512) 555-0199. Text START to (512) 555-0199 to receive alerts again.",
                "Alerts to your notify phone are failing (30006).",
                "Texts are blocked until the number's A2P registration is complete (30034).",
                "A carrier filtered some of your texts (30007). Check your A2P registration and keep texts plain.",
            ]
        );
    }
}
