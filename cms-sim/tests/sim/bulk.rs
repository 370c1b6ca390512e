//! Bulk parameter sets and syncs: the background run, `$index$` rules, failures, removeAll.

use crate::common::{Client, placeholders, start, texts, total, wait_for_sync};
use cms_sim::{BulkSyncFault, Faults, SimConfig};
use std::time::Duration;

fn plain() -> SimConfig {
    SimConfig {
        tls: false,
        bulk_sync_step: Duration::from_millis(5),
        ..SimConfig::default()
    }
}

async fn sync_status(client: &Client, set_body: &str) -> String {
    let set = client
        .create(
            "/api/v1/coSpaceBulkParameterSets",
            set_body,
            "/api/v1/cospaceBulkParameterSets/",
        )
        .await;
    let sync = client
        .create(
            "/api/v1/coSpaceBulkSyncs",
            &format!("coSpaceBulkParameterSet={set}"),
            "/api/v1/cospaceBulkSyncs/",
        )
        .await;
    wait_for_sync(client, &sync).await
}

#[tokio::test]
async fn a_sync_is_pending_until_its_step_has_passed() {
    let (_cluster, client) = start(SimConfig {
        bulk_sync_step: Duration::from_secs(3600),
        ..plain()
    })
    .await;
    let set = client
        .create(
            "/api/v1/coSpaceBulkParameterSets",
            "startIndex=1&endIndex=2&coSpaceNameMapping=P$index$",
            "/api/v1/cospaceBulkParameterSets/",
        )
        .await;
    let sync = client
        .create(
            "/api/v1/coSpaceBulkSyncs",
            &format!("COSPACEBULKPARAMETERSET={set}"),
            "/api/v1/cospaceBulkSyncs/",
        )
        .await;
    let got = client
        .get(&format!("/api/v1/coSpaceBulkSyncs/{sync}"))
        .await;
    assert_eq!(texts(&got.body, "status"), ["pending"]);
    let listed = client.get("/api/v1/coSpaceBulkSyncs").await;
    assert_eq!(total(&listed.body), 1);
    let listed_sets = client.get("/api/v1/cospacebulkparametersets").await;
    assert_eq!(texts(&listed_sets.body, "startIndex"), ["1"]);
    let single = client
        .get(&format!("/api/v1/coSpaceBulkParameterSets/{set}"))
        .await;
    assert_eq!(texts(&single.body, "coSpaceNameMapping"), ["P$index$"]);
}

#[tokio::test]
async fn bad_ranges_and_conflicts_fail_with_the_real_statuses() {
    let (cluster, client) = start(plain()).await;
    let cases = [
        (
            "startIndex=5&endIndex=1&coSpaceUriMapping=$index$",
            "failedIndexRangeInvalid",
        ),
        (
            "startIndex=-1&endIndex=1&coSpaceUriMapping=$index$",
            "failedIndexRangeInvalid",
        ),
        (
            "startIndex=1&endIndex=20000&coSpaceUriMapping=$index$",
            "failedIndexRangeTooGreat",
        ),
        (
            "startIndex=0&endIndex=9223372036854775807&coSpaceUriMapping=$index$",
            "failedIndexRangeTooGreat",
        ),
        (
            "startIndex=1&endIndex=1&coSpaceUriMapping=cool.bridge.space",
            "failedCoSpaceUriConflict",
        ),
        (
            "startIndex=1&endIndex=3&coSpaceUriMapping=same",
            "failedCoSpaceUriConflict",
        ),
        (
            "startIndex=497540167&endIndex=497540167&coSpaceCallIdMapping=$index$",
            "failedCallIdConflict",
        ),
        (
            "startIndex=1&endIndex=3&coSpaceCallIdMapping=7",
            "failedCallIdConflict",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(sync_status(&client, body).await, expected, "{body}");
    }
    assert_eq!(
        cluster.snapshot().spaces.len(),
        4,
        "failed syncs create nothing"
    );
    // A name mapping without $index$ is fine: every space gets the same name.
    assert_eq!(
        sync_status(&client, "startIndex=1&endIndex=3&coSpaceNameMapping=Same").await,
        "complete"
    );
    let same = client.get("/api/v1/coSpaces?filter=same").await;
    assert_eq!(total(&same.body), 3);
}

#[tokio::test]
async fn a_sync_of_a_missing_set_fails() {
    let (_cluster, client) = start(plain()).await;
    let sync = client
        .create(
            "/api/v1/coSpaceBulkSyncs",
            &format!("coSpaceBulkParameterSet={}", uuid::Uuid::new_v4()),
            "/api/v1/cospaceBulkSyncs/",
        )
        .await;
    assert_eq!(
        wait_for_sync(&client, &sync).await,
        "failedNoSuchParameterSet"
    );
}

#[tokio::test]
async fn mappings_are_checked_when_the_set_is_made() {
    let (_cluster, client) = start(plain()).await;
    for body in [
        "startIndex=1&endIndex=2&coSpaceUriMapping=$index$.$index$",
        "startIndex=1&endIndex=2&coSpaceUriMapping=room$x",
        "startIndex=1&endIndex=2&coSpaceUriMapping=$index$@example.com",
        "startIndex=1&endIndex=2&coSpaceCallIdMapping=id$index$",
        "startIndex=one&endIndex=2",
    ] {
        let reply = client.post("/api/v1/coSpaceBulkParameterSets", body).await;
        assert_eq!(reply.status, 400, "{body}");
        assert!(reply.body.contains("error=\"invalidValue\""), "{body}");
    }
    let missing = client
        .post("/api/v1/coSpaceBulkParameterSets", "endIndex=2")
        .await;
    assert!(
        missing
            .body
            .contains("<parameterError parameter=\"startIndex\" error=\"required\" />")
    );
}

#[tokio::test]
async fn remove_all_deletes_what_the_set_made_and_nothing_else() {
    let (cluster, client) = start(plain()).await;
    placeholders(&client, 1, 3).await;
    let set = cluster.snapshot().bulk_parameter_sets[0].id;
    let sync = client
        .create(
            "/api/v1/coSpaceBulkSyncs",
            &format!("coSpaceBulkParameterSet={set}&removeAll=true"),
            "/api/v1/cospaceBulkSyncs/",
        )
        .await;
    assert_eq!(wait_for_sync(&client, &sync).await, "complete");
    let names: Vec<String> = cluster
        .snapshot()
        .spaces
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names,
        [
            "Cool Bridge Space",
            "It's testacano1's Space!",
            "It's testacano2's Space!",
            "It's testacano3's Space!"
        ]
    );
}

#[tokio::test]
async fn a_second_sync_updates_the_sets_own_spaces_in_place() {
    let (cluster, client) = start(plain()).await;
    let before = placeholders(&client, 1, 3).await;
    let set = cluster.snapshot().bulk_parameter_sets[0].id;
    let sync = client
        .create(
            "/api/v1/coSpaceBulkSyncs",
            &format!("coSpaceBulkParameterSet={set}"),
            "/api/v1/cospaceBulkSyncs/",
        )
        .await;
    assert_eq!(wait_for_sync(&client, &sync).await, "complete");
    let after: Vec<String> = cluster
        .snapshot()
        .spaces
        .into_iter()
        .filter(|s| s.bulk_parameter_set == Some(set))
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(after, before);
}

#[tokio::test]
async fn faults_hold_a_sync_pending_or_make_it_fail() {
    let (cluster, client) = start(plain()).await;
    cluster.set_faults(Faults {
        bulk_sync: BulkSyncFault::Fail(cms_sim::SyncStatus::FailedCallIdConflict),
        ..Faults::default()
    });
    assert_eq!(
        sync_status(
            &client,
            "startIndex=1&endIndex=2&coSpaceCallIdMapping=$index$"
        )
        .await,
        "failedCallIdConflict"
    );
    assert_eq!(cluster.snapshot().spaces.len(), 4);

    cluster.set_faults(Faults {
        bulk_sync: BulkSyncFault::StayPending,
        ..Faults::default()
    });
    let set = client
        .create(
            "/api/v1/coSpaceBulkParameterSets",
            "startIndex=1&endIndex=2&coSpaceCallIdMapping=$index$",
            "/api/v1/cospaceBulkParameterSets/",
        )
        .await;
    let sync = client
        .create(
            "/api/v1/coSpaceBulkSyncs",
            &format!("coSpaceBulkParameterSet={set}"),
            "/api/v1/cospaceBulkSyncs/",
        )
        .await;
    // Several steps' worth of polling: still pending while the fault holds.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let got = client
            .get(&format!("/api/v1/coSpaceBulkSyncs/{sync}"))
            .await;
        assert_eq!(texts(&got.body, "status"), ["pending"]);
    }
    cluster.set_faults(Faults::default());
    assert_eq!(wait_for_sync(&client, &sync).await, "complete");
    assert_eq!(cluster.snapshot().spaces.len(), 6);
}
