//! `brokerdesk live arm|disarm|status`: the explicit, time-limited confirmation that live
//! orders may go out, in a front that lives for one command.
//!
//! The arm is the vault session's, in memory only (`brokerdesk_vault::Profile`): it ends with
//! its time, a lock, the auto-lock or the process. Every `brokerdesk` run is its own process and
//! session, so an arm cannot carry over to a later run — by design, not by accident: a sealed,
//! persisted arm would let anything that can run `brokerdesk` with the password in its
//! environment trade real money for the arm's whole time. So `live arm` wraps the one command
//! it arms (`brokerdesk live arm --minutes 5 -- order buy AAPL 1 --connection ID`): the arm is
//! confirmed (typed `arm`, or `--yes`), the command runs in this process under it, and the arm
//! is dropped when the command ends, whatever its outcome. See ARCHITECTURE.md.

use anyhow::{Context, bail};
use brokerdesk_model::vault::VaultState;
use brokerdesk_service::BrokerageService;
use clap::{Args, Subcommand};
use std::time::Duration;

/// Longest arm, in minutes; the vault enforces the same ceiling (`MAX_LIVE_ARMING`).
const MAX_MINUTES: u64 = 8 * 60;

#[derive(Subcommand, Debug)]
pub enum LiveCommand {
    /// Arm live trading for ONE command, run by this same process after `--`; the arm ends
    /// when that command does (or after --minutes, if sooner). Asks you to type `arm` unless
    /// --yes.
    #[command(
        after_help = "Example: brokerdesk live arm --minutes 5 -- order buy AAPL 1 --connection ID"
    )]
    Arm(ArmArgs),
    /// Drop the arm. A CLI arm never outlives the command it wraps, so between commands there
    /// is nothing to drop: this says so and shows the state.
    Disarm,
    /// Whether live trading is armed in this process, and until when.
    Status,
}

#[derive(Args, Debug)]
pub struct ArmArgs {
    /// How long the arm may last at most (1 to 480 minutes).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=MAX_MINUTES))]
    pub minutes: u64,
    /// Do not ask for confirmation (scripts).
    #[arg(long)]
    pub yes: bool,
    /// The command to run armed, after `--` (e.g. `-- order buy AAPL 1 --connection ID`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// An arm without a command would arm nothing: said before anything else happens.
pub fn require_command(args: &ArmArgs) -> anyhow::Result<()> {
    if args.command.is_empty() {
        bail!(
            "give the command to run armed after `--`, e.g. `brokerdesk live arm --minutes {} \
             -- order buy AAPL 1 --connection ID`: an arm lasts only as long as the command it \
             wraps",
            args.minutes
        );
    }
    Ok(())
}

/// Arms live trading in this process's vault session, after the user's confirmation.
pub fn arm(service: &BrokerageService, args: &ArmArgs) -> anyhow::Result<VaultState> {
    require_command(args)?;
    if !args.yes && !confirm(args.minutes)? {
        bail!("not armed");
    }
    let seconds = args.minutes.checked_mul(60).context("too many minutes")?;
    Ok(service.vault().arm_live(Duration::from_secs(seconds))?)
}

/// Drops the arm (the end of an armed command, and `live disarm`).
pub fn disarm(service: &BrokerageService) -> anyhow::Result<VaultState> {
    Ok(service.vault().disarm_live()?)
}

pub fn report(state: &VaultState, as_json: bool, headline: &str) -> anyhow::Result<String> {
    if as_json {
        return Ok(serde_json::to_string_pretty(&serde_json::json!({
            "armed": state.live_armed_until.is_some_and(|u| u > chrono::Utc::now()),
            "live_armed_until": state.live_armed_until,
            "role": state.role,
        }))? + "\n");
    }
    let mut out = String::new();
    if !headline.is_empty() {
        out = format!("{headline}\n");
    }
    out += &match state.live_armed_until {
        Some(until) if until > chrono::Utc::now() => format!(
            "Live trading is armed until {} (in this process only).\n",
            until.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        _ => "Live trading is not armed. Arm it for one command with \
              `brokerdesk live arm --minutes N -- COMMAND`.\n"
            .to_owned(),
    };
    Ok(out)
}

/// Asks on standard input; only `arm`, typed out, goes ahead.
fn confirm(minutes: u64) -> anyhow::Result<bool> {
    eprint!(
        "Orders on LIVE connections use real money. Arm live trading for up to {minutes} \
         minute(s), for this one command? Type `arm` to continue: "
    );
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("could not read the answer")?;
    Ok(line.trim() == "arm")
}
