//! Public pages, the 404 page and the site-info server function, through the real router.

use axum::{body::Body, http::Request};
use sqlx::PgPool;

use crate::support::{app, config_with, get, send, state_with, test_clock};

/// W18: the legal pages answer signed out with their required headings and sections.
#[sqlx::test]
async fn legal_pages_have_their_headings_and_sms_sections(pool: PgPool) {
    let app = app(pool);
    for (path, heading) in [
        ("/terms", "Terms of Service"),
        ("/privacy", "Privacy Policy"),
        ("/refund", "Refund Policy"),
        ("/contact", "Contact"),
    ] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            reply.body.contains(&format!(">{heading}</h1>")),
            "{path}: {}",
            reply.body
        );
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
    }
    let terms = get(&app, "/terms").await.body;
    for required in [
        "SMS Terms",
        "Msg &amp; data rates may apply",
        "Reply STOP",
        "HELP",
        "Message frequency varies",
    ] {
        assert!(terms.contains(required), "terms lack {required:?}");
    }
    let privacy = get(&app, "/privacy").await.body;
    for required in [
        "never shared with or sold to third parties or affiliates for marketing",
        "reply STOP",
        "Message frequency varies",
    ] {
        assert!(privacy.contains(required), "privacy lacks {required:?}");
    }
}

#[sqlx::test]
async fn contact_shows_the_configured_support_email(pool: PgPool) {
    let app = app(pool);
    let body = get(&app, "/contact").await.body;
    assert!(body.contains("mailto:help@callbackcloser.test"), "{body}");
}

#[sqlx::test]
async fn the_landing_page_explains_and_prices_the_product(pool: PgPool) {
    let app = callbackcloser::server::router::router(state_with(
        pool,
        config_with(&[("PLAN_STARTER_CONVERSATIONS", "250")]),
        test_clock(),
    ));
    let reply = get(&app, "/").await;
    assert_eq!(reply.status, 200);
    let body = reply.body;
    assert!(body.contains("How it works"));
    assert!(body.contains("href=\"/buy?plan=starter\""));
    assert!(body.contains("href=\"/buy?plan=pro\""));
    assert!(
        body.contains("250 conversations a month"),
        "quota comes from the configuration"
    );
    assert!(body.contains("1000 conversations a month"));
    for legal in ["/terms", "/privacy", "/refund", "/contact"] {
        assert!(
            body.contains(&format!("href=\"{legal}\"")),
            "footer links {legal}"
        );
    }
    assert!(body.contains("<title>CallbackCloser</title>"), "{body}");
    assert!(!body.contains("Demo mode"), "no banner outside demo mode");
}

#[sqlx::test]
async fn demo_mode_shows_a_banner_on_every_page(pool: PgPool) {
    let app = callbackcloser::server::router::router(state_with(
        pool,
        config_with(&[("DEMO_MODE", "true")]),
        test_clock(),
    ));
    for path in ["/", "/terms", "/no-such-page"] {
        assert!(get(&app, path).await.body.contains("Demo mode"), "{path}");
    }
}

#[sqlx::test]
async fn the_sign_in_page_shows_the_demo_login_in_demo_mode_only(pool: PgPool) {
    let demo = callbackcloser::server::router::router(state_with(
        pool.clone(),
        config_with(&[("DEMO_MODE", "true")]),
        test_clock(),
    ));
    let page = get(&demo, "/sign-in").await.body;
    assert!(page.contains("Demo login"), "{page}");
    assert!(page.contains("demo@callbackcloser.test"));
    assert!(page.contains("demo-callbacks-2468"));

    let live = get(&app(pool), "/sign-in").await.body;
    assert!(!live.contains("Demo login"));
    assert!(!live.contains("demo-callbacks-2468"));
}

#[sqlx::test]
async fn unknown_paths_get_the_404_page(pool: PgPool) {
    let app = app(pool);
    let reply = get(&app, "/definitely/not/here").await;
    assert_eq!(reply.status, 404);
    assert!(reply.body.contains("Page not found"));
    assert!(
        reply
            .body
            .contains("<title>Page not found · CallbackCloser</title>")
    );
}

#[sqlx::test]
async fn the_site_info_server_function_answers_json(pool: PgPool) {
    let app = app(pool);
    let request = Request::post("/api/site/info")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let info: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(info["support_email"], "help@callbackcloser.test");
    assert_eq!(info["demo_mode"], false);
    assert_eq!(info["starter_conversations"], 200);
}

#[sqlx::test]
async fn dashboard_pages_are_never_stored_by_a_browser_or_a_cache(pool: PgPool) {
    let app = crate::support::app(pool.clone());
    let (mut owner, _) = crate::support::owner(&app, &pool, "pat@example.com").await;
    for path in ["/app/leads", "/app/settings", "/app/numbers"] {
        let page = owner.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
    }
    let public = crate::support::get(&app, "/").await;
    assert_ne!(public.header("cache-control"), Some("no-store"));
}
