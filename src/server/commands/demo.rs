//! `seed-demo` (operations.md §2): the demo owner, business and 30 days of history.

use std::{process::ExitCode, time::Duration};

use crate::server::{
    config::Config,
    db,
    demo::seed::{DEMO_EMAIL, DEMO_PASSWORD, Seeded, seed_demo},
    serve::system_clock,
};

use super::load_config;

/// Refused in production unless demo mode itself is allowed there (operations.md §3.3).
pub const REFUSED_IN_PRODUCTION: &str =
    "seed-demo is not allowed in production; set ALLOW_PRODUCTION_DEMO_MODE=true to override";

pub async fn seed_demo_command() -> ExitCode {
    let config = match load_config() {
        Ok(config) => config,
        Err(code) => return code,
    };
    if config.is_production() && !config.allow_production_demo_mode {
        eprintln!("{REFUSED_IN_PRODUCTION}");
        return ExitCode::FAILURE;
    }
    let pool = match db::connect(&config.database, Duration::from_secs(10)).await {
        Ok(pool) => pool,
        Err(err) => {
            eprintln!("cannot connect to the database: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = db::migrate(&pool).await {
        eprintln!("migrations failed: {err}");
        return ExitCode::FAILURE;
    }
    match seed_demo(&pool, system_clock().now(), &demo_price(&config)).await {
        Ok(seeded) => {
            println!("{}", credentials(&config, &seeded));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("could not seed the demo data: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The Pro price the demo business is on: the configured one, else the simulator's.
pub fn demo_price(config: &Config) -> String {
    config
        .stripe
        .price_pro
        .first()
        .cloned()
        .unwrap_or_else(|| "price_demo_pro".to_owned())
}

/// What to print so someone can sign in.
pub fn credentials(config: &Config, seeded: &Seeded) -> String {
    let what = if seeded.created {
        "Demo data created"
    } else {
        "Demo data already present"
    };
    format!(
        "{what}. Sign in at {}/sign-in\n  email:    {DEMO_EMAIL}\n  password: {DEMO_PASSWORD}",
        config.public_base_url
    )
}
