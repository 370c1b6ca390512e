//! The engine's lease on a real SQLite file: one holder at a time, a new epoch on every
//! acquisition, and fenced engine steps refused once the lease is no longer the writer's.

use domain::booking::{MeetingId, MeetingState};
use domain::lease::LeaseStore;
use domain::scheduler::steps::EngineSteps;
use domain::store::bookings::Step;
use domain::store::wake::WakeStore;
use domain::store::{SqliteStore, StoreError};
use std::time::Duration;
use time::OffsetDateTime;

#[tokio::test]
async fn one_holder_at_a_time_and_a_lost_lease_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lease.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    let ttl = Duration::from_secs(10);
    let now = OffsetDateTime::now_utc();

    let first = store.acquire_lease("a", now, ttl).await.unwrap().unwrap();
    assert!(
        store.acquire_lease("b", now, ttl).await.unwrap().is_none(),
        "held and unexpired: no second holder"
    );
    let step = [(MeetingId(1), MeetingState::Pending, Step::default())];
    let recorded = store
        .record_steps(Some(&first.fence()), &step)
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1, "the holder records");
    let renewed = store
        .renew_lease(&first, now + Duration::from_secs(2), ttl)
        .await
        .unwrap()
        .unwrap();
    let held = store.current_lease().await.unwrap().unwrap();
    assert_eq!(
        (held.since, held.expires),
        (first.since, renewed.expires),
        "a renewal moves the expiry, not the start"
    );
    assert_eq!(
        first.since.unix_timestamp_nanos() / 1_000_000,
        now.unix_timestamp_nanos() / 1_000_000
    );

    // The holder stops renewing; past its expiry a standby takes over with a new epoch.
    let later = now + Duration::from_secs(13);
    let second = store.acquire_lease("b", later, ttl).await.unwrap().unwrap();
    assert!(second.epoch > first.epoch, "a takeover is a new epoch");
    assert!(
        store
            .renew_lease(&first, later, ttl)
            .await
            .unwrap()
            .is_none(),
        "the old holder cannot renew"
    );
    assert!(
        matches!(
            store.record_steps(Some(&first.fence()), &step).await,
            Err(StoreError::Fenced)
        ),
        "the old holder records nothing"
    );

    // A release hands the lease over at once.
    store.release_lease(&second).await.unwrap();
    assert!(store.current_lease().await.unwrap().is_none());
    let third = store.acquire_lease("a", later, ttl).await.unwrap().unwrap();
    assert!(third.epoch > second.epoch);
    assert!(matches!(
        store.record_steps(Some(&second.fence()), &step).await,
        Err(StoreError::Fenced)
    ));
}

/// Two stores on one file stand for two processes: a ring on one wakes a watcher on the other
/// (once for several rings), and a watcher nobody rang keeps waiting.
#[tokio::test]
async fn a_ring_in_one_process_wakes_the_watcher_in_another() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("wake.db").display());
    let holder = SqliteStore::open(&url).await.unwrap();
    let other = SqliteStore::open(&url).await.unwrap();
    other.ring_engine().await.unwrap();
    let mut watch = holder.watch_engine().await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(700), watch.rung())
            .await
            .is_err(),
        "a ring before the watch began is not seen"
    );
    other.ring_engine().await.unwrap();
    other.ring_engine().await.unwrap();
    let asked = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(2), watch.rung())
        .await
        .expect("the ring is seen")
        .unwrap();
    println!("ring seen after {:?}", asked.elapsed());
    assert!(
        tokio::time::timeout(Duration::from_millis(700), watch.rung())
            .await
            .is_err(),
        "two rings before one look answer once"
    );
}
