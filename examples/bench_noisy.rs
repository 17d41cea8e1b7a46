//! The noisy neighbour of `scripts/bench.sh`: business A uses every heavy integration the
//! product offers against peers that never answer, while the script measures another
//! business's missed call → intro.
//!
//! Usage:
//!   bench_noisy stall <port>
//!     A peer that accepts every connection and never answers, except Airtable's metadata call
//!     (so a base can be connected to it): A's webhook endpoints and Airtable base.
//!   bench_noisy setup <base url> <email> <stall url> <database url>
//!     As A's signed-in owner, through the real endpoints: connect Airtable at the stall, add
//!     5 webhook endpoints there (every event), then "Send test event" 5 times on each.
//!   bench_noisy resync <base url> <email>
//!     "Resync all" of A's Airtable mirror (every call and lead of the last 90 days).

#[path = "common/owner.rs"]
mod owner;

use std::time::Duration;

use callbackcloser::domain::airtable_records::{CALL_FIELDS, LEAD_FIELDS};
use owner::{call, sign_in};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
};

const ENDPOINTS: usize = 5;
const TEST_EVENTS_PER_ENDPOINT: usize = 5;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let client = owner::client();
    match args.as_slice() {
        [_, cmd, port] if cmd == "stall" => stall(port.parse().expect("port")).await,
        [_, cmd, base, email, stall_url, database_url] if cmd == "setup" => {
            let cookie = sign_in(&client, base, email).await;
            setup(&client, base, &cookie, stall_url, database_url).await;
        }
        [_, cmd, base, email] if cmd == "resync" => {
            let cookie = sign_in(&client, base, email).await;
            let url = format!("{base}/api/app/integrations/airtable/resync");
            call(&client, url, Some(&cookie), &[]).await;
        }
        _ => {
            eprintln!(
                "usage: bench_noisy stall <port> | setup <base> <email> <stall url> <database url> | resync <base> <email>"
            );
            std::process::exit(2);
        }
    }
}

async fn stall(port: u16) {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the stall port");
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(hold(socket));
    }
}

/// Reads the request head; answers only the Airtable metadata call, holds everything else open.
async fn hold(mut socket: TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let first_line = String::from_utf8_lossy(&head);
    if first_line.starts_with("GET /v0/meta/bases/") {
        let body = tables_json();
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = socket.write_all(response.as_bytes()).await;
        return;
    }
    // Never answer; keep the connection until the client gives up.
    loop {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

fn tables_json() -> String {
    let table = |name: &str, fields: &[&str]| {
        serde_json::json!({
            "name": name,
            "fields": fields.iter().map(|f| serde_json::json!({ "name": f })).collect::<Vec<_>>(),
        })
    };
    serde_json::json!({
        "tables": [table("Calls", &CALL_FIELDS), table("Leads", &LEAD_FIELDS)]
    })
    .to_string()
}

async fn setup(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    stall_url: &str,
    database_url: &str,
) {
    call(
        client,
        format!("{base}/api/app/integrations/airtable/connect"),
        Some(cookie),
        &[
            ("api_key", "patBenchNoisyNeighbour"),
            ("base_id", "appBenchNoisy0001"),
            ("calls_table", "Calls"),
            ("leads_table", "Leads"),
        ],
    )
    .await;
    for n in 0..ENDPOINTS {
        let url = format!("{stall_url}/hook/{n}");
        call(
            client,
            format!("{base}/api/app/integrations/webhooks/add"),
            Some(cookie),
            &[
                ("url", url.as_str()),
                ("event_lead_created", "on"),
                ("event_lead_qualified", "on"),
                ("event_lead_completed", "on"),
                ("event_lead_status_changed", "on"),
                ("event_message_received", "on"),
            ],
        )
        .await;
    }
    let pool = sqlx::PgPool::connect(database_url).await.expect("database");
    let endpoints: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT e.id FROM webhook_endpoints e WHERE e.url LIKE $1 || '/hook/%' ORDER BY e.url",
    )
    .bind(stall_url)
    .fetch_all(&pool)
    .await
    .expect("endpoints");
    assert_eq!(endpoints.len(), ENDPOINTS);
    for endpoint in &endpoints {
        for _ in 0..TEST_EVENTS_PER_ENDPOINT {
            call(
                client,
                format!("{base}/api/app/integrations/webhooks/test"),
                Some(cookie),
                &[("endpoint_id", endpoint.to_string().as_str())],
            )
            .await;
        }
    }
}
