//! Native notifications for what happens while the user looks elsewhere: fills, rejections,
//! a connection lost, the vault locked by its idle timer. Each kind is a setting
//! (`Settings::notifications`, in settings.json). Decided here from the service's own events;
//! sent through the notification plugin from Rust, so the webview is granted nothing.
//!
//! A notice says what happened in words a lock screen may show: no key, token or password
//! is ever in a service event, and none is added here.

use brokerdesk_model::order::{OrderSide, OrderStatus};
use brokerdesk_model::{
    ConnectionId, ConnectionStatus, NotificationSettings, ServiceEvent, TradingMode,
};
use brokerdesk_service::BrokerageService;
use std::collections::{HashMap, HashSet};
use tokio::sync::broadcast::error::RecvError;

/// What the user is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
}

/// The kinds of notice, one setting each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Fill,
    Rejection,
    Disconnection,
    AutoLock,
}

impl NoticeKind {
    pub fn allowed(self, settings: &NotificationSettings) -> bool {
        match self {
            NoticeKind::Fill => settings.fills,
            NoticeKind::Rejection => settings.rejections,
            NoticeKind::Disconnection => settings.disconnections,
            NoticeKind::AutoLock => settings.auto_lock,
        }
    }
}

/// Shows a notice; the plugin in the app, a recorder in tests.
pub trait Notifier: Send + 'static {
    fn show(&self, notice: &Notice);
}

/// The notification plugin of a running app.
pub struct PluginNotifier<R: tauri::Runtime>(pub tauri::AppHandle<R>);

impl<R: tauri::Runtime> Notifier for PluginNotifier<R> {
    fn show(&self, notice: &Notice) {
        use tauri_plugin_notification::NotificationExt;
        if let Err(err) = self
            .0
            .notification()
            .builder()
            .title(&notice.title)
            .body(&notice.body)
            .show()
        {
            // A desktop without a notification daemon: the app goes on without.
            tracing::warn!(error = %err, kind = ?notice.kind, "could not show a notification");
        }
    }
}

/// Turns events into notices, remembering what it needs to tell a change from a repeat:
/// each connection's last status, and the order states already told.
#[derive(Default)]
pub struct Decider {
    statuses: HashMap<ConnectionId, ConnectionStatus>,
    told: HashSet<String>,
}

impl Decider {
    /// The notice `event` calls for, if any, before the settings are asked.
    pub fn decide(&mut self, event: &ServiceEvent) -> Option<Notice> {
        match event {
            ServiceEvent::Order(entry) => {
                let order = &entry.order;
                let kind = match order.status {
                    OrderStatus::Filled | OrderStatus::PartiallyFilled => NoticeKind::Fill,
                    OrderStatus::Rejected => NoticeKind::Rejection,
                    _ => return None,
                };
                // The same state is published again on later reads: tell it once. A partial
                // fill that grows is news.
                let key = format!(
                    "{}/{}/{:?}/{}",
                    entry.connection, order.id, order.status, order.filled_qty
                );
                if !self.told.insert(key) {
                    return None;
                }
                let side = match order.side {
                    OrderSide::Buy => "Bought",
                    OrderSide::Sell => "Sold",
                };
                let (title, body) = match kind {
                    NoticeKind::Fill => {
                        let price = order
                            .filled_avg_price
                            .map(|p| format!(" at {}", p.normalize()))
                            .unwrap_or_default();
                        let title = if order.status == OrderStatus::Filled {
                            "Order filled"
                        } else {
                            "Order partly filled"
                        };
                        (
                            title,
                            format!(
                                "{side} {} {}{price} · {} ({})",
                                order.filled_qty.normalize(),
                                order.symbol,
                                entry.connection_name,
                                mode_word(entry.mode)
                            ),
                        )
                    }
                    _ => (
                        "Order rejected",
                        format!(
                            "{} {} was rejected by {} ({}). The Orders page has the detail.",
                            match order.side {
                                OrderSide::Buy => "Buy",
                                OrderSide::Sell => "Sell",
                            },
                            order.symbol,
                            entry.connection_name,
                            mode_word(entry.mode)
                        ),
                    ),
                };
                Some(Notice {
                    kind,
                    title: title.into(),
                    body,
                })
            }
            ServiceEvent::Connection(summary) => {
                let before = self
                    .statuses
                    .insert(summary.id.clone(), summary.status.clone());
                // Only a loss: a connection that was up and is not any more. Its first read
                // failing ("not read yet" → down) shows on the page, not as a notification.
                let lost = matches!(before, Some(ConnectionStatus::Connected))
                    && matches!(
                        summary.status,
                        ConnectionStatus::Disconnected(_) | ConnectionStatus::NeedsSignIn(_)
                    );
                lost.then(|| Notice {
                    kind: NoticeKind::Disconnection,
                    title: format!("{} disconnected", summary.display_name),
                    body: match &summary.status {
                        ConnectionStatus::NeedsSignIn(_) => {
                            "It needs you to sign in again (Connect page).".into()
                        }
                        _ => "Brokerdesk keeps trying; its figures may be out of date.".into(),
                    },
                })
            }
            ServiceEvent::VaultAutoLocked => {
                // Connections close with the vault: their statuses start over at unlock.
                self.statuses.clear();
                Some(Notice {
                    kind: NoticeKind::AutoLock,
                    title: "Brokerdesk locked itself".into(),
                    body: "The vault locked after the idle time. Unlock it to see your accounts."
                        .into(),
                })
            }
            _ => None,
        }
    }

    /// Decides, then shows the notice if its setting allows. `settings` is read only when
    /// there is something to tell (quotes arrive many times a second); an unreadable settings
    /// file shows nothing.
    pub fn handle<E: std::fmt::Display>(
        &mut self,
        event: &ServiceEvent,
        settings: impl FnOnce() -> Result<NotificationSettings, E>,
        notifier: &dyn Notifier,
    ) {
        let Some(notice) = self.decide(event) else {
            return;
        };
        match settings() {
            Ok(settings) if notice.kind.allowed(&settings) => notifier.show(&notice),
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(error = %err, "notification settings unreadable; not notifying");
            }
        }
    }
}

fn mode_word(mode: TradingMode) -> &'static str {
    match mode {
        TradingMode::Paper => "paper",
        TradingMode::Live => "live",
    }
}

/// Follows the service's events until it goes away, notifying as the settings say.
pub async fn watch(service: BrokerageService, notifier: impl Notifier) {
    let mut events = service.subscribe();
    let mut decider = Decider::default();
    loop {
        match events.recv().await {
            Ok(event) => decider.handle(&event, || service.notification_settings(), &notifier),
            // Missed events are gone; the next ones are still told.
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokerdesk_model::order::{Order, OrderType, TimeInForce};
    use brokerdesk_model::{AccountId, BlotterEntry, ConnectionSummary, OrderId, Symbol, VendorId};
    use rust_decimal_macros::dec;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<Notice>>>);

    impl Notifier for Recorder {
        fn show(&self, notice: &Notice) {
            self.0.lock().unwrap().push(notice.clone());
        }
    }

    impl Recorder {
        fn take(&self) -> Vec<Notice> {
            std::mem::take(&mut *self.0.lock().unwrap())
        }
    }

    fn order(status: OrderStatus, filled: rust_decimal::Decimal) -> ServiceEvent {
        ServiceEvent::Order(Box::new(BlotterEntry {
            connection: ConnectionId::new("paper-local"),
            connection_name: "Paper (local)".into(),
            mode: TradingMode::Paper,
            account: AccountId::new("PA-1"),
            order: Order {
                id: OrderId::new("o-1"),
                client_order_id: None,
                symbol: Symbol::new("AAPL"),
                side: OrderSide::Buy,
                order_type: OrderType::Market,
                time_in_force: TimeInForce::Day,
                quantity: None,
                filled_qty: filled,
                filled_avg_price: (filled > dec!(0)).then_some(dec!(187.50)),
                limit_price: None,
                stop_price: None,
                status,
                created_at: None,
                updated_at: None,
            },
            submitted_at: chrono::Utc::now(),
            currency: None,
        }))
    }

    fn status(status: ConnectionStatus) -> ServiceEvent {
        ServiceEvent::Connection(ConnectionSummary {
            id: ConnectionId::new("c-1"),
            vendor: VendorId::new("mock"),
            display_name: "My broker".into(),
            mode: TradingMode::Live,
            status,
            latency_ms: None,
            last_refresh: None,
            live_balances_every_min: None,
        })
    }

    fn run(events: &[ServiceEvent], settings: NotificationSettings) -> Vec<Notice> {
        let recorder = Recorder::default();
        let mut decider = Decider::default();
        for event in events {
            decider.handle(
                event,
                || Ok::<_, std::convert::Infallible>(settings),
                &recorder,
            );
        }
        recorder.take()
    }

    fn everything() -> Vec<ServiceEvent> {
        vec![
            order(OrderStatus::New, dec!(0)),
            order(OrderStatus::PartiallyFilled, dec!(1)),
            order(OrderStatus::PartiallyFilled, dec!(1)),
            order(OrderStatus::Filled, dec!(2)),
            order(OrderStatus::Filled, dec!(2)),
            order(OrderStatus::Rejected, dec!(0)),
            ServiceEvent::AccountsChanged,
            status(ConnectionStatus::Disconnected("not read yet".into())),
            status(ConnectionStatus::Connected),
            status(ConnectionStatus::Connected),
            status(ConnectionStatus::Disconnected("timed out".into())),
            status(ConnectionStatus::Disconnected("timed out again".into())),
            ServiceEvent::Vault,
            ServiceEvent::VaultAutoLocked,
        ]
    }

    #[test]
    fn each_event_that_matters_is_told_once_in_words() {
        let told = run(&everything(), NotificationSettings::default());
        let kinds: Vec<_> = told.iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            vec![
                NoticeKind::Fill,
                NoticeKind::Fill,
                NoticeKind::Rejection,
                NoticeKind::Disconnection,
                NoticeKind::AutoLock,
            ]
        );
        assert_eq!(told[0].title, "Order partly filled");
        assert_eq!(
            told[1].body,
            "Bought 2 AAPL at 187.5 · Paper (local) (paper)"
        );
        assert_eq!(told[3].title, "My broker disconnected");
    }

    #[test]
    fn each_kind_follows_its_own_setting() {
        let all = NotificationSettings::default();
        let cases = [
            (
                NotificationSettings {
                    fills: false,
                    ..all
                },
                NoticeKind::Fill,
            ),
            (
                NotificationSettings {
                    rejections: false,
                    ..all
                },
                NoticeKind::Rejection,
            ),
            (
                NotificationSettings {
                    disconnections: false,
                    ..all
                },
                NoticeKind::Disconnection,
            ),
            (
                NotificationSettings {
                    auto_lock: false,
                    ..all
                },
                NoticeKind::AutoLock,
            ),
        ];
        for (settings, silenced) in cases {
            let told = run(&everything(), settings);
            assert!(told.iter().all(|n| n.kind != silenced), "{silenced:?}");
            // The others are still told.
            assert_eq!(told.len() + usize::from(silenced == NoticeKind::Fill), 4);
        }
        let none = NotificationSettings {
            fills: false,
            rejections: false,
            disconnections: false,
            auto_lock: false,
        };
        assert!(run(&everything(), none).is_empty());
    }

    #[test]
    fn unreadable_settings_tell_nothing_and_are_not_read_for_quiet_events() {
        let recorder = Recorder::default();
        let mut decider = Decider::default();
        decider.handle(
            &order(OrderStatus::Filled, dec!(1)),
            || Err("settings.json cannot be used"),
            &recorder,
        );
        assert!(recorder.take().is_empty());
        let mut asked = false;
        decider.handle(
            &ServiceEvent::AccountsChanged,
            || {
                asked = true;
                Ok::<_, &str>(NotificationSettings::default())
            },
            &recorder,
        );
        assert!(!asked, "settings read for an event that tells nothing");
    }

    #[test]
    fn a_sign_in_request_after_being_connected_is_a_disconnection() {
        let told = run(
            &[
                status(ConnectionStatus::Connected),
                status(ConnectionStatus::NeedsSignIn(String::new())),
                status(ConnectionStatus::Degraded("slow".into())),
            ],
            NotificationSettings::default(),
        );
        assert_eq!(told.len(), 1);
        assert!(told[0].body.contains("sign in again"));
    }
}
