//! The user's settings in `<data dir>/settings.json` (today: the order size limit). Read on
//! every use, so a change made with the CLI holds in the running app at once; written
//! atomically. A file that cannot be read is an error, never a silent default: it may hold a
//! stricter limit than the default.

use crate::BrokerageService;
use crate::error::ServiceError;
use brokerdesk_model::settings::{check_base_currency, check_max_order_pct};
use brokerdesk_model::{NotificationSettings, Settings, Theme};
use brokerdesk_vault::Action;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

pub(crate) struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    pub(crate) fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("settings.json"),
        }
    }

    pub(crate) fn load(&self) -> Result<Settings, ServiceError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(source) => {
                return Err(ServiceError::DataDir {
                    path: self.path.display().to_string(),
                    source,
                });
            }
        };
        let unusable = |why: String| {
            ServiceError::Config(format!(
                "{} cannot be used ({why}); fix it, or remove it to go back to the defaults",
                self.path.display()
            ))
        };
        let settings: Settings =
            serde_json::from_slice(&bytes).map_err(|e| unusable(e.to_string()))?;
        check_max_order_pct(settings.max_order_pct).map_err(unusable)?;
        check_base_currency(&settings.base_currency).map_err(unusable)?;
        Ok(settings)
    }

    fn save(&self, settings: &Settings) -> Result<(), ServiceError> {
        let json = serde_json::to_vec_pretty(settings)
            .map_err(|e| ServiceError::Internal(format!("encoding settings: {e}")))?;
        crate::atomic_file::write(&self.path, &json)
    }
}

impl BrokerageService {
    /// The user's settings. Once a vault exists, reading them needs it unlocked.
    pub fn settings(&self) -> Result<Settings, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        self.inner.settings.load()
    }

    /// Sets the order size limit, in percent of the account's equity.
    pub fn set_max_order_pct(&self, percent: Decimal) -> Result<Settings, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        let _ = self.inner.vault.touch();
        let max_order_pct = check_max_order_pct(percent).map_err(ServiceError::InvalidInput)?;
        let mut settings = self.inner.settings.load()?;
        settings.max_order_pct = max_order_pct;
        self.inner.settings.save(&settings)?;
        Ok(settings)
    }

    /// Sets the colour theme.
    pub fn set_theme(&self, theme: Theme) -> Result<Settings, ServiceError> {
        self.update_settings(|s| s.theme = theme)
    }

    /// Sets which events become native notifications.
    pub fn set_notifications(
        &self,
        notifications: NotificationSettings,
    ) -> Result<Settings, ServiceError> {
        self.update_settings(|s| s.notifications = notifications)
    }

    pub(crate) fn update_settings(
        &self,
        change: impl FnOnce(&mut Settings),
    ) -> Result<Settings, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        let _ = self.inner.vault.touch();
        let mut settings = self.inner.settings.load()?;
        change(&mut settings);
        self.inner.settings.save(&settings)?;
        Ok(settings)
    }

    /// The notification switches, for the shell deciding whether to notify. Unlike
    /// [`Self::settings`] this does not need the vault unlocked: "the vault locked itself" is
    /// told while it is locked, and the switches are no secret (they never reach the webview
    /// this way). An unreadable file notifies nothing rather than guessing.
    pub fn notification_settings(&self) -> Result<NotificationSettings, ServiceError> {
        Ok(self.inner.settings.load()?.notifications)
    }

    /// Sets the currency totals are shown in (an ISO 4217 code).
    pub fn set_base_currency(&self, code: &str) -> Result<Settings, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        let _ = self.inner.vault.touch();
        let code = check_base_currency(code).map_err(ServiceError::InvalidInput)?;
        let mut settings = self.inner.settings.load()?;
        settings.base_currency = code;
        self.inner.settings.save(&settings)?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn defaults_until_saved_and_a_bad_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        assert_eq!(file.load().unwrap().max_order_pct, dec!(25));
        file.save(&Settings {
            max_order_pct: dec!(10),
            ..Settings::default()
        })
        .unwrap();
        assert_eq!(file.load().unwrap().max_order_pct, dec!(10));
        std::fs::write(
            dir.path().join("settings.json"),
            br#"{"max_order_pct":"0"}"#,
        )
        .unwrap();
        assert!(file.load().unwrap_err().to_string().contains("remove it"));
        std::fs::write(dir.path().join("settings.json"), b"{").unwrap();
        assert!(file.load().is_err());
    }

    #[tokio::test]
    async fn theme_and_notifications_are_kept_beside_the_limit_and_read_while_locked() {
        let (_dir, config) = crate::service_tests::config();
        let service = BrokerageService::start(config).await.unwrap();
        crate::service_tests::trader(&service).await;
        service.set_max_order_pct(dec!(12)).unwrap();
        let after = service.set_theme(Theme::Dark).unwrap();
        assert_eq!((after.theme, after.max_order_pct), (Theme::Dark, dec!(12)));
        let off = NotificationSettings {
            fills: false,
            ..NotificationSettings::default()
        };
        service.set_notifications(off).unwrap();
        let read = service.settings().unwrap();
        assert_eq!(read.theme, Theme::Dark);
        assert_eq!(read.notifications, off);
        service.lock().unwrap();
        // Locked: the page's settings are refused, the shell still reads the switches.
        assert!(service.settings().is_err());
        assert!(service.set_theme(Theme::Light).is_err());
        assert_eq!(service.notification_settings().unwrap(), off);
    }
}
