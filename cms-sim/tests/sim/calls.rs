//! Calls, dial-outs that ring then connect (or fail), participants and the status counters.

use crate::common::{Client, ids, start, texts, total};
use cms_sim::SimConfig;
use std::time::Duration;

const COOL: &str = "2be23a10-f400-4436-baef-6058f55ca688";
const TESTACANO1: &str = "f4c9601b-300e-43ac-a283-3e1a00699c2c";

fn config(delay: Duration) -> SimConfig {
    SimConfig {
        tls: false,
        dial_connect_delay: delay,
        failing_remote_pattern: Some("unreachable".to_owned()),
        ..SimConfig::default()
    }
}

async fn call(client: &Client, space: &str) -> String {
    client
        .create(
            "/api/v1/calls",
            &format!("coSpace={space}"),
            "/api/v1/calls/",
        )
        .await
}

async fn dial(client: &Client, call: &str, party: &str) -> String {
    client
        .create(
            &format!("/api/v1/calls/{call}/callLegs"),
            &format!("remoteParty={party}"),
            "/api/v1/callLegs/",
        )
        .await
}

#[tokio::test]
async fn a_dial_out_rings_until_the_delay_has_passed() {
    let (cluster, client) = start(config(Duration::from_secs(3600))).await;
    let call = call(&client, COOL).await;
    let leg = dial(&client, &call, "desk.ex90@example.com").await;
    let got = client.get(&format!("/api/v1/callLegs/{leg}")).await;
    assert_eq!(texts(&got.body, "state"), ["ringing"]);
    assert_eq!(texts(&got.body, "call"), [call.as_str()]);
    let participants = client.get("/api/v1/participants").await;
    assert_eq!(total(&participants.body), 0);
    assert_eq!(cluster.snapshot().call_legs[0].state, "ringing");
}

#[tokio::test]
async fn a_connected_dial_out_is_a_participant_and_moves_the_counters() {
    let (_cluster, client) = start(config(Duration::ZERO)).await;
    let call = call(&client, COOL).await;
    let leg = dial(&client, &call, "desk.ex90@example.com").await;
    let other_call = self::call(&client, TESTACANO1).await;
    dial(&client, &other_call, "room@example.com").await;

    let got = client.get(&format!("/api/v1/callLegs/{leg}")).await;
    assert_eq!(texts(&got.body, "state"), ["connected"]);
    let all = client.get("/api/v1/callLegs").await;
    assert_eq!(total(&all.body), 2);
    let this_call = client.get(&format!("/api/v1/calls/{call}/callLegs")).await;
    assert_eq!(ids(&this_call.body, "callLeg"), [leg.as_str()]);
    assert_eq!(
        texts(&this_call.body, "remoteParty"),
        ["desk.ex90@example.com"]
    );
    let participants = client
        .get(&format!("/api/v1/calls/{call}/participants"))
        .await;
    assert_eq!(texts(&participants.body, "name"), ["desk.ex90@example.com"]);
    assert_eq!(total(&client.get("/api/v1/participants").await.body), 2);
    let participant = ids(&participants.body, "participant").remove(0);
    assert_eq!(
        client
            .get(&format!("/api/v1/participants/{participant}"))
            .await
            .status,
        200
    );
    let single = client.get(&format!("/api/v1/calls/{call}")).await;
    assert_eq!(texts(&single.body, "numCallLegs"), ["1"]);
    assert_eq!(texts(&single.body, "name"), ["Cool Bridge Space"]);

    let status = client.get("/api/v1/system/status").await;
    assert_eq!(texts(&status.body, "callLegsActive"), ["2"]);
    assert_eq!(texts(&status.body, "callLegsMaxActive"), ["3"]);
    assert_ne!(texts(&status.body, "audioBitRateOutgoing"), ["0"]);
    assert_ne!(texts(&status.body, "videoBitRateIncoming"), ["0"]);

    assert_eq!(
        client
            .delete(&format!("/api/v1/callLegs/{leg}"))
            .await
            .status,
        200
    );
    assert_eq!(
        client
            .delete(&format!("/api/v1/calls/{other_call}"))
            .await
            .status,
        200
    );
    let status = client.get("/api/v1/system/status").await;
    assert_eq!(texts(&status.body, "callLegsActive"), ["0"]);
    assert_eq!(texts(&status.body, "callLegsCompleted"), ["9"]);
    assert_eq!(texts(&status.body, "audioBitRateOutgoing"), ["0"]);
}

#[tokio::test]
async fn a_failing_remote_party_ends_its_leg() {
    let (cluster, client) = start(config(Duration::ZERO)).await;
    let call = call(&client, COOL).await;
    let failing = dial(&client, &call, "unreachable.room@example.com").await;
    let fine = dial(&client, &call, "desk@example.com").await;
    let legs = client.get(&format!("/api/v1/calls/{call}/callLegs")).await;
    assert_eq!(ids(&legs.body, "callLeg"), [fine]);
    assert_eq!(
        client
            .get(&format!("/api/v1/callLegs/{failing}"))
            .await
            .status,
        404
    );
    assert_eq!(cluster.snapshot().call_legs_completed, 8);
}

#[tokio::test]
async fn remote_party_is_required_and_the_participant_limit_holds() {
    let (_cluster, client) = start(config(Duration::ZERO)).await;
    let profile = client
        .create(
            "/api/v1/callProfiles",
            "participantLimit=1",
            "/api/v1/callProfiles/",
        )
        .await;
    assert_eq!(
        client
            .put(
                &format!("/api/v1/coSpaces/{COOL}"),
                &format!("callProfile={profile}")
            )
            .await
            .status,
        200
    );
    let call = call(&client, COOL).await;
    let missing = client
        .post(&format!("/api/v1/calls/{call}/callLegs"), "remoteParty=")
        .await;
    assert_eq!(missing.status, 400);
    dial(&client, &call, "one@example.com").await;
    let second = client
        .post(
            &format!("/api/v1/calls/{call}/callLegs"),
            "remoteParty=two@example.com",
        )
        .await;
    assert_eq!(
        (second.status, second.body.as_str()),
        (
            400,
            "<?xml version=\"1.0\"?><failureDetails><participantLimitReached /></failureDetails>"
        )
    );
}

#[tokio::test]
async fn deleting_a_space_ends_its_call() {
    let (cluster, client) = start(config(Duration::ZERO)).await;
    let call = call(&client, COOL).await;
    dial(&client, &call, "desk@example.com").await;
    assert_eq!(
        client
            .delete(&format!("/api/v1/coSpaces/{COOL}"))
            .await
            .status,
        200
    );
    let snapshot = cluster.snapshot();
    assert!(snapshot.calls.is_empty());
    assert!(snapshot.call_legs.is_empty());
}
