//! Command-line interface (operations.md §2). Usage errors exit 2 (clap's convention).

use clap::{Args, Parser, Subcommand, ValueEnum};
use uuid::Uuid;

use super::config::AppEnv;

#[derive(Debug, Parser)]
#[command(name = "callbackcloser", version, about = "Missed call to booked job.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP and run the job worker (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Check every configuration variable; exit 1 when something required is missing or invalid.
    CheckEnv(CheckEnvArgs),
    /// Print the webhook URLs to configure at Twilio and Stripe.
    PrintWebhooks(PrintWebhooksArgs),
    /// Connect to the database and report its version and pending migrations.
    DbSmoke,
    /// Move dead jobs back to the queue.
    RequeueDead(RequeueDeadArgs),
    /// Print a one-hour, single-use password reset link for a user.
    IssueResetLink(IssueResetLinkArgs),
    /// Attach a number the platform's Twilio account already owns to a business.
    AttachNumber(AttachNumberArgs),
    /// Point every active number's webhooks at this app again.
    ResyncNumbers(ResyncNumbersArgs),
    /// Create the demo owner, business and 30 days of calls and leads (idempotent).
    SeedDemo,
    /// Replay what Twilio logged in a window the app may have missed (e.g. after an outage).
    ReconcileTwilio(ReconcileTwilioArgs),
    /// Delete a user (refused while they are a business's last owner).
    DeleteUser(DeleteUserArgs),
}

#[derive(Debug, Args)]
pub struct DeleteUserArgs {
    #[arg(long)]
    pub email: String,
}

#[derive(Debug, Args)]
pub struct ReconcileTwilioArgs {
    /// Window start, RFC 3339 (e.g. 2026-05-01T10:00:00Z).
    #[arg(long, value_parser = parse_rfc3339)]
    pub since: chrono::DateTime<chrono::Utc>,
    /// Window end, RFC 3339; now when omitted.
    #[arg(long, value_parser = parse_rfc3339)]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

fn parse_rfc3339(raw: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map(|at| at.to_utc())
        .map_err(|err| format!("not an RFC 3339 time ({err}), e.g. 2026-05-01T10:00:00Z"))
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["number", "sid"])))]
pub struct AttachNumberArgs {
    #[arg(long)]
    pub business: Uuid,
    /// The number in E.164, e.g. +15125550199.
    #[arg(long)]
    pub number: Option<String>,
    /// The number's Twilio SID (PN…).
    #[arg(long)]
    pub sid: Option<String>,
    #[arg(long)]
    pub label: Option<String>,
    /// The phone calls should ring (default: the business's).
    #[arg(long)]
    pub forwarding: Option<String>,
}

#[derive(Debug, Args)]
pub struct IssueResetLinkArgs {
    #[arg(long)]
    pub email: String,
}

#[derive(Debug, Args)]
pub struct ResyncNumbersArgs {
    /// Only this business's numbers.
    #[arg(long)]
    pub business: Option<Uuid>,
}

#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Do not apply pending migrations at startup.
    #[arg(long)]
    pub no_migrate: bool,
}

#[derive(Debug, Args)]
pub struct CheckEnvArgs {
    /// Check the rules of this environment instead of APP_ENV's.
    #[arg(long, value_enum)]
    pub env: Option<EnvArg>,
    /// Also send one test alert to ALERT_WEBHOOK_URL (exit 1 when it is not delivered).
    #[arg(long)]
    pub test_alert: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EnvArg {
    Development,
    Production,
}

impl From<EnvArg> for AppEnv {
    fn from(arg: EnvArg) -> Self {
        match arg {
            EnvArg::Development => AppEnv::Development,
            EnvArg::Production => AppEnv::Production,
        }
    }
}

#[derive(Debug, Args)]
pub struct PrintWebhooksArgs {
    /// Print the shared webhook token instead of REDACTED (non-production only).
    #[arg(long)]
    pub show_token: bool,
}

#[derive(Debug, Args)]
pub struct RequeueDeadArgs {
    /// Only jobs of this kind (e.g. send_sms).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this job.
    #[arg(long)]
    pub id: Option<Uuid>,
}
