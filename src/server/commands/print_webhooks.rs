use std::process::ExitCode;

use crate::{
    domain::webhook_urls::{STRIPE_EVENTS, StatusEvent, WebhookUrls},
    server::{cli::PrintWebhooksArgs, config::Config},
};

/// `print-webhooks`: the URLs to paste into the Twilio and Stripe consoles. Other configuration
/// problems do not matter here; only `PUBLIC_BASE_URL` does.
pub fn print_webhooks(args: PrintWebhooksArgs) -> ExitCode {
    let (config, report) = Config::from_process_env(None);
    if let Some(line) = report.line("PUBLIC_BASE_URL").filter(|line| line.is_error) {
        eprintln!("PUBLIC_BASE_URL is {}: {}", line.status.as_str(), line.note);
        return ExitCode::FAILURE;
    }
    print!(
        "{}",
        webhook_listing(
            &config.public_base_url,
            config.webhook_token(),
            args.show_token
        )
    );
    ExitCode::SUCCESS
}

/// The listing itself. Outside production the shared token appears as `REDACTED` unless
/// `show_token`; in production there is no token to print.
pub fn webhook_listing(base: &str, token: Option<&str>, show_token: bool) -> String {
    let shown = token.map(|t| if show_token { t } else { "REDACTED" });
    let urls = WebhookUrls::new(base, shown);
    let message_status = urls
        .message_status("<message id>")
        .replace("%3Cmessage%20id%3E", "<message id>");
    let mut out = String::new();
    out.push_str("Twilio: set on each tracking number (the app sets them when it buys, attaches or re-syncs a number)\n");
    out.push_str(&format!("  A call comes in        POST {}\n", urls.voice()));
    out.push_str(&format!("  A message comes in     POST {}\n", urls.sms()));
    out.push_str(&format!(
        "  Call status changes    POST {}\n",
        urls.status(StatusEvent::Call)
    ));
    out.push_str(&format!(
        "  Message status         POST {message_status}  (set per outbound message)\n"
    ));
    out.push_str("\nStripe: webhook endpoint\n");
    out.push_str(&format!(
        "  URL                    POST {}\n",
        urls.stripe_webhook()
    ));
    out.push_str(&format!(
        "  Events                 {}\n",
        STRIPE_EVENTS.join(", ")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_listing_has_no_token() {
        let listing = webhook_listing("https://app.example.com", None, false);
        assert!(listing.contains("POST https://app.example.com/api/twilio/voice#rc=3&rp=all\n"));
        assert!(listing.contains("POST https://app.example.com/api/twilio/sms#rc=3&rp=all\n"));
        assert!(
            listing.contains(
                "POST https://app.example.com/api/twilio/status?event=call#rc=3&rp=all\n"
            )
        );
        assert!(listing.contains(
            "https://app.example.com/api/twilio/message-status?m=<message id>#rc=3&rp=all"
        ));
        assert!(listing.contains("POST https://app.example.com/api/stripe/webhook\n"));
        for event in STRIPE_EVENTS {
            assert!(listing.contains(event));
        }
        assert!(!listing.contains("webhook_token"));
    }

    #[test]
    fn the_shared_token_is_redacted_unless_asked_for() {
        let redacted = webhook_listing("http://localhost:3000", Some("secret-shared-token"), false);
        assert!(redacted.contains("/api/twilio/voice?webhook_token=REDACTED#rc=3&rp=all"));
        assert!(!redacted.contains("secret-shared-token"));
        let shown = webhook_listing("http://localhost:3000", Some("secret-shared-token"), true);
        assert!(shown.contains("/api/twilio/sms?webhook_token=secret-shared-token#rc=3&rp=all"));
    }
}
