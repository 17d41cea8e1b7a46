use std::process::ExitCode;

use crate::server::{
    cli::CheckEnvArgs,
    config::{AppEnv, Config},
};

/// `check-env`: one line per variable, exit 1 when anything required is missing or invalid.
pub fn check_env(args: CheckEnvArgs) -> ExitCode {
    let (_, report) = Config::from_process_env(args.env.map(AppEnv::from));
    print!("{report}");
    if report.has_errors() {
        let names: Vec<_> = report.errors().map(|line| line.name).collect();
        println!("\nFAIL: {}", names.join(", "));
        ExitCode::FAILURE
    } else {
        println!("\nPASS");
        ExitCode::SUCCESS
    }
}
