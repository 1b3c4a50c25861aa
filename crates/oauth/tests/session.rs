//! Refresh: before expiry, after a 401, one at a time, with rotation, and "needs sign-in".
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod common;

use brokerdesk_oauth::{
    MemoryTokenStore, OAuthSession, SessionError, SessionStatus, TokenError, TokenSet, TokenStore,
};
use chrono::Utc;
use common::{MockServer, Mode};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;

const KEY: &str = "square:main";

/// A session whose store holds `access`/`refresh`, expiring in `expires_in_secs`.
async fn seeded(
    mock: &MockServer,
    expires_in_secs: i64,
    refresh: Option<&str>,
) -> (Arc<OAuthSession>, Arc<MemoryTokenStore>) {
    let store = Arc::new(MemoryTokenStore::new());
    if let Some(rt) = refresh {
        mock.add_refresh_token(rt);
    }
    store
        .save(
            KEY,
            &TokenSet {
                access_token: SecretString::from("at-old"),
                refresh_token: refresh.map(SecretString::from),
                expires_at: Some(Utc::now() + chrono::Duration::seconds(expires_in_secs)),
                scopes: vec!["read".into()],
                token_type: "bearer".into(),
            },
        )
        .await
        .unwrap();
    let session = OAuthSession::new(KEY, mock.config(), store.clone())
        .unwrap()
        .with_refresh_margin(Duration::from_secs(60));
    (Arc::new(session), store)
}

async fn stored(store: &MemoryTokenStore) -> TokenSet {
    store.load(KEY).await.unwrap().expect("tokens stored")
}

#[tokio::test]
async fn a_fresh_token_is_used_as_is() {
    let mock = MockServer::start().await;
    let (session, _) = seeded(&mock, 3600, Some("rt-old")).await;
    assert_eq!(
        session.access_token().await.unwrap().expose_secret(),
        "at-old"
    );
    assert_eq!(mock.calls_of("refresh_token"), 0);
}

#[tokio::test]
async fn refreshes_before_expiry_and_rotates_the_refresh_token() {
    let mock = MockServer::start().await;
    // Expires in 30 s: inside the 60 s margin.
    let (session, store) = seeded(&mock, 30, Some("rt-old")).await;
    let token = session.access_token().await.unwrap();
    assert_ne!(token.expose_secret(), "at-old");
    assert_eq!(mock.calls_of("refresh_token"), 1);
    assert_eq!(mock.calls()[0].form["refresh_token"], "rt-old");
    let now = stored(&store).await;
    assert_eq!(now.access_token.expose_secret(), token.expose_secret());
    let rotated = now.refresh_token.unwrap();
    assert_ne!(
        rotated.expose_secret(),
        "rt-old",
        "the new refresh token replaces the old"
    );
    assert!(now.expires_at.unwrap() > Utc::now() + chrono::Duration::seconds(3000));
    // The next call uses the refreshed token without another refresh.
    assert_eq!(
        session.access_token().await.unwrap().expose_secret(),
        token.expose_secret()
    );
    assert_eq!(mock.calls_of("refresh_token"), 1);
    // And the rotated refresh token is the one that works next time.
    session.force_refresh().await.unwrap();
    assert_eq!(
        mock.calls()[1].form["refresh_token"],
        rotated.expose_secret()
    );
}

#[tokio::test]
async fn keeps_the_refresh_token_when_the_server_sends_none() {
    let mock = MockServer::start().await;
    *mock.inner.rotate.lock().unwrap() = false;
    let (session, store) = seeded(&mock, -10, Some("rt-keep")).await;
    session.access_token().await.unwrap();
    let now = stored(&store).await;
    assert_eq!(now.refresh_token.unwrap().expose_secret(), "rt-keep");
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let mock = MockServer::start().await;
    *mock.inner.refresh_delay.lock().unwrap() = Duration::from_millis(200);
    let (session, _) = seeded(&mock, -10, Some("rt-old")).await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let session = Arc::clone(&session);
            tokio::spawn(async move { session.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap().unwrap().expose_secret().to_owned());
    }
    assert_eq!(mock.calls_of("refresh_token"), 1, "one refresh in flight");
    assert!(
        tokens.iter().all(|t| *t == tokens[0] && t != "at-old"),
        "{tokens:?}"
    );
}

#[tokio::test]
async fn a_401_refreshes_once_for_everyone_who_saw_it() {
    let mock = MockServer::start().await;
    let (session, _) = seeded(&mock, 3600, Some("rt-old")).await;
    let rejected = session.access_token().await.unwrap();
    assert_eq!(rejected.expose_secret(), "at-old");
    let a = session.after_unauthorized(&rejected).await.unwrap();
    let b = session.after_unauthorized(&rejected).await.unwrap();
    assert_ne!(a.expose_secret(), "at-old");
    assert_eq!(a.expose_secret(), b.expose_secret());
    assert_eq!(mock.calls_of("refresh_token"), 1);
    // A 401 on the new token refreshes again.
    let c = session.after_unauthorized(&a).await.unwrap();
    assert_ne!(c.expose_secret(), a.expose_secret());
    assert_eq!(mock.calls_of("refresh_token"), 2);
}

#[tokio::test]
async fn a_refused_refresh_means_sign_in_again() {
    let mock = MockServer::start().await;
    let (session, store) = seeded(&mock, -10, Some("rt-old")).await;
    let mut status = session.subscribe();
    mock.set_mode(Mode::Reject("invalid_grant"));
    match session.access_token().await {
        Err(SessionError::NeedsSignIn { reason }) => {
            assert!(reason.contains("invalid_grant"), "{reason}")
        }
        other => panic!("expected needs sign-in, got {other:?}"),
    }
    assert!(matches!(
        session.status(),
        SessionStatus::NeedsSignIn { .. }
    ));
    assert!(status.has_changed().unwrap());
    assert!(matches!(
        &*status.borrow_and_update(),
        SessionStatus::NeedsSignIn { .. }
    ));
    assert!(
        store.load(KEY).await.unwrap().is_none(),
        "dead tokens are dropped"
    );
    // And it stays that way without hammering the server.
    assert!(matches!(
        session.access_token().await,
        Err(SessionError::NeedsSignIn { .. })
    ));
    assert_eq!(mock.calls_of("refresh_token"), 1);
}

#[tokio::test]
async fn a_refresh_token_the_server_does_not_know_means_sign_in_again() {
    // A refresh token the server never issued (revoked, or from another server).
    let mock = MockServer::start().await;
    let store = Arc::new(MemoryTokenStore::new());
    let tokens = TokenSet {
        access_token: SecretString::from("at-old"),
        refresh_token: Some(SecretString::from("rt-revoked")),
        expires_at: Some(Utc::now()),
        scopes: vec![],
        token_type: "bearer".into(),
    };
    store.save(KEY, &tokens).await.unwrap();
    let session = OAuthSession::new(KEY, mock.config(), store).unwrap();
    assert!(matches!(
        session.access_token().await,
        Err(SessionError::NeedsSignIn { .. })
    ));
    assert_eq!(mock.calls_of("refresh_token"), 1);
}

#[tokio::test]
async fn a_5xx_on_refresh_keeps_the_tokens_for_a_retry() {
    let mock = MockServer::start().await;
    let (session, store) = seeded(&mock, -10, Some("rt-old")).await;
    mock.set_mode(Mode::Status(502));
    assert!(matches!(
        session.access_token().await,
        Err(SessionError::Refresh(TokenError::ServerError(502)))
    ));
    assert_eq!(session.status(), SessionStatus::SignedIn);
    assert_eq!(
        stored(&store).await.refresh_token.unwrap().expose_secret(),
        "rt-old"
    );
    // Once the server is back, the same refresh token works.
    mock.set_mode(Mode::Normal);
    assert_ne!(
        session.access_token().await.unwrap().expose_secret(),
        "at-old"
    );
}

#[tokio::test]
async fn expired_without_a_refresh_token_means_sign_in_again() {
    let mock = MockServer::start().await;
    let (session, _) = seeded(&mock, -10, None).await;
    assert!(matches!(
        session.access_token().await,
        Err(SessionError::NeedsSignIn { .. })
    ));
    assert!(mock.calls().is_empty());
}

#[tokio::test]
async fn no_tokens_means_sign_in() {
    let mock = MockServer::start().await;
    let session = OAuthSession::new(KEY, mock.config(), Arc::new(MemoryTokenStore::new())).unwrap();
    assert!(matches!(
        session.access_token().await,
        Err(SessionError::NeedsSignIn { .. })
    ));
    assert!(matches!(
        session.status(),
        SessionStatus::NeedsSignIn { .. }
    ));
}

#[tokio::test]
async fn the_background_refresher_refreshes_before_expiry_and_stops_on_a_dead_grant() {
    let mock = MockServer::start().await;
    *mock.inner.expires_in.lock().unwrap() = Some(2);
    // Expires in 2 s with a 1 s margin: the refresher wakes after about 1 s.
    let (session, store) = seeded(&mock, 2, Some("rt-old")).await;
    let session = Arc::new(
        Arc::into_inner(session)
            .unwrap()
            .with_refresh_margin(Duration::from_secs(1)),
    );
    let refresher = session.spawn_refresher();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while mock.calls_of("refresh_token") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the refresher never refreshed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(mock.calls_of("refresh_token"), 1, "refreshed once");
    let now = stored(&store).await;
    assert_ne!(now.access_token.expose_secret(), "at-old");
    assert!(now.expires_at.unwrap() > Utc::now());
    // The grant dies: the next background refresh turns the session to "needs sign-in".
    mock.set_mode(Mode::Reject("invalid_grant"));
    tokio::time::timeout(Duration::from_secs(5), refresher)
        .await
        .expect("the refresher stops")
        .unwrap();
    assert!(matches!(
        session.status(),
        SessionStatus::NeedsSignIn { .. }
    ));
}

#[tokio::test]
async fn the_background_refresher_ends_with_its_session() {
    let mock = MockServer::start().await;
    // Due in about 1 s (61 s to expiry, 60 s margin).
    let (session, _) = seeded(&mock, 61, Some("rt-old")).await;
    let weak = Arc::downgrade(&session);
    let refresher = session.spawn_refresher();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(session);
    assert!(
        weak.upgrade().is_none(),
        "the sleeping refresher keeps the session alive"
    );
    tokio::time::timeout(Duration::from_secs(5), refresher)
        .await
        .expect("the refresher ends once its session is gone")
        .unwrap();
    assert_eq!(mock.calls_of("refresh_token"), 0);
}

#[tokio::test]
async fn a_refresh_with_a_huge_expires_in_is_clamped_not_a_panic() {
    let mock = MockServer::start().await;
    let (session, store) = seeded(&mock, 30, Some("rt-old")).await;
    mock.set_mode(Mode::RawJson(
        r#"{"access_token":"at-new","token_type":"bearer","expires_in":18446744073709551615}"#,
    ));
    let token = session.force_refresh().await.unwrap();
    assert_eq!(token.expose_secret(), "at-new");
    let at = stored(&store)
        .await
        .expires_at
        .expect("clamped, not dropped");
    assert!(at <= Utc::now() + chrono::Duration::days(365), "{at}");
    assert!(at > Utc::now() + chrono::Duration::days(364), "{at}");
}

#[tokio::test]
async fn a_stored_expiry_at_the_end_of_time_is_not_a_panic() {
    // Whatever the vault holds (an old version, a hand edit): the refresher's date math holds.
    let mock = MockServer::start().await;
    let (session, store) = seeded(&mock, 3600, Some("rt-old")).await;
    let mut tokens = stored(&store).await;
    tokens.expires_at = Some(chrono::DateTime::<Utc>::MIN_UTC);
    store.save(KEY, &tokens).await.unwrap();
    let refresher = session.spawn_refresher();
    // Expired at the start of time: refreshed at once, not a panic in the refresher.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while mock.calls_of("refresh_token") == 0 {
        assert!(!refresher.is_finished(), "the refresher ended (panicked?)");
        assert!(std::time::Instant::now() < deadline, "no refresh");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    refresher.abort();
}
