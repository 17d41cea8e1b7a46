//! The subcommands other than `serve`. None starts the HTTP listener.

mod check_env;
mod db_tools;
mod demo;
mod numbers;
mod print_webhooks;
mod reconcile;
mod users;

pub use check_env::check_env;
pub use db_tools::{db_smoke, migrate, requeue_dead};
pub use demo::{credentials, demo_price, seed_demo_command};
pub use numbers::{attach_number, resync_numbers};
pub use print_webhooks::{print_webhooks, webhook_listing};
pub use reconcile::reconcile_twilio;
pub use users::{delete_user, issue_reset_link};

use std::process::ExitCode;

use super::config::{Config, ConfigReport};

/// Loads the configuration or prints the `check-env` report of what is wrong.
pub fn load_config() -> Result<Config, ExitCode> {
    Config::load().map(|(config, _)| config).map_err(|report| {
        print_config_errors(&report);
        ExitCode::FAILURE
    })
}

pub fn print_config_errors(report: &ConfigReport) {
    eprintln!("The configuration is not valid:\n");
    eprint!("{report}");
    eprintln!();
    for line in report.errors() {
        eprintln!(
            "error: {} {}: {}",
            line.name,
            line.status.as_str(),
            line.note
        );
    }
}
