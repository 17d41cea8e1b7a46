//! Shared by the benchmark load generators: latency percentiles as Markdown table rows.

use std::time::Duration;

/// Prints the p50, p95, p99 and max rows (nothing for an empty run).
pub fn print_rows(latencies: &mut [Duration]) {
    if latencies.is_empty() {
        return;
    }
    latencies.sort_unstable();
    let pick = |q: f64| {
        let i = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    println!("| p50 | {:.2} ms |", pick(0.50));
    println!("| p95 | {:.2} ms |", pick(0.95));
    println!("| p99 | {:.2} ms |", pick(0.99));
    println!("| max | {:.2} ms |", pick(1.0));
}
