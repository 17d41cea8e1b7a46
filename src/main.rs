//! `callbackcloser` server binary: `serve` (default) and the operator subcommands.

use std::process::ExitCode;

use callbackcloser::server::{
    cli::{Cli, Command, ServeArgs},
    commands,
    config::Config,
    db, demo,
    observability::Alert,
    router::router,
    serve::{display_address, serve_http, start_line_cache_listener, start_worker, system_clock},
    shutdown::Shutdown,
    site::load_site_options,
    state::AppState,
    telemetry,
};
use clap::Parser as _;

/// How long a stopping server waits for queued operator alerts to go out.
const ALERT_FLUSH: std::time::Duration = std::time::Duration::from_secs(2);

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse()
        .command
        .unwrap_or(Command::Serve(ServeArgs::default()))
    {
        Command::Serve(args) => run_server(args).await,
        Command::Migrate => commands::migrate().await,
        Command::CheckEnv(args) => commands::check_env(args).await,
        Command::PrintWebhooks(args) => commands::print_webhooks(args),
        Command::DbSmoke => commands::db_smoke().await,
        Command::RequeueDead(args) => commands::requeue_dead(args).await,
        Command::IssueResetLink(args) => commands::issue_reset_link(args).await,
        Command::AttachNumber(args) => commands::attach_number(args).await,
        Command::ResyncNumbers(args) => commands::resync_numbers(args).await,
        Command::SeedDemo => commands::seed_demo_command().await,
        Command::ReconcileTwilio(args) => commands::reconcile_twilio(args).await,
        Command::DeleteUser(args) => commands::delete_user(args).await,
    }
}

/// config → telemetry → pool + migrations → state → router → serve (+ worker) → shutdown.
async fn run_server(args: ServeArgs) -> ExitCode {
    let (mut config, report) = match Config::load() {
        Ok(loaded) => loaded,
        Err(report) => {
            commands::print_config_errors(&report);
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(config.log_format, &config.rust_log);
    for line in report.warnings() {
        tracing::warn!(variable = line.name, "{}", line.note);
    }
    let simulators = if config.demo_mode {
        if config.is_production() {
            tracing::warn!(
                event = "config.demo_mode_in_production",
                "demo mode is on in production (ALLOW_PRODUCTION_DEMO_MODE=true)"
            );
        }
        Some(demo::start_simulators(&mut config).await)
    } else {
        None
    };
    let site = match load_site_options() {
        Ok(site) => site,
        Err(err) => return fail(&err),
    };
    let pool = match db::connect(&config.database, std::time::Duration::from_secs(30)).await {
        Ok(pool) => pool,
        Err(err) => return fail(&format!("cannot connect to the database: {err}")),
    };
    if !args.no_migrate {
        match db::migrate(&pool).await {
            Ok(applied) => applied.iter().for_each(|m| {
                tracing::info!(version = m.version, "applied migration {}", m.description)
            }),
            Err(err) => return fail(&format!("migrations failed: {err}")),
        }
    }
    if let Some(simulators) = &simulators {
        demo::prepare(simulators, &pool, &config).await;
    }
    let state = AppState::new(config, pool.clone(), system_clock(), site);
    let config = state.config.clone();
    if config.demo_mode && config.is_production() {
        state.alerts.report(Alert::new(
            "config",
            "demo_mode_in_production",
            "Demo mode is on in production (ALLOW_PRODUCTION_DEMO_MODE=true): simulated Twilio and Stripe",
        ));
    }
    let alerts = state.alerts.clone();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        app_env = config.app_env.as_str(),
        public_base_url = %config.public_base_url,
        demo_mode = config.demo_mode,
        worker = config.worker.enabled,
        url = %display_address(config.site_addr),
        "CallbackCloser serving"
    );
    let shutdown = Shutdown::new();
    let worker = start_worker(&state, &shutdown).await;
    let _line_cache = start_line_cache_listener(&state, &shutdown);
    let served = serve_http(state.clone(), router(state), shutdown).await;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    // Alerts raised while stopping (a job that died, an outage) still reach the operator.
    alerts.flush(ALERT_FLUSH).await;
    pool.close().await;
    match served {
        Ok(()) => {
            tracing::info!("stopped cleanly");
            ExitCode::SUCCESS
        }
        Err(err) => fail(&format!("server error: {err}")),
    }
}

fn fail(message: &str) -> ExitCode {
    tracing::error!("{message}");
    eprintln!("{message}");
    ExitCode::FAILURE
}
