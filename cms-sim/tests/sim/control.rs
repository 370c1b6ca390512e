//! The control API under `/_sim/`: faults, nodes, the request log and the state, as JSON.

use crate::common::{Client, start};
use cms_sim::{BulkSyncFault, SimConfig};
use serde_json::Value;

fn json(reply: &crate::common::Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|err| panic!("{err}: {}", reply.body))
}

#[tokio::test]
async fn faults_are_read_and_replaced_as_json() {
    let (cluster, client) = start(SimConfig::default()).await;
    let control = client.with_credentials(None);
    let initial = json(&control.get("/_sim/faults").await);
    assert_eq!(initial["busy_503_rate"], 0.0);
    assert_eq!(initial["bulk_sync"], "normal");

    let set = control
        .put(
            "/_sim/faults",
            r#"{"busy_503_rate":0.25,"latency_ms":5,"bulk_sync":{"fail":"failedCoSpaceUriConflict"}}"#,
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let faults = cluster.faults();
    assert_eq!(faults.busy_503_rate, 0.25);
    assert_eq!(faults.latency.as_millis(), 5);
    assert_eq!(
        faults.bulk_sync,
        BulkSyncFault::Fail(cms_sim::SyncStatus::FailedCoSpaceUriConflict)
    );

    let bad_rate = control.put("/_sim/faults", r#"{"error_500_rate":2}"#).await;
    assert_eq!(bad_rate.status, 400);
    let not_json = control.put("/_sim/faults", "busy").await;
    assert_eq!(not_json.status, 400);
    assert_eq!(
        cluster.faults().busy_503_rate,
        0.25,
        "refused changes change nothing"
    );
    assert_eq!(control.get("/_sim/nowhere").await.status, 404);
}

#[tokio::test]
async fn nodes_go_down_and_up_through_the_control_api() {
    let (cluster, client) = start(SimConfig {
        nodes: 2,
        tls: false,
        ..SimConfig::default()
    })
    .await;
    let control = client.with_credentials(None);
    let nodes = json(&control.get("/_sim/nodes").await);
    assert_eq!(nodes.as_array().map(Vec::len), Some(2));
    assert_eq!(nodes[1]["up"], true);

    let down = control.put("/_sim/nodes/1", r#"{"up":false}"#).await;
    assert_eq!(json(&down)["up"], false);
    assert!(!cluster.is_node_up(1));
    let refused = Client::for_node(&cluster, 1)
        .try_send(reqwest::Method::GET, "/api/v1/system/status", None)
        .await;
    assert!(refused.is_err());
    let up = control.put("/_sim/nodes/1", r#"{"up":true}"#).await;
    assert_eq!(json(&up)["up"], true);
    assert_eq!(
        Client::for_node(&cluster, 1)
            .get("/api/v1/system/status")
            .await
            .status,
        200
    );
    assert_eq!(
        control.put("/_sim/nodes/7", r#"{"up":true}"#).await.status,
        404
    );
    assert_eq!(control.put("/_sim/nodes/1", "{}").await.status, 400);

    // A node can take itself down and still answer that request.
    let own = Client::for_node(&cluster, 1).with_credentials(None);
    let itself = own.put("/_sim/nodes/1", r#"{"up":false}"#).await;
    assert_eq!(json(&itself)["up"], false);
}

#[tokio::test]
async fn the_request_log_and_state_are_readable_and_clearable() {
    let (_cluster, client) = start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await;
    client
        .create(
            "/api/v1/coSpaces",
            "name=Logged&passcode=1234&secret=hush",
            "/api/v1/coSpaces/",
        )
        .await;
    client.get("/api/v1/coSpaces?filter=logged").await;
    let control = client.with_credentials(None);
    let log = json(&control.get("/_sim/requests").await);
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["path"], "/api/v1/coSpaces");
    assert_eq!(log[0]["body"], "name=Logged&passcode=*****&secret=*****");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["query"], "filter=logged");
    assert_eq!(log[1]["node"], 0);

    let state = json(&control.get("/_sim/state").await);
    let spaces = state["spaces"].as_array().expect("spaces");
    assert_eq!(spaces.len(), 5);
    assert_eq!(spaces[4]["name"], "Logged");
    assert_eq!(spaces[4]["passcode"], "1234");

    assert_eq!(control.delete("/_sim/requests").await.status, 204);
    let empty = json(&control.get("/_sim/requests").await);
    assert_eq!(empty.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_node_taken_down_for_a_while_comes_back_by_itself() {
    let (cluster, client) = start(SimConfig {
        nodes: 2,
        tls: false,
        ..SimConfig::default()
    })
    .await;
    let control = client.with_credentials(None);
    let down = control
        .put("/_sim/nodes/1", r#"{"up":false,"for_ms":50}"#)
        .await;
    assert_eq!(json(&down)["up"], false);
    let mut back = false;
    for _ in 0..200 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        if json(&control.get("/_sim/nodes").await)[1]["up"] == true {
            back = true;
            break;
        }
    }
    assert!(back, "node 1 never came back");
    assert_eq!(
        Client::for_node(&cluster, 1)
            .get("/api/v1/system/status")
            .await
            .status,
        200
    );
}
