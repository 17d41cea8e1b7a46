//! Team management (web.md §6.7, §3.3): invitations, roles, the last-owner rule, reset links,
//! and isolation between businesses.

use chrono::Duration;
use sqlx::PgPool;
use uuid::Uuid;

use crate::support::{
    PASSWORD, Visitor, agent, app, config_with, owner, signed_up, state_with, test_clock,
};

/// The one-time link the team page shows after an action.
fn shown_link(page: &str, prefix: &str) -> String {
    let start = page
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in the page"));
    let rest = &page[start..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

async fn membership_of(pool: &PgPool, email: &str) -> Option<(Uuid, String)> {
    sqlx::query_as("SELECT m.business_id, m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await
        .unwrap()
}

/// Creates an invitation for `role` and returns the token of the link the page shows once.
async fn invitation_token(owner: &mut Visitor, role: &str) -> String {
    owner.call("/api/app/team/invite", &[("role", role)]).await;
    shown_link(
        &owner.get("/app/team").await.body,
        "http://localhost:3000/sign-up?invite=",
    )
    .rsplit('=')
    .next()
    .unwrap()
    .to_owned()
}

async fn membership_id(pool: &PgPool, email: &str) -> String {
    let id: Uuid = sqlx::query_scalar(
        "SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap();
    id.to_string()
}

#[sqlx::test]
async fn an_invitation_link_joins_once_with_its_role(pool: PgPool) {
    let clock = test_clock();
    let app = callbackcloser::server::router::router(state_with(
        pool.clone(),
        config_with(&[]),
        clock.clone(),
    ));
    let (mut owner, business) = owner(&app, &pool, "owner@example.com").await;
    let reply = owner
        .call("/api/app/team/invite", &[("role", "agent")])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let page = owner.get("/app/team").await;
    let link = shown_link(&page.body, "http://localhost:3000/sign-up?invite=");
    assert!(
        !owner
            .get("/app/team")
            .await
            .body
            .contains("sign-up?invite="),
        "shown once"
    );
    let token = link.rsplit('=').next().unwrap().to_owned();
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(stored, token, "only the hash is stored");

    let mut newcomer = Visitor::new(app.clone());
    let signup_page = newcomer.get(&format!("/sign-up?invite={token}")).await;
    assert!(
        signup_page
            .body
            .contains("You are joining Acme Plumbing as agent.")
    );
    let reply = newcomer
        .call(
            "/api/auth/sign-up",
            &[
                ("email", "agent@example.com"),
                ("password", PASSWORD),
                ("invite", &token),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/app/leads"));
    assert_eq!(
        membership_of(&pool, "agent@example.com").await,
        Some((business, "agent".into()))
    );
    assert_eq!(newcomer.get("/app/leads").await.status, 200);

    let reply = Visitor::new(app.clone())
        .call(
            "/api/auth/sign-up",
            &[
                ("email", "late@example.com"),
                ("password", PASSWORD),
                ("invite", &token),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "a used link is refused");
    assert!(reply.body.contains("This invitation is no longer valid."));
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'late@example.com'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(users, 0, "nothing is created");

    // Expired after 7 days.
    let token = invitation_token(&mut owner, "owner").await;
    clock.advance(Duration::days(7) + Duration::seconds(1));
    let mut signed_in = signed_up(&app, "sam@example.com").await;
    let gone = signed_in
        .get(&format!("/app/team/accept?invite={token}"))
        .await;
    assert_eq!(gone.status, 410);
    assert!(gone.body.contains("This invitation is no longer valid."));
}

/// W28 and the signed-in acceptance path.
#[sqlx::test]
async fn signed_in_users_accept_at_the_accept_page(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, business) = owner(&app, &pool, "owner@example.com").await;
    let token = invitation_token(&mut owner, "owner").await;

    let (mut elsewhere, _) = crate::support::owner(&app, &pool, "other@example.com").await;
    let conflict = elsewhere
        .get(&format!("/app/team/accept?invite={token}"))
        .await;
    assert_eq!(conflict.status, 409);
    assert!(
        conflict
            .body
            .contains("This account already belongs to a business.")
    );

    let mut signed_out = Visitor::new(app.clone());
    let reply = signed_out
        .get(&format!("/app/team/accept?invite={token}"))
        .await;
    assert!(
        reply
            .header("location")
            .unwrap()
            .starts_with("/sign-in?next=%2Fapp%2Fteam%2Faccept%3Finvite%3D")
    );

    let mut joiner = signed_up(&app, "joiner@example.com").await;
    let page = format!("/app/team/accept?invite={token}");
    // Opening the link (a cross-site page could load it in the background) only asks.
    let asked = joiner.get(&page).await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("Join Acme Plumbing"), "{}", asked.body);
    assert!(
        asked
            .body
            .contains("method=\"post\" action=\"/app/team/accept\"")
    );
    assert_eq!(membership_of(&pool, "joiner@example.com").await, None);
    // A cross-site POST is refused like every form.
    let forged = joiner
        .send(
            axum::http::Request::post("/app/team/accept")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", "https://evil.example")
                .body(axum::body::Body::from(format!("invite={token}")))
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(membership_of(&pool, "joiner@example.com").await, None);
    let reply = joiner
        .submit(&page, "/app/team/accept", &[("invite", &token)])
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.header("location")),
        (303, Some("/app/leads"))
    );
    assert_eq!(
        membership_of(&pool, "joiner@example.com").await,
        Some((business, "owner".into()))
    );
    assert_eq!(
        signed_up(&app, "x@example.com")
            .await
            .get("/app/team/accept?invite=bogus")
            .await
            .status,
        410
    );
}

#[sqlx::test]
async fn a_business_always_keeps_an_owner(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, business) = owner(&app, &pool, "owner@example.com").await;
    let mut agent = agent(&app, &pool, business, "agent@example.com").await;
    let own_id = membership_id(&pool, "owner@example.com").await;
    let agent_id = membership_id(&pool, "agent@example.com").await;

    let reply = owner
        .call(
            "/api/app/team/role",
            &[("member_id", &own_id), ("role", "agent")],
        )
        .await;
    assert_eq!(reply.status, 409);
    assert!(reply.body.contains("A business needs at least one owner."));
    assert_eq!(
        owner
            .call("/api/app/team/remove", &[("member_id", &own_id)])
            .await
            .status,
        409
    );

    assert_eq!(
        owner
            .call(
                "/api/app/team/role",
                &[("member_id", &agent_id), ("role", "owner")]
            )
            .await
            .status,
        200
    );
    assert_eq!(
        owner
            .call(
                "/api/app/team/role",
                &[("member_id", &own_id), ("role", "agent")]
            )
            .await
            .status,
        200,
        "another owner exists now"
    );
    assert_eq!(
        owner.get("/app/team").await.status,
        403,
        "no longer an owner"
    );
    assert_eq!(
        agent
            .call("/api/app/team/remove", &[("member_id", &own_id)])
            .await
            .status,
        200
    );
    assert_eq!(
        owner.get("/app/leads").await.header("location"),
        Some("/app/onboarding")
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'member.%' ORDER BY action",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // The test clock stands still, so order by name.
    assert_eq!(
        actions,
        vec![
            "member.removed",
            "member.role_changed",
            "member.role_changed"
        ]
    );
}

#[sqlx::test]
async fn reset_links_set_a_new_password_once(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, business) = owner(&app, &pool, "owner@example.com").await;
    let mut agent = agent(&app, &pool, business, "agent@example.com").await;
    let agent_id = membership_id(&pool, "agent@example.com").await;
    let own_id = membership_id(&pool, "owner@example.com").await;
    assert_eq!(
        owner
            .call("/api/app/team/reset-link", &[("member_id", &own_id)])
            .await
            .status,
        409
    );

    assert_eq!(
        owner
            .call("/api/app/team/reset-link", &[("member_id", &agent_id)])
            .await
            .status,
        200
    );
    let link = shown_link(
        &owner.get("/app/team").await.body,
        "http://localhost:3000/reset-password?token=",
    );
    let path = link.trim_start_matches("http://localhost:3000");
    let token = path.rsplit('=').next().unwrap().to_owned();

    let mut stranger = Visitor::new(app.clone());
    assert_eq!(stranger.get(path).await.status, 200);
    let weak = stranger
        .call(
            "/api/auth/reset-password",
            &[("token", &token), ("password", "short")],
        )
        .await;
    assert_eq!(weak.status, 422);
    let reply = stranger
        .call(
            "/api/auth/reset-password",
            &[("token", &token), ("password", "a new long passphrase")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/sign-in?reset=done"));
    assert!(
        agent
            .get("/app/leads")
            .await
            .header("location")
            .unwrap()
            .starts_with("/sign-in"),
        "old sessions end"
    );
    let signed_in = Visitor::new(app.clone())
        .call(
            "/api/auth/sign-in",
            &[
                ("email", "agent@example.com"),
                ("password", "a new long passphrase"),
            ],
        )
        .await;
    assert_eq!(signed_in.status, 200);

    assert_eq!(stranger.get(path).await.status, 410, "single use");
    assert_eq!(
        stranger.get("/reset-password?token=bogus").await.status,
        410
    );
    let again = stranger
        .call(
            "/api/auth/reset-password",
            &[("token", &token), ("password", "another long passphrase")],
        )
        .await;
    assert_eq!(again.status, 422);
}

#[sqlx::test]
async fn an_owners_reset_link_dies_with_the_membership_it_was_issued_for(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, business) = owner(&app, &pool, "owner@example.com").await;
    let issue = |owner: &mut Visitor, member_id: String| {
        let mut owner = Visitor {
            app: owner.app.clone(),
            cookie: owner.cookie.clone(),
            flash_cookie: None,
            origin: owner.origin.clone(),
        };
        async move {
            let reply = owner
                .call("/api/app/team/reset-link", &[("member_id", &member_id)])
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            shown_link(
                &owner.get("/app/team").await.body,
                "http://localhost:3000/reset-password?token=",
            )
            .rsplit('=')
            .next()
            .unwrap()
            .to_owned()
        }
    };
    let use_link = |token: String| {
        let app = app.clone();
        async move {
            Visitor::new(app)
                .call(
                    "/api/auth/reset-password",
                    &[("token", &token), ("password", "a new long passphrase")],
                )
                .await
        }
    };

    // Removed from the business: the link an owner made for them no longer works.
    agent(&app, &pool, business, "gone@example.com").await;
    let token = issue(&mut owner, membership_id(&pool, "gone@example.com").await).await;
    let removed = owner
        .call(
            "/api/app/team/remove",
            &[("member_id", &membership_id(&pool, "gone@example.com").await)],
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let refused = use_link(token).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("no longer valid"), "{}", refused.body);

    // Made an owner: an owner's password is theirs to change, so the link is revoked too.
    agent(&app, &pool, business, "promoted@example.com").await;
    let member = membership_id(&pool, "promoted@example.com").await;
    let token = issue(&mut owner, member.clone()).await;
    let promoted = owner
        .call(
            "/api/app/team/role",
            &[("member_id", &member), ("role", "owner")],
        )
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    assert_eq!(use_link(token).await.status, 422);
}

#[sqlx::test]
async fn an_owner_revokes_a_pending_invitation_and_its_link_stops_working(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, business) = owner(&app, &pool, "owner@example.com").await;
    let token = invitation_token(&mut owner, "agent").await;
    let page = owner.get("/app/team").await.body;
    assert!(page.contains("/api/app/team/revoke-invitation"), "{page}");
    let invitation: Uuid = sqlx::query_scalar("SELECT id FROM invitations")
        .fetch_one(&pool)
        .await
        .unwrap();
    // Agents and other businesses cannot touch it.
    let mut agent = agent(&app, &pool, business, "agent@example.com").await;
    let refused = agent
        .call(
            "/api/app/team/revoke-invitation",
            &[("invitation_id", &invitation.to_string())],
        )
        .await;
    assert_eq!(refused.status, 403);
    let (mut other, _) = crate::support::owner(&app, &pool, "other@example.com").await;
    let hidden = other
        .call(
            "/api/app/team/revoke-invitation",
            &[("invitation_id", &invitation.to_string())],
        )
        .await;
    assert_eq!(hidden.status, 404);

    let revoked = owner
        .call(
            "/api/app/team/revoke-invitation",
            &[("invitation_id", &invitation.to_string())],
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let mut joiner = signed_up(&app, "joiner@example.com").await;
    let gone = joiner
        .get(&format!("/app/team/accept?invite={token}"))
        .await;
    assert_eq!(gone.status, 410);
    assert_eq!(membership_of(&pool, "joiner@example.com").await, None);
    let again = owner
        .call(
            "/api/app/team/revoke-invitation",
            &[("invitation_id", &invitation.to_string())],
        )
        .await;
    assert_eq!(again.status, 404);
}
