use std::process::ExitCode;

use crate::server::{
    cli::CheckEnvArgs,
    config::{AppEnv, Config},
    observability::alerts::send_test_alert,
};

/// `check-env`: one line per variable, exit 1 when anything required is missing or invalid;
/// with `--test-alert`, also exit 1 when the test alert does not reach `ALERT_WEBHOOK_URL`.
pub async fn check_env(args: CheckEnvArgs) -> ExitCode {
    let (config, report) = Config::from_process_env(args.env.map(AppEnv::from));
    print!("{report}");
    if report.has_errors() {
        let names: Vec<_> = report.errors().map(|line| line.name).collect();
        println!("\nFAIL: {}", names.join(", "));
        return ExitCode::FAILURE;
    }
    if args.test_alert {
        match send_test_alert(&config.alerts, config.app_env.as_str()).await {
            Ok(()) => println!("\nTest alert delivered to ALERT_WEBHOOK_URL."),
            Err(err) => {
                println!("\nFAIL: test alert not delivered: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("\nPASS");
    ExitCode::SUCCESS
}
