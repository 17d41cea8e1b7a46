//! Message templates shared by the conversation and the settings preview (conversation.md §6).
//! Exact texts; `{business}` is the business name.

/// `Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job.`, shortened
/// when fewer labels are configured.
pub fn options_line(labels: &[&str]) -> String {
    let listed: Vec<String> = labels
        .iter()
        .filter(|label| !label.is_empty())
        .enumerate()
        .map(|(i, label)| format!("{} for {label}", i + 1))
        .collect();
    format!("Reply {}, or describe the job.", listed.join(", "))
}

/// What started the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntroTrigger {
    MissedCall,
    TextIn,
    OwnerFollowUp,
}

/// The first text to a caller, with the opt-out line the system always appends.
pub fn intro(
    business: &str,
    greeting: Option<&str>,
    labels: &[&str],
    trigger: IntroTrigger,
) -> String {
    let options = options_line(labels);
    let opening = match (greeting, trigger) {
        (Some(greeting), _) => format!(
            "{} What can we help with?",
            greeting.replace("{business}", business)
        ),
        (None, IntroTrigger::MissedCall) => {
            format!("Hi, this is {business}. Sorry we missed your call! What can we help with?")
        }
        (None, IntroTrigger::TextIn) => {
            format!("Hi, this is {business}. Thanks for your text! What can we help with?")
        }
        (None, IntroTrigger::OwnerFollowUp) => {
            format!(
                "Hi, this is {business} following up on your recent call. What can we help with?"
            )
        }
    };
    format!("{opening} {options} Reply STOP to opt out.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_shorten_with_fewer_labels() {
        assert_eq!(
            options_line(&["Repair", "Install", "Maintenance"]),
            "Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job."
        );
        assert_eq!(
            options_line(&["Repair", "Install"]),
            "Reply 1 for Repair, 2 for Install, or describe the job."
        );
        assert_eq!(
            options_line(&["Repair"]),
            "Reply 1 for Repair, or describe the job."
        );
    }

    #[test]
    fn intro_variants() {
        let labels = ["Repair", "Install", "Maintenance"];
        assert_eq!(
            intro("Acme Plumbing", None, &labels, IntroTrigger::MissedCall),
            "Hi, this is Acme Plumbing. Sorry we missed your call! What can we help with? Reply 1 for Repair, 2 for Install, 3 for Maintenance, or describe the job. Reply STOP to opt out."
        );
        assert_eq!(
            intro("Acme Plumbing", None, &labels[..1], IntroTrigger::TextIn),
            "Hi, this is Acme Plumbing. Thanks for your text! What can we help with? Reply 1 for Repair, or describe the job. Reply STOP to opt out."
        );
        assert_eq!(
            intro(
                "Acme Plumbing",
                None,
                &labels[..2],
                IntroTrigger::OwnerFollowUp
            ),
            "Hi, this is Acme Plumbing following up on your recent call. What can we help with? Reply 1 for Repair, 2 for Install, or describe the job. Reply STOP to opt out."
        );
        assert_eq!(
            intro(
                "Acme Plumbing",
                Some("Howdy from {business}!"),
                &labels[..1],
                IntroTrigger::MissedCall
            ),
            "Howdy from Acme Plumbing! What can we help with? Reply 1 for Repair, or describe the job. Reply STOP to opt out."
        );
    }
}
