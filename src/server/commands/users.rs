//! Operator commands for users (operations.md §2).

use std::process::ExitCode;

use super::numbers::operator_state;
use crate::server::{accounts::reset::issue_for_email, cli::IssueResetLinkArgs};

/// `issue-reset-link --email <email>`: prints a 1-hour single-use reset URL; exit 1 if no such user.
pub async fn issue_reset_link(args: IssueResetLinkArgs) -> ExitCode {
    let state = match operator_state().await {
        Ok(state) => state,
        Err(code) => return code,
    };
    match issue_for_email(&state, &args.email).await {
        Ok(Some(link)) => {
            println!("{link}");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("no user with that email");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("could not issue the link: {err}");
            ExitCode::FAILURE
        }
    }
}
