//! The process's own series for `/metrics`, under the names Prometheus's client libraries use
//! (`process_*`), read from `/proc/self` at scrape time, and `build_info`. On a system without
//! `/proc` the process series are simply absent.

use std::fmt::Write as _;

/// Linux reports CPU times and start times in USER_HZ ticks, fixed at 100 for user space.
const TICKS_PER_SECOND: f64 = 100.0;

/// Appends the process series and `build_info` in the Prometheus text format.
pub fn render(out: &mut String) {
    let _ = writeln!(
        out,
        "# HELP build_info The running build: crate version and profile.\n# TYPE build_info gauge\n\
         build_info{{version=\"{}\",profile=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    );
    let Some(stat) = Stat::read() else {
        return;
    };
    let mut series = |name: &str, kind: &str, help: &str, value: String| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    series(
        "process_cpu_seconds_total",
        "counter",
        "User and system CPU time spent, in seconds.",
        format!("{:.2}", stat.cpu_ticks as f64 / TICKS_PER_SECOND),
    );
    series(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        stat.resident_bytes.to_string(),
    );
    series(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        stat.virtual_bytes.to_string(),
    );
    series(
        "process_threads",
        "gauge",
        "Operating system threads of the process.",
        stat.threads.to_string(),
    );
    if let Some(boot) = boot_time_seconds() {
        series(
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since the Unix epoch, in seconds.",
            format!("{:.2}", boot + stat.start_ticks as f64 / TICKS_PER_SECOND),
        );
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        series(
            "process_open_fds",
            "gauge",
            "Open file descriptors.",
            fds.count().to_string(),
        );
    }
    if let Some(max) = max_open_files() {
        series(
            "process_max_fds",
            "gauge",
            "The soft limit on open file descriptors.",
            max.to_string(),
        );
    }
}

/// The fields of `/proc/self/stat` and `/proc/self/status` the series need.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    cpu_ticks: u64,
    start_ticks: u64,
    threads: u64,
    virtual_bytes: u64,
    resident_bytes: u64,
}

impl Stat {
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        Self::parse(&stat, &status)
    }

    fn parse(stat: &str, status: &str) -> Option<Self> {
        // The command name is in parentheses and may itself hold spaces or parentheses: the
        // numbered fields start after the last ')'. Field 3 (state) is index 0 here.
        let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
        let field = |number: usize| fields.get(number - 3)?.parse::<u64>().ok();
        let resident_kb = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))?
            .split_whitespace()
            .next()?
            .parse::<u64>()
            .ok()?;
        Some(Self {
            cpu_ticks: field(14)? + field(15)?,
            threads: field(20)?,
            start_ticks: field(22)?,
            virtual_bytes: field(23)?,
            resident_bytes: resident_kb * 1024,
        })
    }
}

fn boot_time_seconds() -> Option<f64> {
    std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

fn max_open_files() -> Option<u64> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()?
        .lines()
        .find(|line| line.starts_with("Max open files"))?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_read_after_the_command_name() {
        let stat = "4242 (call (back) closer) S 1 4242 4242 0 -1 4194560 900 0 0 0 \
                    250 50 0 0 20 0 37 0 123456 987654321 2000 18446744073709551615";
        let status = "Name:\tcallbackcloser\nVmRSS:\t   51200 kB\nThreads:\t37\n";
        assert_eq!(
            Stat::parse(stat, status),
            Some(Stat {
                cpu_ticks: 300,
                start_ticks: 123456,
                threads: 37,
                virtual_bytes: 987654321,
                resident_bytes: 51200 * 1024,
            })
        );
        assert_eq!(Stat::parse("garbage", status), None);
    }

    #[test]
    fn this_process_reports_itself() {
        let mut out = String::new();
        render(&mut out);
        assert!(out.contains("build_info{version=\""), "{out}");
        if cfg!(target_os = "linux") {
            for name in [
                "process_cpu_seconds_total",
                "process_resident_memory_bytes",
                "process_open_fds",
                "process_start_time_seconds",
            ] {
                assert!(out.contains(&format!("\n{name} ")), "{name} in {out}");
            }
        }
    }
}
