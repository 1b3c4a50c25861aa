//! Who may do what: the stored role, and the time-limited arming that live orders need.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The longest live trading may stay armed by one confirmation.
pub const MAX_LIVE_ARMING: Duration = Duration::from_secs(8 * 60 * 60);

pub use brokerdesk_model::vault::Role;

/// What a caller is about to do; the service asks before each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    PlacePaperOrder,
    PlaceLiveOrder,
}

/// Why an action was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("the vault is locked; unlock it first")]
    Locked,
    #[error("this profile is a viewer and may not place orders")]
    ViewerMayNotTrade,
    #[error("live trading is not armed; confirm it first")]
    LiveNotArmed,
    #[error("live trading was armed until {until} and has expired; confirm it again")]
    LiveArmingExpired { until: DateTime<Utc> },
    #[error("live trading can be armed for between one second and {max_minutes} minutes")]
    ArmingDuration { max_minutes: u64 },
    /// The profile could not be read (damaged or unreadable vault file): refuse, fail closed.
    #[error("access refused: the profile could not be read ({0})")]
    ProfileUnavailable(String),
}

/// The signed-in profile: its stored role and, in memory only, until when live trading is armed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub role: Role,
    /// Never persisted: arming ends with the session (lock, auto-lock, restart).
    pub live_armed_until: Option<DateTime<Utc>>,
}

impl Profile {
    pub fn new(role: Role) -> Self {
        Self {
            role,
            live_armed_until: None,
        }
    }

    /// The single decision point for access; the service calls it before every guarded command.
    pub fn authorize(&self, action: Action, now: DateTime<Utc>) -> Result<(), AccessError> {
        match action {
            Action::Read => Ok(()),
            Action::PlacePaperOrder => self.require_trader(),
            Action::PlaceLiveOrder => {
                self.require_trader()?;
                match self.live_armed_until {
                    None => Err(AccessError::LiveNotArmed),
                    Some(until) if now >= until => Err(AccessError::LiveArmingExpired { until }),
                    Some(_) => Ok(()),
                }
            }
        }
    }

    /// Arms live trading for `duration` from `now`: the user's explicit confirmation.
    pub fn arm_live(
        &mut self,
        now: DateTime<Utc>,
        duration: Duration,
    ) -> Result<DateTime<Utc>, AccessError> {
        self.require_trader()?;
        if duration < Duration::from_secs(1) || duration > MAX_LIVE_ARMING {
            return Err(AccessError::ArmingDuration {
                max_minutes: MAX_LIVE_ARMING.as_secs() / 60,
            });
        }
        let until = now + crate::clock::to_delta(duration);
        self.live_armed_until = Some(until);
        Ok(until)
    }

    pub fn disarm_live(&mut self) {
        self.live_armed_until = None;
    }

    fn require_trader(&self) -> Result<(), AccessError> {
        match self.role {
            Role::Trader => Ok(()),
            Role::Viewer => Err(AccessError::ViewerMayNotTrade),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
    }

    #[test]
    fn viewer_reads_but_never_trades() {
        let mut p = Profile::new(Role::Viewer);
        assert_eq!(p.authorize(Action::Read, t0()), Ok(()));
        assert_eq!(
            p.authorize(Action::PlacePaperOrder, t0()),
            Err(AccessError::ViewerMayNotTrade)
        );
        assert_eq!(
            p.authorize(Action::PlaceLiveOrder, t0()),
            Err(AccessError::ViewerMayNotTrade)
        );
        assert_eq!(
            p.arm_live(t0(), Duration::from_secs(60)),
            Err(AccessError::ViewerMayNotTrade)
        );
        // Even a forged arming timestamp does not let a viewer trade live.
        p.live_armed_until = Some(t0() + chrono::TimeDelta::hours(1));
        assert_eq!(
            p.authorize(Action::PlaceLiveOrder, t0()),
            Err(AccessError::ViewerMayNotTrade)
        );
    }

    #[test]
    fn trader_needs_arming_for_live_and_arming_expires() {
        let mut p = Profile::new(Role::Trader);
        assert_eq!(p.authorize(Action::PlacePaperOrder, t0()), Ok(()));
        assert_eq!(
            p.authorize(Action::PlaceLiveOrder, t0()),
            Err(AccessError::LiveNotArmed)
        );
        let until = p.arm_live(t0(), Duration::from_secs(600)).unwrap();
        assert_eq!(until, t0() + chrono::TimeDelta::seconds(600));
        assert_eq!(
            p.authorize(
                Action::PlaceLiveOrder,
                t0() + chrono::TimeDelta::seconds(599)
            ),
            Ok(())
        );
        assert_eq!(
            p.authorize(Action::PlaceLiveOrder, until),
            Err(AccessError::LiveArmingExpired { until })
        );
        p.arm_live(t0(), Duration::from_secs(600)).unwrap();
        p.disarm_live();
        assert_eq!(
            p.authorize(Action::PlaceLiveOrder, t0()),
            Err(AccessError::LiveNotArmed)
        );
    }

    #[test]
    fn arming_duration_is_bounded() {
        let mut p = Profile::new(Role::Trader);
        assert!(matches!(
            p.arm_live(t0(), Duration::ZERO),
            Err(AccessError::ArmingDuration { .. })
        ));
        assert!(matches!(
            p.arm_live(t0(), MAX_LIVE_ARMING + Duration::from_secs(1)),
            Err(AccessError::ArmingDuration { .. })
        ));
        assert!(p.arm_live(t0(), MAX_LIVE_ARMING).is_ok());
    }

    #[test]
    fn roles_parse_and_print() {
        for r in [Role::Viewer, Role::Trader] {
            assert_eq!(r.to_string().parse::<Role>(), Ok(r));
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
