//! Operator commands for tracking numbers (operations.md §2).

use std::{process::ExitCode, time::Duration};

use super::load_config;
use crate::server::{
    cli::{AttachNumberArgs, ResyncNumbersArgs},
    db,
    numbers::{attach, lifecycle},
    serve::system_clock,
    site::load_site_options,
    state::AppState,
};

pub(super) async fn operator_state() -> Result<AppState, ExitCode> {
    let config = load_config()?;
    let pool = db::connect(&config.database, Duration::from_secs(10))
        .await
        .map_err(|err| {
            eprintln!("cannot connect to the database: {err}");
            ExitCode::FAILURE
        })?;
    let site = load_site_options().unwrap_or_else(|_| {
        leptos::config::LeptosOptions::builder()
            .output_name("callbackcloser")
            .build()
    });
    Ok(AppState::new(config, pool, system_clock(), site))
}

/// `attach-number --business <id> (--number <E.164> | --sid <PN…>) [--label] [--forwarding]`.
pub async fn attach_number(args: AttachNumberArgs) -> ExitCode {
    let state = match operator_state().await {
        Ok(state) => state,
        Err(code) => return code,
    };
    let number = args.number.or(args.sid).unwrap_or_default();
    match attach::attach(
        &state,
        args.business,
        &number,
        args.label.as_deref(),
        args.forwarding.as_deref(),
    )
    .await
    {
        Ok(id) => {
            println!("attached {number} as {id}");
            ExitCode::SUCCESS
        }
        Err(refused) => {
            eprintln!("refused: {refused}");
            ExitCode::FAILURE
        }
    }
}

/// `resync-numbers [--business <id>]`: one line per number.
pub async fn resync_numbers(args: ResyncNumbersArgs) -> ExitCode {
    let state = match operator_state().await {
        Ok(state) => state,
        Err(code) => return code,
    };
    match lifecycle::resync_for_operator(&state, args.business).await {
        Ok(results) => {
            let mut failed = false;
            for (number, error) in results {
                match error {
                    None => println!("{number}  synced"),
                    Some(error) => {
                        failed = true;
                        println!("{number}  FAILED: {error}");
                    }
                }
            }
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(err) => {
            eprintln!("resync failed: {err}");
            ExitCode::FAILURE
        }
    }
}
