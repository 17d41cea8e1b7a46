//! Load generator for `scripts/bench.sh`: the lead list page (web.md §6.2) as a signed-in owner
//! of a business with 100 000 leads. Signs up and onboards through the real endpoints, then
//! times each view the spec names (default, each filter, phone search, name search, page 40 via
//! the cursor) one request at a time, after a warm-up. Prints Markdown.
//!
//! Usage: bench_list setup <base url> <email>; then (after seeding) run <base url> <email>
//!        <requests per view>; export <base url> <email> downloads the whole CSV; first-load
//!        <base url> <email> sums the compressed bytes of `/app/leads` and every `/pkg/` asset
//!        it references (quality.md §7's first-load transfer).

#[path = "common/owner.rs"]
mod owner;
#[path = "common/percentiles.rs"]
mod percentiles;

use std::time::{Duration, Instant};

use owner::{setup, sign_in};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let client = owner::client();
    match args.as_slice() {
        [_, cmd, base, email] if cmd == "setup" => setup(&client, base, email).await,
        [_, cmd, base, email] if cmd == "export" => {
            let cookie = sign_in(&client, base, email).await;
            export(&Session { client, cookie }, base).await;
        }
        [_, cmd, base, email] if cmd == "first-load" => {
            let cookie = sign_in(&client, base, email).await;
            first_load(&Session { client, cookie }, base).await;
        }
        [_, cmd, base, email, per_view] if cmd == "run" => {
            let session = sign_in(&client, base, email).await;
            let session = Session {
                client,
                cookie: session,
            };
            run(&session, base, per_view.parse().expect("requests per view")).await;
        }
        _ => {
            eprintln!(
                "usage: bench_list setup <base url> <email> | run <base url> <email> <requests per view>"
            );
            std::process::exit(2);
        }
    }
}

/// A client with the signed-in session's cookie.
struct Session {
    client: reqwest::Client,
    cookie: String,
}

async fn fetch(session: &Session, url: &str) -> (Duration, String) {
    let started = Instant::now();
    let response = session
        .client
        .get(url)
        .header("accept", "text/html")
        .header("cookie", &session.cookie)
        .send()
        .await
        .expect("request");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    let body = response.text().await.expect("body");
    (started.elapsed(), body)
}

/// The "Older" link's cursor on a list page.
fn older(body: &str) -> Option<String> {
    let start = body.find("before=")? + "before=".len();
    let rest = &body[start..];
    Some(rest[..rest.find(['"', '&'])?].to_owned())
}

async fn run(client: &Session, base: &str, per_view: usize) {
    let list = format!("{base}/app/leads");
    // Page 40: follow "Older" 39 times once, then time that page.
    let mut page = list.clone();
    for _ in 0..39 {
        let (_, body) = fetch(client, &page).await;
        page = format!("{list}?before={}", older(&body).expect("an older page"));
    }
    let views = [
        ("default view", list.clone()),
        ("status=qualified", format!("{list}?status=qualified")),
        ("status=booked", format!("{list}?status=booked")),
        ("source=sms", format!("{list}?source=sms")),
        (
            "flag=billing_required",
            format!("{list}?flag=billing_required"),
        ),
        ("flag=paused", format!("{list}?flag=paused")),
        ("flag=opted_out", format!("{list}?flag=opted_out")),
        ("flag=unreachable", format!("{list}?flag=unreachable")),
        ("phone search q=5550123", format!("{list}?q=5550123")),
        ("name search q=morgan", format!("{list}?q=morgan")),
        ("page 40 via cursor", page),
    ];
    println!("| view | p50 | p95 | p99 | max |");
    println!("|---|---|---|---|---|");
    let mut all = Vec::new();
    for (name, url) in views {
        for _ in 0..per_view.min(10) {
            fetch(client, &url).await; // warm-up
        }
        let mut latencies = Vec::with_capacity(per_view);
        for _ in 0..per_view {
            latencies.push(fetch(client, &url).await.0);
        }
        all.extend_from_slice(&latencies);
        let row = percentiles::quantiles(&mut latencies);
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
            row[0], row[1], row[2], row[3]
        );
    }
    let row = percentiles::quantiles(&mut all);
    println!(
        "| **all views** | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
        row[0], row[1], row[2], row[3]
    );
}

/// Downloads the whole export as it streams; prints rows, bytes and time.
async fn export(session: &Session, base: &str) {
    use futures::StreamExt as _;
    let started = Instant::now();
    let response = session
        .client
        .get(format!("{base}/app/leads/export.csv"))
        .header("cookie", &session.cookie)
        .send()
        .await
        .expect("export");
    assert!(
        response.status().is_success(),
        "export: {}",
        response.status()
    );
    let (mut bytes, mut rows) = (0usize, 0usize);
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        bytes += chunk.len();
        rows += chunk.iter().filter(|b| **b == b'\n').count();
    }
    println!(
        "| CSV export, all leads | {} data rows, {:.1} MB in {:.2} s |",
        rows.saturating_sub(1),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
}

/// The bytes on the wire (compressed as a browser asks) for the page and each asset it names.
async fn first_load(session: &Session, base: &str) {
    let transfer = |path: String, encodings: &'static str| async move {
        let response = session
            .client
            .get(format!("{base}{path}"))
            .header("cookie", &session.cookie)
            .header("accept", "text/html,*/*")
            .header("accept-encoding", encodings)
            .send()
            .await
            .expect("request");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let encoding = response
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("identity")
            .to_owned();
        (encoding, response.bytes().await.expect("body"))
    };
    let (encoding, page) = transfer("/app/leads".to_owned(), "br, gzip").await;
    // The same page uncompressed, to read the assets it references.
    let (_, plain) = transfer("/app/leads".to_owned(), "identity").await;
    let html = String::from_utf8_lossy(&plain);
    let mut assets: Vec<String> = html
        .match_indices("/pkg/")
        .map(|(at, _)| {
            let rest = &html[at..];
            rest[..rest.find(['"', '\'', ' ', ')', '>']).unwrap_or(rest.len())].to_owned()
        })
        .collect();
    assets.sort();
    assets.dedup();
    println!("| resource | encoding | bytes on the wire |");
    println!("|---|---|---|");
    println!("| /app/leads (HTML) | {encoding} | {} |", page.len());
    let mut total = page.len();
    for asset in assets {
        let (encoding, body) = transfer(asset.clone(), "br, gzip").await;
        println!("| {asset} | {encoding} | {} |", body.len());
        total += body.len();
    }
    let assets_only = total - page.len();
    println!(
        "| **wasm + js + css** (quality.md §7) | | **{:.1} KB** |",
        assets_only as f64 / 1024.0
    );
    println!("| with the page HTML | | {:.1} KB |", total as f64 / 1024.0);
}
