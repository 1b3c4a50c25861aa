//! The user's own settings, kept by the service (`<data dir>/settings.json`), edited on the
//! Settings page and with `brokerdesk settings`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An order above this share of the account's equity needs a second confirmation, unless the
/// user chose another limit.
pub const DEFAULT_MAX_ORDER_PCT: Decimal = Decimal::from_parts(25, 0, 0, false, 0);
/// The highest limit accepted: ten times the equity (margin accounts buy more than they hold).
pub const MAX_ORDER_PCT_CEILING: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The fat-finger limit: an order whose value is above this percentage of the account's
    /// equity must be confirmed a second time.
    pub max_order_pct: Decimal,
    /// Light, dark, or as the system says. Older files have none: the system's.
    #[serde(default)]
    pub theme: Theme,
    /// Which events become a native notification. Older files have none: all of them.
    #[serde(default)]
    pub notifications: NotificationSettings,
    /// The ISO 4217 code totals are shown in (other currencies converted at a published
    /// rate). Absent in files written before it existed: US dollars.
    #[serde(default = "default_base_currency")]
    pub base_currency: String,
    /// Where the local sandbox's prices come from. Older files have none: the simulation.
    #[serde(default)]
    pub sandbox_prices: crate::sandbox::SandboxPrices,
}

pub const DEFAULT_BASE_CURRENCY: &str = "USD";

fn default_base_currency() -> String {
    DEFAULT_BASE_CURRENCY.to_owned()
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_order_pct: DEFAULT_MAX_ORDER_PCT,
            base_currency: default_base_currency(),
            theme: Theme::default(),
            notifications: NotificationSettings::default(),
            sandbox_prices: crate::sandbox::SandboxPrices::default(),
        }
    }
}

/// The colour theme the user chose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follows the system's light or dark preference (`prefers-color-scheme`).
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn slug(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.slug() == slug)
    }

    pub fn title(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }
}

/// One switch per kind of native notification; each is on until the user turns it off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    /// An order filled (wholly or partly).
    #[serde(default = "on")]
    pub fills: bool,
    /// An order was rejected.
    #[serde(default = "on")]
    pub rejections: bool,
    /// A connection that was connected lost its institution.
    #[serde(default = "on")]
    pub disconnections: bool,
    /// The vault locked itself after the idle time.
    #[serde(default = "on")]
    pub auto_lock: bool,
}

fn on() -> bool {
    true
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            fills: true,
            rejections: true,
            disconnections: true,
            auto_lock: true,
        }
    }
}

/// Checks a base currency the user picked: a code ISO 4217 knows (upper-cased).
pub fn check_base_currency(code: &str) -> Result<String, String> {
    let style = crate::money::currency_style(code);
    if !style.known || style.code.len() != 3 {
        return Err(format!(
            "{:?} is not an ISO 4217 currency code (for example USD, EUR, JPY)",
            code.trim()
        ));
    }
    Ok(style.code)
}

/// Checks a limit typed by the user: more than 0, at most [`MAX_ORDER_PCT_CEILING`].
pub fn check_max_order_pct(percent: Decimal) -> Result<Decimal, String> {
    if percent <= Decimal::ZERO || percent > MAX_ORDER_PCT_CEILING {
        return Err(format!(
            "the order size limit must be more than 0 % and at most {MAX_ORDER_PCT_CEILING} % of \
             the account's equity (got {percent} %)"
        ));
    }
    Ok(percent.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_default_is_a_quarter_of_the_equity_and_limits_are_bounded() {
        assert_eq!(Settings::default().max_order_pct, dec!(25));
        assert_eq!(check_max_order_pct(dec!(12.50)).unwrap(), dec!(12.5));
        assert_eq!(check_max_order_pct(dec!(1000)).unwrap(), dec!(1000));
        for bad in [dec!(0), dec!(-5), dec!(1000.01)] {
            assert!(check_max_order_pct(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_file_from_before_themes_reads_with_the_system_theme_and_every_notification_on() {
        let old: Settings = serde_json::from_str(r#"{"max_order_pct":"10"}"#).unwrap();
        assert_eq!(old.theme, Theme::System);
        assert_eq!(old.notifications, NotificationSettings::default());
        assert!(old.notifications.fills && old.notifications.auto_lock);
        let partial: Settings = serde_json::from_str(
            r#"{"max_order_pct":"10","theme":"dark","notifications":{"fills":false}}"#,
        )
        .unwrap();
        assert_eq!(partial.theme, Theme::Dark);
        assert!(!partial.notifications.fills);
        assert!(partial.notifications.rejections);
        for theme in Theme::ALL {
            assert_eq!(Theme::from_slug(theme.slug()), Some(theme));
        }
    }

    #[test]
    fn the_base_currency_defaults_to_dollars_and_must_be_iso() {
        assert_eq!(Settings::default().base_currency, "USD");
        let old: Settings = serde_json::from_str(r#"{"max_order_pct":"10"}"#).unwrap();
        assert_eq!(old.base_currency, "USD");
        assert_eq!(check_base_currency(" eur ").unwrap(), "EUR");
        for bad in ["", "XYZ", "EURO", "US"] {
            assert!(check_base_currency(bad).is_err(), "{bad}");
        }
    }
}
