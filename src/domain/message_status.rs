//! Outbound message statuses only move forward (twilio.md §9): callbacks arrive out of order,
//! and a late `sent` must not undo `delivered`.

/// The rank of a status in the delivery order; `None` for statuses outside it.
fn rank(status: &str) -> Option<u8> {
    Some(match status {
        "pending" => 0,
        "submitting" => 1,
        "accepted" | "scheduled" | "queued" => 2,
        "sending" => 3,
        "sent" => 4,
        "delivered" | "undelivered" | "failed" => 5,
        "read" => 6,
        _ => return None,
    })
}

/// The status a message at `current` takes when Twilio reports `reported`; `None` when nothing
/// changes (older news, an equal rank, a final status, or a status outside the ranking).
pub fn advance(current: &str, reported: &str) -> Option<&'static str> {
    let reported = canonical(reported)?;
    if matches!(
        current,
        "undelivered" | "failed" | "suppressed" | "canceled"
    ) {
        return None;
    }
    if reported == "read" {
        return (current == "delivered").then_some("read");
    }
    let (from, to) = (rank(current)?, rank(reported)?);
    (to > from).then_some(reported)
}

/// Twilio's status as one of ours (`None` for `receiving`, `partially_delivered`, new ones…).
pub fn canonical(reported: &str) -> Option<&'static str> {
    const KNOWN: [&str; 11] = [
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "undelivered",
        "failed",
        "read",
        "pending",
        "submitting",
    ];
    KNOWN.into_iter().find(|known| *known == reported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_moves_only() {
        assert_eq!(advance("submitting", "queued"), Some("queued"));
        assert_eq!(advance("queued", "sent"), Some("sent"));
        assert_eq!(advance("sent", "delivered"), Some("delivered"));
        assert_eq!(advance("accepted", "undelivered"), Some("undelivered"));
        assert_eq!(advance("pending", "failed"), Some("failed"));
        // T21: delivered, then a late sent.
        assert_eq!(advance("delivered", "sent"), None);
        assert_eq!(advance("sent", "queued"), None);
        // Equal ranks do not replace each other.
        assert_eq!(advance("accepted", "queued"), None);
        assert_eq!(advance("delivered", "undelivered"), None);
        assert_eq!(advance("delivered", "failed"), None);
    }

    #[test]
    fn t30_final_statuses_and_read() {
        assert_eq!(advance("failed", "read"), None);
        assert_eq!(advance("failed", "delivered"), None);
        assert_eq!(advance("undelivered", "delivered"), None);
        assert_eq!(advance("delivered", "read"), Some("read"));
        assert_eq!(advance("sent", "read"), None);
        assert_eq!(advance("read", "delivered"), None);
        assert_eq!(advance("read", "read"), None);
    }

    #[test]
    fn unknown_statuses_change_nothing() {
        for reported in [
            "partially_delivered",
            "receiving",
            "received",
            "canceled",
            "",
            "SENT",
        ] {
            assert_eq!(advance("sent", reported), None, "{reported}");
        }
        assert_eq!(advance("suppressed", "sent"), None);
        assert_eq!(advance("canceled", "delivered"), None);
    }
}
