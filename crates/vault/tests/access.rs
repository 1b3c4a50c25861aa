//! Roles and live arming as the vault enforces them: each refusal must actually happen.

// Test helpers outside #[test] fns unwrap too: a panic is the right failure here.
#![allow(clippy::unwrap_used)]

mod common;

use brokerdesk_vault::{AccessError, Action, Role, SecretStore, VaultError};
use common::*;
use std::time::Duration;

#[test]
fn locked_vault_refuses_everything() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    assert_eq!(v.authorize(Action::Read), Err(AccessError::Locked));
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    assert_eq!(v.authorize(Action::Read), Ok(()));
    v.lock();
    for a in [
        Action::Read,
        Action::PlacePaperOrder,
        Action::PlaceLiveOrder,
    ] {
        assert_eq!(v.authorize(a), Err(AccessError::Locked));
    }
    assert!(matches!(
        v.arm_live(Duration::from_secs(60)),
        Err(VaultError::Locked)
    ));
}

#[test]
fn trader_live_orders_need_arming_which_expires_and_ends_with_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    assert_eq!(v.authorize(Action::PlacePaperOrder), Ok(()));
    assert_eq!(
        v.authorize(Action::PlaceLiveOrder),
        Err(AccessError::LiveNotArmed)
    );
    let until = v.arm_live(Duration::from_secs(10 * 60)).unwrap();
    assert_eq!(v.status().unwrap().state.live_armed_until, Some(until));
    clock.advance(Duration::from_secs(9 * 60));
    assert_eq!(v.authorize(Action::PlaceLiveOrder), Ok(()));
    clock.advance(Duration::from_secs(60));
    assert_eq!(
        v.authorize(Action::PlaceLiveOrder),
        Err(AccessError::LiveArmingExpired { until })
    );

    v.arm_live(Duration::from_secs(10 * 60)).unwrap();
    v.disarm_live();
    assert_eq!(
        v.authorize(Action::PlaceLiveOrder),
        Err(AccessError::LiveNotArmed)
    );

    v.arm_live(Duration::from_secs(10 * 60)).unwrap();
    v.lock();
    v.unlock(&pw(PASSWORD)).unwrap();
    assert_eq!(
        v.authorize(Action::PlaceLiveOrder),
        Err(AccessError::LiveNotArmed)
    );

    assert!(matches!(
        v.arm_live(Duration::from_secs(9 * 3600)),
        Err(VaultError::Access(AccessError::ArmingDuration { .. }))
    ));
}

#[test]
fn viewer_may_read_but_not_trade_and_role_changes_need_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    v.arm_live(Duration::from_secs(600)).unwrap();
    assert!(matches!(
        v.set_role(&pw("wrong password"), Role::Viewer),
        Err(VaultError::WrongPassword)
    ));
    assert_eq!(v.profile().unwrap().role, Role::Trader);
    v.set_role(&pw(PASSWORD), Role::Viewer).unwrap();
    assert_eq!(v.profile().unwrap().role, Role::Viewer);
    assert_eq!(v.authorize(Action::Read), Ok(()));
    assert_eq!(
        v.authorize(Action::PlacePaperOrder),
        Err(AccessError::ViewerMayNotTrade)
    );
    assert_eq!(
        v.authorize(Action::PlaceLiveOrder),
        Err(AccessError::ViewerMayNotTrade)
    );
    assert!(matches!(
        v.arm_live(Duration::from_secs(60)),
        Err(VaultError::Access(AccessError::ViewerMayNotTrade))
    ));
    // The role is stored: another session sees it.
    let mut other = vault(dir.path(), &clock);
    other.unlock(&pw(PASSWORD)).unwrap();
    assert_eq!(
        other.authorize(Action::PlacePaperOrder),
        Err(AccessError::ViewerMayNotTrade)
    );
    // Promotion back needs the password again, and then trading works (still unarmed for live).
    v.set_role(&pw(PASSWORD), Role::Trader).unwrap();
    assert_eq!(v.authorize(Action::PlacePaperOrder), Ok(()));
    assert_eq!(
        v.authorize(Action::PlaceLiveOrder),
        Err(AccessError::LiveNotArmed)
    );
}
