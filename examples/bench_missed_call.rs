//! Missed call → intro for `scripts/bench.sh` (quality.md §7): calls from new callers at a fixed
//! rate, each sent as Twilio sends it (voice webhook, `<Dial>` action with `no-answer`, parent
//! status), signed. Measured per call: from the moment the `<Dial>` action is posted (when the
//! app learns the call was missed) to the moment the worker stored Twilio's acceptance of the
//! intro (`messages.submitted_at`; the server and this generator share the machine's clock).
//! Prints Markdown rows.
//!
//! Usage: bench_missed_call <base url> <auth token> <numbers file> <database url> <rate/s> <calls>
//!        [first caller number, default 7000000: runs in one session use distinct callers]

#[path = "common/percentiles.rs"]
mod percentiles;

use std::{collections::HashMap, time::Duration};

use callbackcloser::{
    domain::{
        call_webhooks::{ReplayedCall, SimulatedOutcome, webhook_steps},
        webhook_urls::WebhookUrls,
    },
    server::simulators::webhook_poster::WebhookPoster,
};
use chrono::{DateTime, Utc};

const ACCOUNT: &str = "AC00000000000000000000000000000000";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (base, token, numbers, database_url, rate, calls, first_caller) = match args.as_slice() {
        [_, base, token, numbers, database_url, rate, calls] => {
            (base, token, numbers, database_url, rate, calls, 7_000_000)
        }
        [_, base, token, numbers, database_url, rate, calls, first] => (
            base,
            token,
            numbers,
            database_url,
            rate,
            calls,
            first.parse().expect("first caller number"),
        ),
        _ => {
            eprintln!(
                "usage: bench_missed_call <base url> <auth token> <numbers file> <database url> <rate/s> <calls> [first caller]"
            );
            std::process::exit(2);
        }
    };
    let numbers: Vec<String> = std::fs::read_to_string(numbers)
        .expect("numbers file")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    let rate: u64 = rate.parse().expect("rate");
    let calls: u64 = calls.parse().expect("calls");
    let poster = WebhookPoster::new(base, base, token);

    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..calls {
        tokio::time::sleep_until(start + interval * i as u32).await;
        let (poster, base) = (poster.clone(), base.clone());
        let to = numbers[i as usize % numbers.len()].clone();
        tasks.push(tokio::spawn(async move {
            let caller = format!("+1512{:07}", first_caller + i);
            let call_sid = format!("CAmissed{:024}", first_caller + i);
            let urls = WebhookUrls::new(&base, None);
            let call = ReplayedCall {
                account_sid: ACCOUNT,
                call_sid: &call_sid,
                from: &caller,
                to: &to,
            };
            let steps = webhook_steps(
                &urls,
                call,
                &format!("{call_sid}leg"),
                SimulatedOutcome::NoAnswer,
            );
            let mut missed_at = None;
            for (n, step) in steps.iter().enumerate() {
                if n == 1 {
                    missed_at = Some(Utc::now());
                }
                if let Err(err) = poster.post(&step.url, &step.params).await {
                    eprintln!("{call_sid}: {err}");
                    return None;
                }
            }
            missed_at.map(|at| (caller, at))
        }));
    }
    let mut missed: HashMap<String, DateTime<Utc>> = HashMap::new();
    for task in tasks {
        if let Ok(Some((caller, at))) = task.await {
            missed.insert(caller, at);
        }
    }

    let pool = sqlx::PgPool::connect(database_url).await.expect("database");
    let callers: Vec<String> = missed.keys().cloned().collect();
    let mut handed: Vec<(String, DateTime<Utc>)> = Vec::new();
    for _ in 0..120 {
        handed = sqlx::query_as(
            "SELECT to_e164, submitted_at FROM messages
             WHERE direction = 'outbound' AND kind = 'intro' AND submitted_at IS NOT NULL
               AND to_e164 = ANY($1)",
        )
        .bind(&callers)
        .fetch_all(&pool)
        .await
        .expect("intro query");
        if handed.len() == callers.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut latencies: Vec<Duration> = handed
        .iter()
        .filter_map(|(caller, at)| {
            let missed_at = missed.get(caller)?;
            (*at - *missed_at).to_std().ok()
        })
        .collect();
    println!("| metric | value |\n|---|---|");
    println!(
        "| missed calls | {} sent at {rate}/s, {} answered 2xx at every step |",
        calls,
        missed.len()
    );
    println!(
        "| intros handed to the Twilio fake | {} of {} |",
        latencies.len(),
        missed.len()
    );
    percentiles::print_rows(&mut latencies);
}
