//! `reconcile-twilio --since <RFC 3339> [--until <RFC 3339>]` (operations.md §2).

use std::process::ExitCode;

use super::numbers::operator_state;
use crate::{
    domain::reconcile_window::Window,
    server::{cli::ReconcileTwilioArgs, twilio_reconcile},
};

pub async fn reconcile_twilio(args: ReconcileTwilioArgs) -> ExitCode {
    let state = match operator_state().await {
        Ok(state) => state,
        Err(code) => return code,
    };
    let now = state.clock.now();
    let Some(window) = Window::requested(args.since, args.until.unwrap_or(now)) else {
        eprintln!("--since must be before --until (or before now)");
        return ExitCode::FAILURE;
    };
    let enqueued = match state.pool.acquire().await {
        Ok(mut conn) => twilio_reconcile::enqueue(&mut conn, window, now).await,
        Err(err) => Err(err),
    };
    match enqueued {
        Ok(fresh) => {
            let note = if fresh {
                "enqueued"
            } else {
                "already enqueued"
            };
            println!(
                "twilio_reconcile {note} for {} to {}",
                window.start.to_rfc3339(),
                window.end.to_rfc3339()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("could not enqueue twilio_reconcile: {err}");
            ExitCode::FAILURE
        }
    }
}
