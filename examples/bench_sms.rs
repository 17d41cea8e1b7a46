//! Load generator for `scripts/bench.sh`: signed inbound texts through the whole conversation
//! pipeline. `clients` concurrent senders each take the next seeded caller and answer every
//! qualification step in turn (service, urgency, ZIP, best time, name), waiting for each answer
//! (closed loop: the figure is the sustained throughput). Prints Markdown.
//!
//! Usage: bench_sms <base url> <auth token> <callers file: "caller to" per line> <clients>
//!        <seconds> <warm-up seconds>

#[path = "common/percentiles.rs"]
mod percentiles;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use callbackcloser::server::webhooks::twilio::signature;

/// One qualification, answer by answer.
const ANSWERS: [&str; 5] = ["1", "2", "78704", "morning", "Pat Morgan"];

struct Shared {
    base: String,
    token: String,
    callers: Vec<(String, String)>,
    next_caller: AtomicUsize,
    serial: AtomicU64,
    client: reqwest::Client,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, token, callers, clients, seconds, warmup] = args.as_slice() else {
        eprintln!(
            "usage: bench_sms <base url> <auth token> <callers file> <clients> <seconds> <warm-up seconds>"
        );
        std::process::exit(2);
    };
    let callers: Vec<(String, String)> = std::fs::read_to_string(callers)
        .expect("callers file")
        .lines()
        .filter_map(|line| {
            let (caller, to) = line.trim().split_once(' ')?;
            Some((caller.to_owned(), to.to_owned()))
        })
        .collect();
    let clients: usize = clients.parse().expect("clients");
    let seconds: u64 = seconds.parse().expect("seconds");
    let warmup: u64 = warmup.parse().expect("warm-up seconds");
    let shared = Arc::new(Shared {
        base: base.clone(),
        token: token.clone(),
        callers,
        next_caller: AtomicUsize::new(0),
        serial: AtomicU64::new(0),
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(clients * 2)
            .build()
            .expect("client"),
    });

    let _ = run(&shared, clients, Duration::from_secs(warmup)).await;
    let started = Instant::now();
    let (mut latencies, errors, conversations) =
        run(&shared, clients, Duration::from_secs(seconds)).await;
    let elapsed = started.elapsed();
    println!("| metric | value |\n|---|---|");
    println!(
        "| inbound texts | {} ({} non-200) |",
        latencies.len() + errors,
        errors
    );
    println!("| concurrent senders | {clients} for {seconds} s after {warmup} s warm-up |");
    println!(
        "| sustained throughput | {:.1} texts/s |",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!("| conversations completed | {conversations} |");
    percentiles::print_rows(&mut latencies);
}

/// Runs `clients` senders for `duration`; returns the latencies of 200 answers, the number of
/// other outcomes, and the conversations taken to the end.
async fn run(
    shared: &Arc<Shared>,
    clients: usize,
    duration: Duration,
) -> (Vec<Duration>, usize, usize) {
    let deadline = Instant::now() + duration;
    let senders: Vec<_> = (0..clients)
        .map(|_| {
            let shared = shared.clone();
            tokio::spawn(async move { sender(&shared, deadline).await })
        })
        .collect();
    let (mut latencies, mut errors, mut conversations) = (Vec::new(), 0, 0);
    for sender in senders {
        if let Ok((mut own, own_errors, own_done)) = sender.await {
            latencies.append(&mut own);
            errors += own_errors;
            conversations += own_done;
        }
    }
    (latencies, errors, conversations)
}

async fn sender(shared: &Shared, deadline: Instant) -> (Vec<Duration>, usize, usize) {
    let (mut latencies, mut errors, mut conversations) = (Vec::new(), 0, 0);
    while Instant::now() < deadline {
        let index = shared.next_caller.fetch_add(1, Ordering::Relaxed);
        let Some((caller, to)) = shared.callers.get(index) else {
            eprintln!("ran out of seeded callers");
            break;
        };
        for answer in ANSWERS {
            let serial = shared.serial.fetch_add(1, Ordering::Relaxed);
            let params = vec![
                (
                    "AccountSid".to_owned(),
                    "ACbench0000000000000000000000000000".to_owned(),
                ),
                ("MessageSid".to_owned(), format!("SM{serial:032}")),
                ("From".to_owned(), caller.clone()),
                ("To".to_owned(), to.clone()),
                ("Body".to_owned(), answer.to_owned()),
                ("NumMedia".to_owned(), "0".to_owned()),
            ];
            let url = format!("{}/api/twilio/sms", shared.base);
            let signed = signature::sign(&shared.token, &url, &params);
            let sent = Instant::now();
            let ok = match shared
                .client
                .post(&url)
                .header("x-twilio-signature", signed)
                .form(&params)
                .send()
                .await
            {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            if ok {
                latencies.push(sent.elapsed());
            } else {
                errors += 1;
            }
        }
        conversations += 1;
    }
    (latencies, errors, conversations)
}
