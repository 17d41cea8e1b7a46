//! Shared by the benchmark load generators: an owner who signs up, onboards and signs in
//! through the real endpoints, and form posts as the browser bundle makes them.

pub const PASSWORD: &str = "correct horse battery staple";

/// A client that sees redirects as answers (server functions answer form posts with them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Posts a form as the browser bundle does; returns the session cookie it set, if any.
pub async fn call(
    client: &reqwest::Client,
    url: String,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> Option<String> {
    let mut request = client
        .post(url)
        .header("accept", "application/json")
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.expect("request");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sid="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap_or_default()
    );
    cookie
}

#[allow(dead_code)] // not every generator signs up a new owner
pub async fn setup(client: &reqwest::Client, base: &str, email: &str) {
    let cookie = call(
        client,
        format!("{base}/api/auth/sign-up"),
        None,
        &[("email", email), ("password", PASSWORD)],
    )
    .await
    .expect("a session after sign-up");
    call(
        client,
        format!("{base}/api/app/onboarding"),
        Some(&cookie),
        &[
            ("name", "Bench Plumbing"),
            ("timezone", "America/Chicago"),
            ("notify_phone", "(512) 555-0111"),
            ("forwarding_phone", "512-555-0142"),
            ("service_label_1", "Repair"),
            ("service_label_2", "Install"),
            ("service_label_3", "Maintenance"),
            ("ring_timeout", "20"),
        ],
    )
    .await;
}

pub async fn sign_in(client: &reqwest::Client, base: &str, email: &str) -> String {
    call(
        client,
        format!("{base}/api/auth/sign-in"),
        None,
        &[("email", email), ("password", PASSWORD)],
    )
    .await
    .expect("a session after sign-in")
}
