//! Property test (quality.md §5) for `POST /api/stripe/webhook`: generated malformed deliveries —
//! random and invalid-UTF-8 bodies, truncated and non-object JSON, events without a usable `id`
//! or `type`, oversize bodies, missing, garbled, stale, future and wrong-secret signatures,
//! wrong content types — are all answered 4xx, never 5xx or a panic, and record nothing.
//! 1 000 cases here, 10 000 in test-slow; seeded, so a failure names a reproducible case.

use axum::{body::Body, extract::ConnectInfo, http::Request};
use callbackcloser::server::{clock::Clock as _, webhooks::stripe::signature};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use sqlx::PgPool;

use crate::{
    billing_support::{WEBHOOK_SECRET, billing},
    support::send,
    webhook_support::count,
};

const PATH: &str = "/api/stripe/webhook";

struct Case {
    what: &'static str,
    body: Vec<u8>,
    /// `None`: no `Stripe-Signature` header.
    header: Option<String>,
    content_type: &'static str,
}

/// A body that is not an event the inbox can key: each variant lacks a usable `id` or `type`.
fn unusable_event(rng: &mut StdRng) -> (&'static str, String) {
    let id = format!("evt_{:024x}", rng.random::<u128>());
    let choices: [(&'static str, String); 9] = [
        (
            "no id",
            r#"{"type":"customer.subscription.updated","created":1}"#.into(),
        ),
        ("numeric id", r#"{"id":42,"type":"invoice.paid"}"#.into()),
        ("null id", r#"{"id":null,"type":"invoice.paid"}"#.into()),
        ("no type", format!(r#"{{"id":"{id}","created":1}}"#)),
        (
            "object type",
            format!(r#"{{"id":"{id}","type":{{"a":1}}}}"#),
        ),
        (
            "over-long id",
            format!(r#"{{"id":"{}","type":"invoice.paid"}}"#, "e".repeat(300)),
        ),
        (
            "array",
            format!(r#"[{{"id":"{id}","type":"invoice.paid"}}]"#),
        ),
        ("scalar", "\"customer.subscription.updated\"".into()),
        ("empty", String::new()),
    ];
    let (what, body) = choices.choose(rng).unwrap();
    (what, body.clone())
}

fn random_bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    (0..rng.random_range(0..max))
        .map(|_| rng.random())
        .collect()
}

fn generate(rng: &mut StdRng, now: i64) -> Case {
    let signed = |body: &[u8]| Some(signature::header(WEBHOOK_SECRET, now, body));
    let json = "application/json";
    match rng.random_range(0..10) {
        0 => {
            let body = random_bytes(rng, 512);
            Case {
                what: "random bytes, signed",
                header: signed(&body),
                body,
                content_type: json,
            }
        }
        1 => {
            let mut body = vec![b'{', b'"', b'i', b'd', b'"', b':', b'"'];
            body.extend([0xff, 0xfe, 0xc3, 0x28]);
            body.extend(br#"","type":"invoice.paid"}"#);
            Case {
                what: "invalid UTF-8, signed",
                header: signed(&body),
                body,
                content_type: json,
            }
        }
        2 => {
            let full = format!(
                r#"{{"id":"evt_{:016x}","type":"customer.subscription.updated","created":1,"data":{{"object":{{}}}}}}"#,
                rng.random::<u64>()
            );
            let body = full.as_bytes()[..rng.random_range(0..full.len() - 1)].to_vec();
            Case {
                what: "truncated JSON, signed",
                header: signed(&body),
                body,
                content_type: json,
            }
        }
        3 => {
            let (what, body) = unusable_event(rng);
            let body = body.into_bytes();
            Case {
                what,
                header: signed(&body),
                body,
                content_type: json,
            }
        }
        4 => {
            let mut body = br#"{"id":"evt_big","type":"invoice.paid","pad":""#.to_vec();
            body.extend(std::iter::repeat_n(
                b'a',
                1024 * 1024 + rng.random_range(1..4096),
            ));
            body.extend(br#""}"#);
            Case {
                what: "oversize body, signed",
                header: signed(&body),
                body,
                content_type: json,
            }
        }
        5 => {
            let body = valid_event(rng);
            Case {
                what: "no signature",
                header: None,
                body,
                content_type: json,
            }
        }
        6 => {
            let body = valid_event(rng);
            let header: String = (0..rng.random_range(0..80))
                .map(|_| *b"t=v1,0123456789abcdef ;=".choose(rng).unwrap() as char)
                .collect();
            Case {
                what: "garbled signature",
                header: Some(header),
                body,
                content_type: json,
            }
        }
        7 => {
            let body = valid_event(rng);
            // Stripe's tolerance is five minutes either way.
            let skew = *[-3_600_i64, -301, 301, 86_400].choose(rng).unwrap();
            let header = signature::header(WEBHOOK_SECRET, now + skew, &body);
            Case {
                what: "timestamp outside the tolerance",
                header: Some(header),
                body,
                content_type: json,
            }
        }
        8 => {
            let body = valid_event(rng);
            let header = signature::header("whsec_someone_else", now, &body);
            Case {
                what: "another endpoint's secret",
                header: Some(header),
                body,
                content_type: json,
            }
        }
        _ => {
            let body = valid_event(rng);
            let header = signature::header(WEBHOOK_SECRET, now, &body);
            let mut tampered = body;
            tampered.insert(0, b' ');
            let content_type = [
                "application/json",
                "text/plain",
                "application/x-www-form-urlencoded",
            ];
            Case {
                what: "body changed after signing",
                header: Some(header),
                body: tampered,
                content_type: content_type.choose(rng).unwrap(),
            }
        }
    }
}

/// A well-formed event, for the cases where only the signature is wrong.
fn valid_event(rng: &mut StdRng) -> Vec<u8> {
    format!(
        r#"{{"id":"evt_{:024x}","type":"customer.subscription.updated","created":1,"data":{{"object":{{"id":"sub_A","object":"subscription"}}}}}}"#,
        rng.random::<u128>()
    )
    .into_bytes()
}

fn request(case: Case, ip: [u8; 4]) -> Request<Body> {
    let mut builder = Request::post(PATH).header("content-type", case.content_type);
    if let Some(header) = case.header {
        builder = builder.header("stripe-signature", header);
    }
    let mut request = builder.body(Body::from(case.body)).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((ip, 5000))));
    request
}

async fn throw_malformed(pool: PgPool, cases: usize, seed: u64) {
    let billing = billing(pool.clone(), &[]).await;
    let now = billing.hooks.clock.now().timestamp();
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..cases {
        let case = generate(&mut rng, now);
        let what = case.what;
        // A new source address each time, so the unauthorized-request limit is not what answers.
        let ip = [198, 18, (i / 250) as u8, (i % 250) as u8 + 1];
        let reply = send(&billing.hooks.app, request(case, ip)).await;
        assert!(
            reply.status.is_client_error(),
            "case {i} ({what}, seed {seed}): {} {}",
            reply.status,
            reply.body
        );
    }
    let recorded = [
        "SELECT count(*) FROM stripe_events",
        "SELECT count(*) FROM jobs WHERE kind <> 'purge' AND kind <> 'rate_limit_cleanup'",
    ];
    for sql in recorded {
        assert_eq!(
            count(&pool, sql).await,
            0,
            "rejected deliveries left rows: {sql}"
        );
    }
    // Control: the same request path with an intact event is accepted, so the refusals above
    // came from what each case broke.
    let body = valid_event(&mut rng);
    let header = Some(signature::header(WEBHOOK_SECRET, now, &body));
    let content_type = "application/json";
    let intact = Case {
        what: "intact",
        body,
        header,
        content_type,
    };
    let reply = send(&billing.hooks.app, request(intact, [198, 18, 255, 1])).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(count(&pool, recorded[0]).await, 1);
}

/// `STRIPE_PROPERTY_SEED` replays a run; otherwise a fixed seed keeps CI deterministic.
fn seed() -> u64 {
    std::env::var("STRIPE_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_122)
}

#[sqlx::test]
async fn a_thousand_malformed_stripe_deliveries_are_refused_cleanly(pool: PgPool) {
    throw_malformed(pool, 1_000, seed()).await;
}

#[sqlx::test]
#[ignore = "slow tier: 10 000 cases"]
async fn ten_thousand_malformed_stripe_deliveries_are_refused_cleanly(pool: PgPool) {
    throw_malformed(pool, 10_000, seed().wrapping_add(1)).await;
}
