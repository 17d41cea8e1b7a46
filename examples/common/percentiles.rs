//! Shared by the benchmark load generators: latency percentiles as Markdown table rows.

use std::time::Duration;

/// p50, p95, p99 and max in milliseconds (zeros for an empty run).
pub fn quantiles(latencies: &mut [Duration]) -> [f64; 4] {
    if latencies.is_empty() {
        return [0.0; 4];
    }
    latencies.sort_unstable();
    let pick = |q: f64| {
        let i = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    [pick(0.50), pick(0.95), pick(0.99), pick(1.0)]
}

/// Prints the p50, p95, p99 and max rows (nothing for an empty run).
#[allow(dead_code)] // not every generator prints rows
pub fn print_rows(latencies: &mut [Duration]) {
    if latencies.is_empty() {
        return;
    }
    let [p50, p95, p99, max] = quantiles(latencies);
    println!("| p50 | {p50:.2} ms |");
    println!("| p95 | {p95:.2} ms |");
    println!("| p99 | {p99:.2} ms |");
    println!("| max | {max:.2} ms |");
}
