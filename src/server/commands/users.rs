//! Operator commands for users (operations.md §2).

use std::process::ExitCode;

use super::numbers::operator_state;
use crate::server::{
    accounts::{
        deletion::{UserDeletion, delete_user as delete},
        reset::issue_for_email,
    },
    cli::{DeleteUserArgs, IssueResetLinkArgs},
};

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

/// `delete-user --email <email>`: exit 0 when deleted; 1 when refused or no such user.
pub async fn delete_user(args: DeleteUserArgs) -> ExitCode {
    let state = match operator_state().await {
        Ok(state) => state,
        Err(code) => return code,
    };
    match delete(&state, &args.email).await {
        Ok(UserDeletion::Deleted { user_id }) => {
            println!("deleted user {user_id}");
            ExitCode::SUCCESS
        }
        Ok(UserDeletion::NoSuchUser) => {
            eprintln!("no user with that email");
            ExitCode::FAILURE
        }
        Ok(UserDeletion::LastOwner { business_name }) => {
            eprintln!(
                "refused: this user is the last owner of \"{business_name}\"; make another member owner or delete the business first"
            );
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("could not delete the user: {err}");
            ExitCode::FAILURE
        }
    }
}
