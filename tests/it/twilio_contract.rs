//! The Twilio client's requests against Twilio's own OpenAPI documents (quality.md §3): Prism
//! serves `twilio_api_v2010.json` and `twilio_messaging_v1.json` and refuses any request that
//! does not match them (paths, Basic auth, form fields, required parameters).
//! `scripts/test.sh` starts Prism and sets the two URLs.

use callbackcloser::server::integrations::twilio::{NewMessage, NumberUrls, TwilioClient};

use crate::support::{MESSAGING_SERVICE, TWILIO_SID, TWILIO_TOKEN, config_with};

fn mock_url(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run scripts/test.sh, which starts the Prism contract mocks")
    })
}

fn client() -> TwilioClient {
    let api = mock_url("TWILIO_CONTRACT_API_URL");
    let messaging = mock_url("TWILIO_CONTRACT_MESSAGING_URL");
    TwilioClient::new(&config_with(&[
        ("TWILIO_ACCOUNT_SID", TWILIO_SID),
        ("TWILIO_AUTH_TOKEN", TWILIO_TOKEN),
        ("TWILIO_API_BASE", &api),
        ("TWILIO_MESSAGING_API_BASE", &messaging),
        ("TWILIO_MESSAGING_SERVICE_SID", MESSAGING_SERVICE),
    ]))
}

fn urls() -> NumberUrls {
    NumberUrls {
        voice_url: "https://app.example.com/api/twilio/voice#rc=3&rp=all".into(),
        sms_url: "https://app.example.com/api/twilio/sms#rc=3&rp=all".into(),
        status_callback: "https://app.example.com/api/twilio/status?event=call#rc=3&rp=all".into(),
    }
}

#[tokio::test]
async fn number_requests_follow_twilios_contract() {
    let client = client();
    let available = client
        .available_local("US", Some("512"))
        .await
        .expect("search accepted");
    assert!(
        !available.is_empty(),
        "the document's example lists a number"
    );
    client
        .available_local("CA", None)
        .await
        .expect("Canadian search accepted");
    let bought = client
        .buy_number("+15125550199", "Acme Plumbing - Main line", &urls())
        .await
        .expect("purchase accepted");
    assert!(bought.sid.starts_with("PN"));
    client
        .update_number_urls(&bought.sid, &urls())
        .await
        .expect("update accepted");
    client
        .find_number("+15125550199")
        .await
        .expect("lookup by number accepted");
    client
        .find_number(&bought.sid)
        .await
        .expect("lookup by SID accepted");
    client
        .release_number(&bought.sid)
        .await
        .expect("release accepted");
    client
        .add_to_messaging_service(&bought.sid)
        .await
        .expect("Messaging Service add accepted");
}

/// The `send_sms` job's two requests: creating a text and listing recent ones (reconciliation).
#[tokio::test]
async fn message_requests_follow_twilios_contract() {
    let client = client();
    let sent = client
        .create_message(&NewMessage {
            to: "+15125550100",
            from: "+15125550199",
            body: "Got it. How urgent is it? Reply 1 Emergency, 2 Today, 3 This week, 4 Quote.",
            status_callback: "https://app.example.com/api/twilio/message-status?m=7b0e#rc=3&rp=all",
        })
        .await
        .expect("send accepted");
    assert!(
        sent.sid.starts_with("SM") || sent.sid.starts_with("MM"),
        "{}",
        sent.sid
    );
    client
        .recent_messages("+15125550100", "+15125550199", 20)
        .await
        .expect("list accepted");
}

/// The mock really validates: without `To`, sending a message is refused with 422, and without
/// credentials with 401, so the successes above mean the requests matched the contract.
#[tokio::test]
async fn the_contract_mock_refuses_requests_that_break_it() {
    let api = mock_url("TWILIO_CONTRACT_API_URL");
    let http = reqwest::Client::new();
    let url = format!("{api}/2010-04-01/Accounts/{TWILIO_SID}/Messages.json");
    let missing_to = http
        .post(&url)
        .basic_auth(TWILIO_SID, Some(TWILIO_TOKEN))
        .form(&[("From", "+15125550199"), ("Body", "hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing_to.status(), 422);
    let unauthenticated = http
        .post(&url)
        .form(&[
            ("To", "+15125550100"),
            ("From", "+15125550199"),
            ("Body", "hi"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}
