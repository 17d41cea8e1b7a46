//! In-process counters and request-duration histograms, rendered in the Prometheus text format
//! (web.md §9). Labels never carry phone numbers or ids, so the series stay few.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{Mutex, MutexGuard},
    time::Duration,
};

/// A series: metric name plus sorted `label="value"` pairs.
type Series = (&'static str, Vec<(&'static str, String)>);

/// Upper bounds of `http_request_duration_seconds`.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Every counter the product increments, with its help text (rendered even at zero when it
/// has no labels, so dashboards see it from the start).
const COUNTERS: [(&str, &str); 9] = [
    (
        "http_requests_total",
        "HTTP requests by route template, method and status.",
    ),
    (
        "twilio_webhooks_total",
        "Twilio webhooks by route, kind and decision.",
    ),
    (
        "rate_limited_total",
        "Requests over a rate limit, by limiter.",
    ),
    (
        "sms_outbound_total",
        "Outbound SMS by kind and final status.",
    ),
    ("job_runs_total", "Job runs by kind and result."),
    ("stripe_events_total", "Stripe events by type and result."),
    ("alerts_sent_total", "Operator alerts delivered."),
    (
        "alerts_throttled_total",
        "Operator alerts suppressed by the throttle or queue overflow.",
    ),
    (
        "owner_alert_failures_total",
        "Owner alert texts that failed, by Twilio code.",
    ),
];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<Series, u64>>,
    durations: Mutex<BTreeMap<String, Histogram>>,
}

/// A value read at scrape time (queue depth, pool connections).
pub struct Gauge {
    pub name: &'static str,
    pub help: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: i64,
}

impl Metrics {
    pub fn inc(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        self.add(name, labels, 1);
    }

    pub fn add(&self, name: &'static str, labels: &[(&'static str, &str)], by: u64) {
        *lock(&self.counters)
            .entry(series(name, labels))
            .or_default() += by;
    }

    /// The current value of one series (tests and the benchmark read it).
    pub fn counter(&self, name: &'static str, labels: &[(&'static str, &str)]) -> u64 {
        lock(&self.counters)
            .get(&series(name, labels))
            .copied()
            .unwrap_or(0)
    }

    pub fn observe_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        self.inc(
            "http_requests_total",
            &[("route", route), ("method", method), ("status", &status)],
        );
        let seconds = elapsed.as_secs_f64();
        let mut durations = lock(&self.durations);
        let histogram = durations.entry(route.to_owned()).or_default();
        histogram.count += 1;
        histogram.sum += seconds;
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    pub fn render(&self, gauges: &[Gauge]) -> String {
        let mut out = String::with_capacity(4096);
        let counters = lock(&self.counters);
        for (name, help) in COUNTERS {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let mut any = false;
            for ((series_name, labels), value) in counters.iter() {
                if *series_name == name {
                    any = true;
                    let _ = writeln!(out, "{name}{} {value}", label_set(labels));
                }
            }
            if !any && matches!(name, "alerts_sent_total" | "alerts_throttled_total") {
                let _ = writeln!(out, "{name} 0");
            }
        }
        drop(counters);

        let name = "http_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Request duration by route template.\n# TYPE {name} histogram"
        );
        for (route, histogram) in lock(&self.durations).iter() {
            let route_label = ("route", route.clone());
            for (count, bound) in histogram.buckets.iter().zip(BUCKETS) {
                let labels = [route_label.clone(), ("le", bound.to_string())];
                let _ = writeln!(out, "{name}_bucket{} {count}", label_set(&labels));
            }
            let labels = [route_label.clone(), ("le", "+Inf".to_owned())];
            let _ = writeln!(
                out,
                "{name}_bucket{} {}",
                label_set(&labels),
                histogram.count
            );
            let labels = [route_label];
            let _ = writeln!(out, "{name}_sum{} {}", label_set(&labels), histogram.sum);
            let _ = writeln!(
                out,
                "{name}_count{} {}",
                label_set(&labels),
                histogram.count
            );
        }

        let mut last = "";
        for gauge in gauges {
            if gauge.name != last {
                let _ = writeln!(
                    out,
                    "# HELP {} {}\n# TYPE {} gauge",
                    gauge.name, gauge.help, gauge.name
                );
                last = gauge.name;
            }
            let _ = writeln!(
                out,
                "{}{} {}",
                gauge.name,
                label_set(&gauge.labels),
                gauge.value
            );
        }
        out
    }
}

fn series(name: &'static str, labels: &[(&'static str, &str)]) -> Series {
    let mut labels: Vec<(&'static str, String)> =
        labels.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    labels.sort();
    (name, labels)
}

fn label_set(labels: &[(&'static str, String)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_kept_per_label_set() {
        let metrics = Metrics::default();
        metrics.inc("rate_limited_total", &[("limiter", "twilio_auth")]);
        metrics.inc("rate_limited_total", &[("limiter", "twilio_auth")]);
        metrics.inc("rate_limited_total", &[("limiter", "twilio_unauth")]);
        assert_eq!(
            metrics.counter("rate_limited_total", &[("limiter", "twilio_auth")]),
            2
        );
        let text = metrics.render(&[]);
        assert!(
            text.contains("rate_limited_total{limiter=\"twilio_auth\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("rate_limited_total{limiter=\"twilio_unauth\"} 1\n"));
        assert!(text.contains("# TYPE rate_limited_total counter\n"));
        assert!(text.contains("alerts_sent_total 0\n"));
    }

    #[test]
    fn label_order_does_not_matter_and_values_are_escaped() {
        let metrics = Metrics::default();
        metrics.inc(
            "twilio_webhooks_total",
            &[("route", "voice"), ("kind", "a\"b")],
        );
        metrics.inc(
            "twilio_webhooks_total",
            &[("kind", "a\"b"), ("route", "voice")],
        );
        let text = metrics.render(&[]);
        assert!(
            text.contains("twilio_webhooks_total{kind=\"a\\\"b\",route=\"voice\"} 2\n"),
            "{text}"
        );
    }

    #[test]
    fn request_histogram_is_cumulative() {
        let metrics = Metrics::default();
        metrics.observe_request("/api/health", "GET", 200, Duration::from_micros(800));
        metrics.observe_request("/api/health", "GET", 200, Duration::from_millis(30));
        let text = metrics.render(&[]);
        let bucket = |le: &str| {
            format!("http_request_duration_seconds_bucket{{route=\"/api/health\",le=\"{le}\"}}")
        };
        assert!(text.contains(&format!("{} 1\n", bucket("0.001"))), "{text}");
        assert!(text.contains(&format!("{} 1\n", bucket("0.025"))));
        assert!(text.contains(&format!("{} 2\n", bucket("0.05"))));
        assert!(text.contains(&format!("{} 2\n", bucket("+Inf"))));
        assert!(text.contains(
            "http_requests_total{method=\"GET\",route=\"/api/health\",status=\"200\"} 2\n"
        ));
    }

    #[test]
    fn gauges_render_with_one_header_per_name() {
        let metrics = Metrics::default();
        let gauge = |kind: &str, value| Gauge {
            name: "jobs_queued",
            help: "Queued jobs by kind.",
            labels: vec![("kind", kind.to_owned())],
            value,
        };
        let text = metrics.render(&[gauge("send_sms", 3), gauge("purge", 0)]);
        assert_eq!(text.matches("# TYPE jobs_queued gauge").count(), 1);
        assert!(text.contains("jobs_queued{kind=\"send_sms\"} 3\n"));
    }
}
