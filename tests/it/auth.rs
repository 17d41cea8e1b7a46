//! Accounts and sessions through the real router (web.md §3): sign-up, sign-in, sign-out,
//! rate limits, session rotation, plain forms, two instances on one database.

use chrono::Duration;
use sqlx::PgPool;

use callbackcloser::server::clock::Clock as _;

use crate::support::{
    PASSWORD, Visitor, app, config_with, production_overrides, signed_up, state_with, test_clock,
};

#[sqlx::test]
async fn sign_up_creates_the_account_and_signs_in(pool: PgPool) {
    let app = app(pool.clone());
    let mut visitor = Visitor::new(app);
    let reply = visitor
        .call(
            "/api/auth/sign-up",
            &[("email", " Pat@Example.com "), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/app"));
    assert!(visitor.cookie.is_some(), "a session cookie is set");

    let (email, hash): (String, String) = sqlx::query_as("SELECT email, password_hash FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(email, "pat@example.com");
    assert!(hash.starts_with("$argon2id$"));

    let page = visitor.get("/app").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location"), Some("/app/onboarding"));
}

#[sqlx::test]
async fn sign_up_explains_each_problem(pool: PgPool) {
    let app = app(pool);
    let mut visitor = Visitor::new(app.clone());
    let reply = visitor
        .call(
            "/api/auth/sign-up",
            &[("email", "not-an-email"), ("password", "short")],
        )
        .await;
    assert_eq!(reply.status, 422);
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        body["errors"]["email"],
        "Enter a valid email address, like name@example.com."
    );
    assert_eq!(body["errors"]["password"], "Use at least 10 characters.");

    let reply = visitor
        .call(
            "/api/auth/sign-up",
            &[("email", "a@b.co"), ("password", "password123")],
        )
        .await;
    assert!(reply.body.contains("too common"), "{}", reply.body);
    let reply = visitor
        .call(
            "/api/auth/sign-up",
            &[
                ("email", "pat@example.com"),
                ("password", "pat@example.com"),
            ],
        )
        .await;
    assert!(
        reply.body.contains("cannot be your email"),
        "{}",
        reply.body
    );

    signed_up(&app, "dup@example.com").await;
    let reply = Visitor::new(app)
        .call(
            "/api/auth/sign-up",
            &[("email", "DUP@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, 422);
    assert!(
        reply
            .body
            .contains("An account with this email already exists."),
        "{}",
        reply.body
    );
}

#[sqlx::test]
async fn sign_in_failures_never_say_which_part_was_wrong(pool: PgPool) {
    let app = app(pool);
    signed_up(&app, "pat@example.com").await;
    let mut visitor = Visitor::new(app);
    for email in ["pat@example.com", "nobody@example.com"] {
        let reply = visitor
            .call(
                "/api/auth/sign-in",
                &[("email", email), ("password", "wrong password")],
            )
            .await;
        assert_eq!(reply.status, 422);
        assert_eq!(
            reply.body,
            r#"{"errors":{"form":"Invalid email or password."}}"#
        );
    }
    assert!(visitor.cookie.is_none() || visitor.get("/app").await.status == 303);
}

/// W6: the 11th wrong password for one email within 15 minutes is refused with 429.
#[sqlx::test]
async fn repeated_failures_are_rate_limited_per_email(pool: PgPool) {
    let clock = test_clock();
    let app =
        callbackcloser::server::router::router(state_with(pool, config_with(&[]), clock.clone()));
    signed_up(&app, "pat@example.com").await;
    let mut visitor = Visitor::new(app.clone());
    for attempt in 1..=10 {
        let reply = visitor
            .call(
                "/api/auth/sign-in",
                &[("email", "pat@example.com"), ("password", "nope nope nope")],
            )
            .await;
        assert_eq!(reply.status, 422, "attempt {attempt}");
    }
    let refused = visitor
        .call(
            "/api/auth/sign-in",
            &[("email", "PAT@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        refused.status, 429,
        "even the right password waits: {}",
        refused.body
    );
    assert_eq!(refused.header("retry-after"), Some("900"));
    assert!(
        refused
            .body
            .contains("Too many sign-in attempts. Try again in 15 minutes."),
        "{}",
        refused.body
    );

    // Plain forms get the 429 page, with Retry-After too.
    let page = visitor
        .submit(
            "/sign-in",
            "/api/auth/sign-in",
            &[("email", "pat@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 429);
    assert!(page.header("retry-after").is_some());
    assert!(page.body.contains("Too many sign-in attempts."));

    clock.advance(Duration::minutes(15));
    let allowed = visitor
        .call(
            "/api/auth/sign-in",
            &[("email", "pat@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
}

#[sqlx::test]
async fn a_successful_sign_in_clears_the_email_failures(pool: PgPool) {
    let app = app(pool);
    signed_up(&app, "pat@example.com").await;
    let mut visitor = Visitor::new(app);
    for _ in 0..9 {
        visitor
            .call(
                "/api/auth/sign-in",
                &[("email", "pat@example.com"), ("password", "nope nope nope")],
            )
            .await;
    }
    assert_eq!(
        visitor
            .call(
                "/api/auth/sign-in",
                &[("email", "pat@example.com"), ("password", PASSWORD)]
            )
            .await
            .status,
        200
    );
    let mut other = Visitor::new(visitor.app.clone());
    for _ in 0..9 {
        assert_eq!(
            other
                .call(
                    "/api/auth/sign-in",
                    &[("email", "pat@example.com"), ("password", "nope nope nope")]
                )
                .await
                .status,
            422
        );
    }
}

/// W7: the session id changes at sign-in (no session fixation).
#[sqlx::test]
async fn signing_in_rotates_the_session_id(pool: PgPool) {
    let app = app(pool);
    signed_up(&app, "pat@example.com").await;
    let mut visitor = Visitor::new(app);
    let sign_in = [("email", "pat@example.com"), ("password", PASSWORD)];
    assert_eq!(
        visitor.call("/api/auth/sign-in", &sign_in).await.status,
        200
    );
    let before = visitor.cookie.clone().expect("signed in");
    // Signing in again over a signed-in session rotates its id too.
    let reply = visitor.call("/api/auth/sign-in", &sign_in).await;
    assert_eq!(reply.status, 200);
    let after = visitor.cookie.clone().unwrap();
    assert_ne!(before, after);
    let mut stale = Visitor::new(visitor.app.clone());
    stale.cookie = Some(before);
    let page = stale.get("/app/account").await;
    assert_eq!(page.status, 303, "the old id no longer signs anyone in");
}

#[sqlx::test]
async fn the_session_cookie_has_the_documented_attributes(pool: PgPool) {
    let app = app(pool.clone());
    let mut visitor = Visitor::new(app);
    let reply = visitor
        .call(
            "/api/auth/sign-up",
            &[("email", "pat@example.com"), ("password", PASSWORD)],
        )
        .await;
    let cookie = reply.header("set-cookie").unwrap().to_owned();
    for attribute in [
        "sid=",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=2592000",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http in development");

    let production = callbackcloser::server::router::router(state_with(
        pool,
        config_with(&production_overrides()),
        test_clock(),
    ));
    let reply = Visitor::new(production)
        .call(
            "/api/auth/sign-up",
            &[("email", "sam@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert!(reply.header("set-cookie").unwrap().contains("Secure"));
}

#[sqlx::test]
async fn sign_out_ends_the_session(pool: PgPool) {
    let app = app(pool.clone());
    let mut visitor = signed_up(&app, "pat@example.com").await;
    let old_cookie = visitor.cookie.clone();
    assert_eq!(
        visitor.get("/app").await.header("location"),
        Some("/app/onboarding")
    );
    let reply = visitor.call("/api/auth/sign-out", &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("location"), Some("/"));
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "the server-side session is deleted");
    // The old cookie is worthless now.
    visitor.cookie = old_cookie;
    assert!(
        visitor
            .get("/app")
            .await
            .header("location")
            .unwrap()
            .starts_with("/sign-in")
    );
}

/// The sign-out page only asks: GET never signs out.
#[sqlx::test]
async fn the_sign_out_page_does_not_sign_out(pool: PgPool) {
    let app = app(pool);
    let mut visitor = signed_up(&app, "pat@example.com").await;
    let page = visitor.get("/sign-out").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("action=\"/api/auth/sign-out\""));
    assert_eq!(
        visitor.get("/app").await.header("location"),
        Some("/app/onboarding")
    );
}

/// A session made on one instance is valid on another sharing the database and secret.
#[sqlx::test]
async fn sessions_work_across_two_instances(pool: PgPool) {
    let first = app(pool.clone());
    let second = app(pool);
    let visitor = signed_up(&first, "pat@example.com").await;
    let mut on_second = Visitor::new(second);
    on_second.cookie = visitor.cookie.clone();
    assert_eq!(
        on_second.get("/app").await.header("location"),
        Some("/app/onboarding")
    );
}

#[sqlx::test]
async fn disabled_users_cannot_sign_in_and_lose_their_sessions(pool: PgPool) {
    let app = app(pool.clone());
    let mut visitor = signed_up(&app, "pat@example.com").await;
    sqlx::query("UPDATE users SET disabled_at = now()")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        visitor
            .get("/app")
            .await
            .header("location")
            .unwrap()
            .starts_with("/sign-in")
    );
    let reply = Visitor::new(app)
        .call(
            "/api/auth/sign-in",
            &[("email", "pat@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, 422);
}

/// W1: signed-out visitors of an app page go to sign-in and come back after.
#[sqlx::test]
async fn app_pages_send_visitors_to_sign_in_with_next(pool: PgPool) {
    let app = app(pool);
    let mut visitor = Visitor::new(app.clone());
    let page = visitor.get("/app/leads?status=new").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.header("location"),
        Some("/sign-in?next=%2Fapp%2Fleads%3Fstatus%3Dnew")
    );

    signed_up(&app, "pat@example.com").await;
    let reply = visitor
        .submit(
            "/sign-in?next=%2Fapp%2Fleads%3Fstatus%3Dnew",
            "/api/auth/sign-in",
            &[
                ("email", "pat@example.com"),
                ("password", PASSWORD),
                ("next", "/app/leads?status=new"),
            ],
        )
        .await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/app/leads?status=new"));
}

/// W20: an unsafe `next` is ignored.
#[sqlx::test]
async fn unsafe_next_values_are_ignored(pool: PgPool) {
    let app = app(pool);
    signed_up(&app, "pat@example.com").await;
    let reply = Visitor::new(app)
        .submit(
            "/sign-in",
            "/api/auth/sign-in",
            &[
                ("email", "pat@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/app"));
}

/// JavaScript off: a refused sign-in comes back to the form with the message and the email,
/// once.
#[sqlx::test]
async fn plain_form_errors_come_back_once_with_the_typed_values(pool: PgPool) {
    let app = app(pool.clone());
    let mut visitor = Visitor::new(app);
    let reply = visitor
        .submit(
            "/sign-in",
            "/api/auth/sign-in",
            &[("email", "pat@example.com"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/sign-in"));
    assert!(!reply.body.contains('{'), "never raw JSON");
    // An anonymous visitor's failed form leaves no session row behind: the flash is a cookie.
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    assert!(visitor.cookie.is_none());
    let flash = visitor
        .flash_cookie
        .clone()
        .expect("the flash travels in a cookie");
    assert!(!flash.contains("pat@example.com"), "sealed, not readable");

    let page = visitor.get("/sign-in").await;
    assert!(
        page.body.contains("Invalid email or password."),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"pat@example.com\""));
    assert!(
        !page.body.contains("wrong password"),
        "passwords are never echoed"
    );
    let again = visitor.get("/sign-in").await;
    assert!(
        !again.body.contains("Invalid email or password."),
        "the flash is shown once"
    );
}

#[sqlx::test]
async fn signed_in_users_skip_the_sign_in_page(pool: PgPool) {
    let app = app(pool);
    let mut visitor = signed_up(&app, "pat@example.com").await;
    for page in ["/sign-in", "/sign-up"] {
        let reply = visitor.get(page).await;
        assert_eq!(
            (reply.status.as_u16(), reply.header("location")),
            (303, Some("/app")),
            "{page}"
        );
    }
}

/// W9-style: a cross-site POST never reaches the handler.
#[sqlx::test]
async fn cross_site_posts_are_refused(pool: PgPool) {
    let app = app(pool.clone());
    let request = axum::http::Request::post("/api/auth/sign-up")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://attacker.example.com")
        .body(axum::body::Body::from(
            "email=x%40example.com&password=correct+horse+battery",
        ))
        .unwrap();
    let reply = crate::support::send(&app, request).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.body, r#"{"error":"Invalid request origin"}"#);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 0);

    let same_site = axum::http::Request::post("/api/auth/sign-up")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(
            "email=x%40example.com&password=correct+horse+battery",
        ))
        .unwrap();
    assert_eq!(crate::support::send(&app, same_site).await.status, 403);
}

#[sqlx::test]
async fn last_login_is_recorded_with_the_injected_clock(pool: PgPool) {
    let clock = test_clock();
    let app = callbackcloser::server::router::router(state_with(
        pool.clone(),
        config_with(&[]),
        clock.clone(),
    ));
    signed_up(&app, "pat@example.com").await;
    Visitor::new(app)
        .call(
            "/api/auth/sign-in",
            &[("email", "pat@example.com"), ("password", PASSWORD)],
        )
        .await;
    let at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT last_login_at FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(at, clock.now());
}

/// Failures are also limited per client IP (5× the per-email limit), shared by every email.
#[sqlx::test]
async fn repeated_failures_are_rate_limited_per_client_ip(pool: PgPool) {
    let state = state_with(
        pool,
        config_with(&[
            ("RATE_LIMIT_LOGIN_MAX", "3"),
            ("RATE_LIMIT_TRUSTED_PROXY_HOPS", "1"),
        ]),
        test_clock(),
    );
    let app = callbackcloser::server::router::router(state);
    let attempt = |email: String, ip: &'static str| {
        let app = app.clone();
        async move {
            let request = axum::http::Request::post("/api/auth/sign-in")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("x-forwarded-for", ip)
                .body(axum::body::Body::from(format!(
                    "email={email}%40example.com&password=wrong+password"
                )))
                .unwrap();
            crate::support::send(&app, request).await.status.as_u16()
        }
    };
    for n in 0..15 {
        assert_eq!(
            attempt(format!("user{n}"), "203.0.113.9").await,
            422,
            "attempt {n}"
        );
    }
    assert_eq!(
        attempt("fresh".into(), "203.0.113.9").await,
        429,
        "the IP's 16th failure"
    );
    assert_eq!(
        attempt("fresh".into(), "198.51.100.7").await,
        422,
        "another IP is unaffected"
    );
}

/// Posts a form as a JS client from `ip` (one trusted proxy hop in front).
async fn post_from(app: &axum::Router, path: &str, body: String, ip: &str) -> u16 {
    let request = axum::http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("x-forwarded-for", ip)
        .body(axum::body::Body::from(body))
        .unwrap();
    crate::support::send(app, request).await.status.as_u16()
}

fn behind_one_proxy(pool: PgPool) -> axum::Router {
    callbackcloser::server::router::router(state_with(
        pool,
        config_with(&[
            ("RATE_LIMIT_TRUSTED_PROXY_HOPS", "1"),
            ("RATE_LIMIT_SIGNUP_MAX", "10"),
        ]),
        test_clock(),
    ))
}

#[sqlx::test]
async fn concurrent_wrong_passwords_are_counted_before_any_is_checked(pool: PgPool) {
    let app = behind_one_proxy(pool);
    signed_up(&app, "pat@example.com").await;
    // Forty at once for one email, from forty addresses: ten are checked, the rest refused.
    let guesses = (0..40).map(|n| {
        let app = app.clone();
        async move {
            post_from(
                &app,
                "/api/auth/sign-in",
                "email=pat%40example.com&password=wrong+password".into(),
                &format!("203.0.113.{n}"),
            )
            .await
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (10, 30), "{statuses:?}");
}

#[sqlx::test]
async fn one_ipv6_network_is_one_client_for_the_sign_in_limit(pool: PgPool) {
    let app = behind_one_proxy(pool);
    // Fifty failures from fifty addresses of one /64, then the 51st is refused.
    for n in 0..50 {
        let status = post_from(
            &app,
            "/api/auth/sign-in",
            format!("email=user{n}%40example.com&password=wrong+password"),
            &format!("2001:db8:7:1::{n:x}"),
        )
        .await;
        assert_eq!(status, 422, "attempt {n}");
    }
    let body = "email=fresh%40example.com&password=wrong+password";
    assert_eq!(
        post_from(
            &app,
            "/api/auth/sign-in",
            body.into(),
            "2001:db8:7:1:ffff::1"
        )
        .await,
        429
    );
    assert_eq!(
        post_from(&app, "/api/auth/sign-in", body.into(), "2001:db8:7:2::1").await,
        422,
        "the next /64 is someone else"
    );
}

#[sqlx::test]
async fn sign_ups_are_limited_per_network_before_any_password_is_hashed(pool: PgPool) {
    let app = behind_one_proxy(pool.clone());
    let password = "correct+horse+battery+staple";
    for n in 0..10 {
        let status = post_from(
            &app,
            "/api/auth/sign-up",
            format!("email=new{n}%40example.com&password={password}"),
            "198.51.100.20",
        )
        .await;
        assert_eq!(status, 200, "sign-up {n}");
    }
    let status = post_from(
        &app,
        "/api/auth/sign-up",
        format!("email=one-more%40example.com&password={password}"),
        "198.51.100.20",
    )
    .await;
    assert_eq!(status, 429);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 10);
    // No session row is left behind for the refused visitor either.
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sessions, 10);
}

#[sqlx::test]
async fn fifty_failed_anonymous_forms_create_no_sessions_and_a_forged_flash_shows_nothing(
    pool: PgPool,
) {
    let app = app(pool.clone());
    let long = "x".repeat(60_000);
    for _ in 0..50 {
        let mut visitor = Visitor::new(app.clone());
        let reply = visitor
            .submit(
                "/sign-up",
                "/api/auth/sign-up",
                &[("email", long.as_str()), ("password", "short")],
            )
            .await;
        assert_eq!(reply.status, 303);
        let cookie = reply.header("set-cookie").unwrap_or_default();
        assert!(
            cookie.len() < 4096,
            "the flash cookie is capped: {}",
            cookie.len()
        );
    }
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    let mut forger = Visitor::new(app);
    forger.flash_cookie = Some("form_flash=bm90LXNlYWxlZA".into());
    let page = forger.get("/sign-up").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("not-sealed"));
}

#[sqlx::test]
async fn a_request_in_flight_cannot_undo_a_sign_out(pool: PgPool) {
    use callbackcloser::server::auth::session_rows::SessionRows;
    use tower_sessions::SessionStore as _;
    let clock = test_clock();
    let app = callbackcloser::server::router::router(state_with(
        pool.clone(),
        config_with(&[]),
        clock.clone(),
    ));
    let mut visitor = signed_up(&app, "pat@example.com").await;
    // A request loaded the session just before the sign-out and saves it just after.
    let store = SessionRows::new(pool.clone(), clock.clone());
    let id: String = sqlx::query_scalar("SELECT id FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    let loaded = store
        .load(&id.parse().unwrap())
        .await
        .unwrap()
        .expect("the session is there");
    let old_cookie = visitor.cookie.clone();
    assert_eq!(visitor.call("/api/auth/sign-out", &[]).await.status, 200);
    store.save(&loaded).await.unwrap();
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "the late save did not bring the session back");

    // The same race through the router: page loads in flight while signing out.
    for trial in 0..5 {
        let mut visitor = Visitor::new(app.clone());
        let sign_in = [("email", "pat@example.com"), ("password", PASSWORD)];
        assert_eq!(
            visitor.call("/api/auth/sign-in", &sign_in).await.status,
            200
        );
        let cookie = visitor.cookie.clone();
        let loads = (0..8).map(|_| {
            let mut tab = Visitor::new(app.clone());
            tab.cookie = cookie.clone();
            async move { tab.get("/app/account").await.status }
        });
        let sign_out = async {
            let mut tab = Visitor::new(app.clone());
            tab.cookie = cookie.clone();
            tab.call("/api/auth/sign-out", &[]).await.status
        };
        let (_, out) = tokio::join!(futures::future::join_all(loads), sign_out);
        assert_eq!(out, 200);
        let mut after = Visitor::new(app.clone());
        after.cookie = cookie;
        let page = after.get("/app/account").await;
        assert!(
            page.header("location")
                .unwrap_or_default()
                .starts_with("/sign-in"),
            "trial {trial}: signed out stays signed out"
        );
    }
    let _ = old_cookie;
}

#[sqlx::test]
async fn a_session_ends_ninety_days_after_sign_in_however_active(pool: PgPool) {
    let clock = test_clock();
    let app =
        callbackcloser::server::router::router(state_with(pool, config_with(&[]), clock.clone()));
    let mut visitor = signed_up(&app, "pat@example.com").await;
    // Used every ten days: still signed in at day 80 ...
    for _ in 0..8 {
        clock.advance(Duration::days(10));
        let page = visitor.get("/app/account").await;
        assert!(
            !page
                .header("location")
                .unwrap_or_default()
                .starts_with("/sign-in"),
            "still signed in"
        );
    }
    // ... and out at day 91.
    clock.advance(Duration::days(11));
    let page = visitor.get("/app/account").await;
    assert!(
        page.header("location")
            .unwrap_or_default()
            .starts_with("/sign-in"),
        "{:?}",
        page.header("location")
    );
}
