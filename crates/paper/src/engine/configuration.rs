//! Account configurations (`GET/PATCH /v2/account/configurations`): the switches Alpaca lets
//! an account holder set. The engine honours `suspend_trade`, `no_shorting`,
//! `fractional_trading` and `max_margin_multiplier`; the checks and the confirmation e-mail
//! have nothing to act on in a sandbox and are kept as set (as are the PTP and options
//! fields).

use serde::{Deserialize, Serialize};

/// When a day-trading (or pattern-day-trader) check applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckWhen {
    #[default]
    Entry,
    Exit,
    Both,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmEmail {
    #[default]
    All,
    None,
}

/// The most margin the account may use (Alpaca sends it as a string).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarginMultiplier {
    #[serde(rename = "1")]
    One,
    #[serde(rename = "2")]
    Two,
    #[default]
    #[serde(rename = "4")]
    Four,
}

impl MarginMultiplier {
    pub fn value(self) -> rust_decimal::Decimal {
        rust_decimal::Decimal::from(self.times())
    }

    /// The multiplier as the whole number it is.
    pub fn times(self) -> u8 {
        match self {
            Self::One => 1,
            Self::Two => 2,
            Self::Four => 4,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountConfig {
    pub dtbp_check: CheckWhen,
    pub trade_confirm_email: ConfirmEmail,
    pub suspend_trade: bool,
    pub no_shorting: bool,
    pub fractional_trading: bool,
    pub max_margin_multiplier: MarginMultiplier,
    pub pdt_check: CheckWhen,
    /// Publicly traded partnerships without the withholding exception: kept as set.
    #[serde(default)]
    pub ptp_no_exception_entry: bool,
    /// Options level (the sandbox trades no options): kept as set.
    #[serde(default)]
    pub max_options_trading_level: Option<u8>,
}

impl Default for AccountConfig {
    /// Alpaca's defaults for a new paper account.
    fn default() -> Self {
        Self {
            dtbp_check: CheckWhen::Entry,
            trade_confirm_email: ConfirmEmail::All,
            suspend_trade: false,
            no_shorting: false,
            fractional_trading: true,
            max_margin_multiplier: MarginMultiplier::Four,
            pdt_check: CheckWhen::Entry,
            ptp_no_exception_entry: false,
            max_options_trading_level: None,
        }
    }
}
