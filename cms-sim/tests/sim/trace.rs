//! Replays the seed's trace (TMS 15.3 against CMS 2.0): every request TMS made gets the same
//! status and the same shape of answer, and the state afterwards is what the guide shows.

use crate::common::{Client, ids, placeholders, start, texts, total, wait_for_sync};
use cms_sim::SimConfig;

fn two_nodes() -> SimConfig {
    SimConfig {
        nodes: 2,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn adding_the_system_discovers_the_cluster_and_creates_profiles() {
    let (cluster, client) = start(two_nodes()).await;

    let status = client.get("/api/v1/system/status").await;
    assert_eq!(status.status, 200);
    assert!(status.body.starts_with("<?xml version=\"1.0\"?><status><softwareVersion>2.0(RC)</softwareVersion><uptimeSeconds>"), "{}", status.body);
    assert_eq!(texts(&status.body, "activated"), ["true"]);
    assert_eq!(texts(&status.body, "clusterEnabled"), ["true"]);
    assert_eq!(texts(&status.body, "callLegsActive"), ["0"]);
    assert_eq!(texts(&status.body, "callLegsMaxActive"), ["3"]);
    assert_eq!(texts(&status.body, "callLegsCompleted"), ["7"]);
    let cdr_time = texts(&status.body, "cdrTime").remove(0);
    assert!(
        time::OffsetDateTime::parse(&cdr_time, &time::format_description::well_known::Rfc3339)
            .is_ok()
            && cdr_time.ends_with('Z')
            && !cdr_time.contains('.'),
        "{cdr_time}"
    );

    let bridges = client.get("/api/v1/callBridges").await;
    assert_eq!(bridges.status, 200);
    assert_eq!(total(&bridges.body), 2);
    assert_eq!(
        texts(&bridges.body, "name"),
        ["CallBridge-Core1", "CallBridge-Core2"]
    );
    assert!(
        !bridges.body.contains("<address>"),
        "list items carry the name only"
    );
    for (node, id) in ids(&bridges.body, "callBridge").iter().enumerate() {
        let bridge = client.get(&format!("/api/v1/callBridges/{id}")).await;
        assert_eq!(
            bridge.body,
            format!(
                "<?xml version=\"1.0\"?><callBridge id=\"{id}\"><name>CallBridge-Core{}</name><address>{}</address><sipDomain></sipDomain></callBridge>",
                node + 1,
                cluster.base_urls()[node]
            )
        );
    }

    let profile = client
        .create(
            "/api/v1/callProfiles",
            "participantLimit=1000&messageBoardEnabled=false",
            "/api/v1/callProfiles/",
        )
        .await;
    client
        .create(
            "/api/v1/callLegProfiles",
            "defaultLayout=telepresence&changeLayoutAllowed=true&presentationContributionAllowed=true&presentationViewingAllowed=true&muteSelfAllowed=true&videoMuteSelfAllowed=true",
            "/api/v1/callLegProfiles/",
        )
        .await;
    let got = client.get(&format!("/api/v1/callProfiles/{profile}")).await;
    assert_eq!(
        got.body,
        format!(
            "<?xml version=\"1.0\"?><callProfile id=\"{profile}\"><participantLimit>1000</participantLimit><messageBoardEnabled>false</messageBoardEnabled></callProfile>"
        )
    );
    let snapshot = cluster.snapshot();
    assert_eq!(snapshot.call_profiles.len(), 1);
    assert_eq!(snapshot.call_leg_profiles.len(), 1);
    assert_eq!(snapshot.call_leg_profiles[0].fields.len(), 6);
}

#[tokio::test]
async fn placeholders_appear_as_in_the_guides_screenshot() {
    let (cluster, client) = start(two_nodes()).await;
    let call_profile = client
        .create(
            "/api/v1/callProfiles",
            "participantLimit=1000&messageBoardEnabled=false",
            "/api/v1/callProfiles/",
        )
        .await;
    let leg_profile = client
        .create(
            "/api/v1/callLegProfiles",
            "defaultLayout=telepresence",
            "/api/v1/callLegProfiles/",
        )
        .await;
    // As TMS sent it (the guide's rendering lost the `$index$` tokens), with the server's
    // own spelling of the path and of the sync's parameter.
    let set = client
        .create(
            "/api/v1/cospaceBulkParameterSets",
            &format!("startIndex=1&endIndex=5&coSpaceUriMapping=%24index%24&coSpaceNameMapping=TMS_Scheduled_Meeting_%24index%24&coSpaceCallIdMapping=%24index%24&callProfile={call_profile}&callLegProfile={leg_profile}&nonMemberAccess=false"),
            "/api/v1/cospaceBulkParameterSets/",
        )
        .await;
    let sync = client
        .create(
            "/api/v1/cospaceBulkSyncs",
            &format!("cospaceBulkParameterSet={set}"),
            "/api/v1/cospaceBulkSyncs/",
        )
        .await;
    assert_eq!(wait_for_sync(&client, &sync).await, "complete");
    let got = client
        .get(&format!("/api/v1/cospaceBulkSyncs/{sync}"))
        .await;
    assert_eq!(
        got.body,
        format!(
            "<?xml version=\"1.0\"?><cospaceBulkSync id=\"{sync}\"><cospaceBulkParameterSet>{set}</cospaceBulkParameterSet><status>complete</status></cospaceBulkSync>"
        )
    );
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);

    let spaces = client.get("/api/v1/coSpaces").await;
    assert_eq!(total(&spaces.body), 9);
    assert_eq!(
        texts(&spaces.body, "name"),
        [
            "Cool Bridge Space",
            "It's testacano1's Space!",
            "It's testacano2's Space!",
            "It's testacano3's Space!",
            "TMS_Scheduled_Meeting_1",
            "TMS_Scheduled_Meeting_2",
            "TMS_Scheduled_Meeting_3",
            "TMS_Scheduled_Meeting_4",
            "TMS_Scheduled_Meeting_5",
        ]
    );
    assert_eq!(
        texts(&spaces.body, "uri"),
        [
            "cool.bridge.space",
            "testacano1.space",
            "testacano2.space",
            "testacano3.space",
            "1",
            "2",
            "3",
            "4",
            "5"
        ]
    );
    assert_eq!(
        texts(&spaces.body, "callId"),
        [
            "497540167",
            "020710167",
            "136456483",
            "529987622",
            "1",
            "2",
            "3",
            "4",
            "5"
        ]
    );
    assert!(spaces.body.starts_with("<?xml version=\"1.0\"?><coSpaces total=\"9\"><coSpace id=\"2be23a10-f400-4436-baef-6058f55ca688\"><name>Cool Bridge Space</name><autoGenerated>false</autoGenerated><uri>cool.bridge.space</uri><callId>497540167</callId></coSpace>"), "{}", spaces.body);

    let placeholder = cluster
        .snapshot()
        .spaces
        .into_iter()
        .find(|s| s.name == "TMS_Scheduled_Meeting_3")
        .expect("placeholder 3");
    assert!(!placeholder.non_member_access);
    assert_eq!(
        placeholder.call_profile.map(|p| p.to_string()),
        Some(call_profile)
    );
    assert_eq!(
        placeholder.call_leg_profile.map(|p| p.to_string()),
        Some(leg_profile)
    );
    assert_eq!(
        placeholder.bulk_parameter_set.map(|p| p.to_string()),
        Some(set)
    );
}

#[tokio::test]
async fn start_extend_and_end_a_meeting_as_tms_does() {
    let (cluster, client) = start(SimConfig {
        dial_connect_delay: std::time::Duration::ZERO,
        ..two_nodes()
    })
    .await;
    let placeholder = placeholders(&client, 1, 5).await.remove(0);
    cluster.clear_requests();

    // Start: status, participants, an unauthenticated coSpaces (401) then the real one.
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);
    let participants = client.get("/api/v1/participants").await;
    assert_eq!(
        participants.body,
        "<?xml version=\"1.0\"?><participants total=\"0\"></participants>"
    );
    let anonymous = client.with_credentials(None).get("/api/v1/coSpaces").await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body, "");
    assert_eq!(
        anonymous.www_authenticate.as_deref(),
        Some("Basic realm=\"acano\"")
    );
    assert_eq!(client.get("/api/v1/coSpaces").await.status, 200);

    let dress = "&nonMemberAccess=true&passcode=4321&name=Tim+Kratzke+Acano+TMSXE+Test+Meeting&secret=86db1bdd-5cf7-4ea8-b88d-479195f4701a";
    let put = client
        .put(&format!("/api/v1/cospaces/{placeholder}"), dress)
        .await;
    assert_eq!(
        (put.status, put.body.as_str(), put.location),
        (200, "", None)
    );
    let call = client
        .create(
            "/api/v1/calls",
            &format!("coSpace={placeholder}"),
            "/api/v1/calls/",
        )
        .await;
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);
    let calls = client.get("/api/v1/calls").await;
    assert_eq!(total(&calls.body), 1);
    assert_eq!(
        texts(&calls.body, "name"),
        ["Tim Kratzke Acano TMSXE Test Meeting"]
    );
    assert_eq!(texts(&calls.body, "coSpace"), [placeholder.as_str()]);
    assert_eq!(texts(&calls.body, "callCorrelator").len(), 1);
    let legs = client.get("/api/v1/callegs").await;
    assert_eq!(
        legs.body,
        "<?xml version=\"1.0\"?><callLegs total=\"0\"></callLegs>"
    );
    let leg = client
        .create(
            &format!("/api/v1/calls/{call}/callegs"),
            "remoteParty=desk.ex90@tkratzke.local",
            "/api/v1/callLegs/",
        )
        .await;
    let got = client.get(&format!("/api/v1/callLegs/{leg}")).await;
    assert_eq!(
        texts(&got.body, "remoteParty"),
        ["desk.ex90@tkratzke.local"]
    );
    assert_eq!(texts(&got.body, "state"), ["connected"]);

    // Extend: the same PUT again.
    assert_eq!(
        client
            .put(&format!("/api/v1/cospaces/{placeholder}"), dress)
            .await
            .status,
        200
    );
    let dressed = cluster
        .snapshot()
        .spaces
        .into_iter()
        .find(|s| s.id.to_string() == placeholder)
        .expect("placeholder");
    assert_eq!(dressed.name, "Tim Kratzke Acano TMSXE Test Meeting");
    assert_eq!(dressed.passcode.as_deref(), Some("4321"));
    assert_eq!(
        dressed.secret.as_deref(),
        Some("86db1bdd-5cf7-4ea8-b88d-479195f4701a")
    );
    assert!(dressed.non_member_access);

    // End: GETs, the space put back, the call deleted.
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);
    assert_eq!(client.get("/api/v1/coSpaces").await.status, 200);
    assert_eq!(client.get("/api/v1/calls").await.status, 200);
    let undress =
        "&nonMemberAccess=false&passcode=&name=TMS_Scheduled_Meeting_1&regenerateSecret=true";
    assert_eq!(
        client
            .put(&format!("/api/v1/cospaces/{placeholder}"), undress)
            .await
            .status,
        200
    );
    let deleted = client.delete(&format!("/api/v1/calls/{call}")).await;
    assert_eq!((deleted.status, deleted.body.as_str()), (200, ""));
    assert_eq!(total(&client.get("/api/v1/calls").await.body), 0);
    assert_eq!(total(&client.get("/api/v1/callLegs").await.body), 0);

    let restored = cluster
        .snapshot()
        .spaces
        .into_iter()
        .find(|s| s.id.to_string() == placeholder)
        .expect("placeholder");
    assert_eq!(restored.name, "TMS_Scheduled_Meeting_1");
    assert_eq!(restored.passcode, None);
    assert!(!restored.non_member_access);
    let secret = restored.secret.expect("a new secret");
    assert_ne!(secret, "86db1bdd-5cf7-4ea8-b88d-479195f4701a");

    // The request log holds exactly what was sent, secrets masked as CMS masks them.
    let log = cluster.requests();
    let puts: Vec<_> = log.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 3);
    assert_eq!(puts[0].path, format!("/api/v1/cospaces/{placeholder}"));
    assert_eq!(
        puts[0].body,
        "&nonMemberAccess=true&passcode=*****&name=Tim+Kratzke+Acano+TMSXE+Test+Meeting&secret=*****"
    );
    assert_eq!(puts[2].body, undress);
    assert!(log.iter().all(|r| !r.body.contains("4321")));
    assert_eq!(
        log.iter().filter(|r| r.status == 401).count(),
        1,
        "one unauthenticated request"
    );
    assert_eq!(
        log.last().map(|r| r.path.as_str()),
        Some("/api/v1/callLegs")
    );
}

#[tokio::test]
async fn any_node_serves_the_same_meeting() {
    let (cluster, client) = start(two_nodes()).await;
    let placeholder = placeholders(&client, 1, 2).await.remove(1);
    let other = Client::for_node(&cluster, 1);
    let call = other
        .create(
            "/api/v1/calls",
            &format!("coSpace={placeholder}"),
            "/api/v1/calls/",
        )
        .await;
    let calls = client
        .get(&format!("/api/v1/calls?coSpaceFilter={placeholder}"))
        .await;
    assert_eq!(ids(&calls.body, "call"), [call]);
    let nodes: Vec<usize> = cluster.requests().iter().map(|r| r.node).collect();
    assert!(nodes.contains(&0) && nodes.contains(&1));
}
