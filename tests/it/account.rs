//! The account page's actions (web.md §3.2): password change and "sign out other sessions"
//! end every other session and keep this one.

use sqlx::PgPool;

use crate::support::{PASSWORD, Visitor, app, signed_up};

#[sqlx::test]
async fn changing_the_password_ends_the_other_sessions(pool: PgPool) {
    let app = app(pool.clone());
    let mut phone = signed_up(&app, "pat@example.com").await;
    let mut laptop = Visitor::new(app.clone());
    laptop
        .call(
            "/api/auth/sign-in",
            &[("email", "pat@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        laptop.get("/app").await.header("location"),
        Some("/app/onboarding")
    );

    let wrong = phone
        .call(
            "/api/app/account/password",
            &[
                ("current_password", "not it at all"),
                ("new_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("current_password"));

    let reply = phone
        .call(
            "/api/app/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/app/account?done=password"));
    assert_eq!(
        phone.get("/app").await.header("location"),
        Some("/app/onboarding"),
        "this session continues"
    );
    assert!(
        laptop
            .get("/app")
            .await
            .header("location")
            .unwrap()
            .starts_with("/sign-in"),
        "the other one ended"
    );

    let audit: String = sqlx::query_scalar("SELECT action FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audit, "user.password_changed");
    let new_sign_in = Visitor::new(app)
        .call(
            "/api/auth/sign-in",
            &[
                ("email", "pat@example.com"),
                ("password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(new_sign_in.status, 200);
}

#[sqlx::test]
async fn signing_out_other_sessions_keeps_this_one(pool: PgPool) {
    let app = app(pool);
    let mut phone = signed_up(&app, "pat@example.com").await;
    let mut laptop = Visitor::new(app.clone());
    laptop
        .call(
            "/api/auth/sign-in",
            &[("email", "pat@example.com"), ("password", PASSWORD)],
        )
        .await;

    let reply = phone
        .submit("/app/account", "/api/app/account/sign-out-others", &[])
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.header("location")),
        (303, Some("/app/account?done=sessions"))
    );
    let page = phone.get("/app/account?done=sessions").await;
    assert!(
        page.body
            .contains("All your other sessions have been signed out.")
    );
    assert!(
        laptop
            .get("/app")
            .await
            .header("location")
            .unwrap()
            .starts_with("/sign-in")
    );
}
