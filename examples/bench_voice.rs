//! Load generator for `scripts/bench-voice.sh`: signed voice webhooks at a fixed rate (open
//! loop, so a slow server cannot slow the schedule down), spread over many tracking numbers;
//! prints latency percentiles as Markdown.
//!
//! Usage: bench_voice <base url> <auth token> <numbers file> <rate/s> <seconds> <warm-up seconds>

#[path = "common/percentiles.rs"]
mod percentiles;

use std::time::{Duration, Instant};

use callbackcloser::server::webhooks::twilio::signature;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, token, numbers, rate, seconds, warmup] = args.as_slice() else {
        eprintln!(
            "usage: bench_voice <base url> <auth token> <numbers file> <rate/s> <seconds> <warm-up seconds>"
        );
        std::process::exit(2);
    };
    let numbers: Vec<String> = std::fs::read_to_string(numbers)
        .expect("numbers file")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let rate: u64 = rate.parse().expect("rate");
    let seconds: u64 = seconds.parse().expect("seconds");
    let warmup: u64 = warmup.parse().expect("warm-up seconds");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");

    let _ = run(&client, base, token, &numbers, rate, warmup, 0).await;
    let started = Instant::now();
    let (mut latencies, errors) = run(&client, base, token, &numbers, rate, seconds, 1).await;
    let elapsed = started.elapsed();
    println!("| metric | value |\n|---|---|");
    println!(
        "| requests | {} ({} non-200) |",
        latencies.len() + errors,
        errors
    );
    println!("| offered rate | {rate}/s for {seconds} s after {warmup} s warm-up |");
    println!(
        "| achieved throughput | {:.1}/s |",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!("| tracking numbers | {} |", numbers.len());
    percentiles::print_rows(&mut latencies);
}

/// Sends `rate` requests per second for `seconds`; returns the latencies of 200 answers and
/// the number of other outcomes.
async fn run(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    numbers: &[String],
    rate: u64,
    seconds: u64,
    round: u64,
) -> (Vec<Duration>, usize) {
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        tokio::time::sleep_until(start + interval * i as u32).await;
        let to = numbers[i as usize % numbers.len()].clone();
        let params = vec![
            (
                "AccountSid".to_owned(),
                "ACbench0000000000000000000000000000".to_owned(),
            ),
            ("CallSid".to_owned(), format!("CA{round:02}{i:030}")),
            (
                "From".to_owned(),
                format!("+1512{:07}", 3_000_000 + i % 5_000_000),
            ),
            ("To".to_owned(), to),
            ("CallStatus".to_owned(), "ringing".to_owned()),
        ];
        let url = format!("{base}/api/twilio/voice");
        let signed = signature::sign(token, &url, &params);
        let request = client
            .post(&url)
            .header("x-twilio-signature", signed)
            .form(&params);
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let response = request.send().await;
            let ok = match response {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            ok.then(|| sent.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok(Some(latency)) => latencies.push(latency),
            _ => errors += 1,
        }
    }
    (latencies, errors)
}
