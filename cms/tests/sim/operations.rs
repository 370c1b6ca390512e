//! Every typed operation against the simulator.

use cms::ids::{CallId, CoSpaceId};
use cms::model::{BulkSyncStatus, CallLegState, FailureDetails};
use cms::ops::ListQuery;
use cms::ops::bulk::{BulkParameterSet, BulkSyncAction, Mapping};
use cms::ops::call_legs::RemoteParty;
use cms::ops::co_spaces::CoSpaceSettings;
use cms::ops::profiles::{CallLegProfileSettings, CallProfileSettings};
use cms::{ErrorKind, NumericIdRange, Passcode, Secret};
use cms_sim::{PageCaps, SimConfig};

use crate::common::{cluster, connect, endpoints, request_lines};

#[tokio::test]
async fn status_and_call_bridges_of_a_cluster() {
    let sim = cluster(SimConfig {
        nodes: 2,
        ..Default::default()
    })
    .await;
    let (cms, _) = connect(&sim);

    let status = cms.system_status().await.unwrap();
    assert_eq!(status.software_version, "2.0(RC)");
    assert!(status.uptime_seconds.is_some());

    let bridges = cms.call_bridges().await.unwrap();
    assert_eq!(bridges.len(), 2);
    let mut addresses = Vec::new();
    for bridge in &bridges {
        let detail = cms.call_bridge(&bridge.id).await.unwrap();
        assert_eq!(detail.name, bridge.name);
        addresses.push(detail.address.unwrap());
    }
    assert_eq!(addresses, sim.base_urls());
    assert_eq!(cms.last_used_endpoint(), Some(endpoints(&sim)[0].clone()));
}

#[tokio::test]
async fn a_standalone_server_lists_no_call_bridges() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, _) = connect(&sim);
    assert_eq!(cms.call_bridges().await.unwrap(), vec![]);
}

#[tokio::test]
async fn profiles_are_created_with_tms_settings() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, _) = connect(&sim);
    let call_profile = cms
        .create_call_profile(&CallProfileSettings::tms())
        .await
        .unwrap();
    let leg_profile = cms
        .create_call_leg_profile(&CallLegProfileSettings::tms())
        .await
        .unwrap();
    let snapshot = sim.snapshot();
    assert_eq!(snapshot.call_profiles.len(), 1);
    assert_eq!(
        snapshot.call_profiles[0].id.to_string(),
        call_profile.as_str()
    );
    assert_eq!(
        snapshot.call_leg_profiles[0].id.to_string(),
        leg_profile.as_str()
    );
    let sent: Vec<String> = sim.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(sent[0], "participantLimit=1000&messageBoardEnabled=false");
    assert!(sent[1].starts_with("defaultLayout=telepresence&changeLayoutAllowed=true"));
}

#[tokio::test]
async fn co_space_create_get_update_delete() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, _) = connect(&sim);
    let created = CoSpaceSettings {
        name: Some("Ünïcode & friends".into()),
        uri: Some("team.room".into()),
        call_id: Some("424242".into()),
        passcode: Some(Passcode::parse("4711").unwrap()),
        secret: Some(Secret::new("s3cret")),
        non_member_access: Some(true),
        ..Default::default()
    };
    let id = cms.create_co_space(&created).await.unwrap();
    let space = cms.co_space(&id).await.unwrap();
    assert_eq!(space.name, "Ünïcode & friends");
    assert_eq!(space.uri.as_deref(), Some("team.room"));
    assert_eq!(space.call_id.as_deref(), Some("424242"));
    assert_eq!(space.passcode.as_ref().map(Secret::expose), Some("4711"));

    let update = CoSpaceSettings {
        name: Some("Renamed".into()),
        passcode: Some(Passcode::none()),
        ..Default::default()
    };
    cms.update_co_space(&id, &update).await.unwrap();
    let space = cms.co_space(&id).await.unwrap();
    assert_eq!(space.name, "Renamed");
    assert_eq!(space.passcode, None);
    assert_eq!(
        space.uri.as_deref(),
        Some("team.room"),
        "PUT keeps what it does not name"
    );

    let duplicate = cms.create_co_space(&created).await.unwrap_err();
    assert_eq!(
        duplicate.kind,
        ErrorKind::Failure(FailureDetails::Named("duplicateCoSpaceUri".into()))
    );
    assert_eq!(duplicate.method, cms::Method::Post);
    assert_eq!(duplicate.path, "/api/v1/coSpaces");

    cms.delete_co_space(&id).await.unwrap();
    let gone = cms.co_space(&id).await.unwrap_err();
    assert_eq!(
        gone.kind,
        ErrorKind::NotFound {
            failure: Some("coSpaceDoesNotExist".into())
        }
    );
    assert_eq!(gone.path, format!("/api/v1/coSpaces/{id}"));
}

#[tokio::test]
async fn paging_goes_past_a_server_cap_smaller_than_the_collection() {
    let caps = PageCaps {
        co_spaces: 7,
        ..Default::default()
    };
    let sim = cluster(SimConfig {
        page_caps: caps,
        extra_user_spaces: 30,
        ..Default::default()
    })
    .await;
    let (cms, _) = connect(&sim);

    let page = cms
        .co_spaces_page(&ListQuery {
            limit: Some(50),
            offset: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 34);
    assert_eq!(
        page.items.len(),
        7,
        "the server caps the page below the limit asked"
    );

    sim.clear_requests();
    let all = cms.co_spaces(None).await.unwrap();
    assert_eq!(all.len(), 34);
    let mut ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 34);
    let queries: Vec<String> = sim.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(
        queries,
        [
            "offset=0",
            "offset=7",
            "offset=14",
            "offset=21",
            "offset=28"
        ]
    );

    let cool = cms.co_spaces(Some("cool.bridge")).await.unwrap();
    assert_eq!(cool.len(), 1);
    assert_eq!(cool[0].name, "Cool Bridge Space");
}

#[tokio::test]
async fn bulk_parameter_set_and_sync() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, _) = connect(&sim);
    let set = BulkParameterSet {
        range: NumericIdRange::new(100, 3).unwrap(),
        name_mapping: Mapping::indexed("Bulk $pace ", ""),
        uri_mapping: Mapping::indexed("bulk.", ""),
        call_id_mapping: Mapping::indexed("", ""),
        call_profile: None,
        call_leg_profile: None,
        non_member_access: Some(false),
    };
    let set_id = cms.create_bulk_parameter_set(&set).await.unwrap();
    let sync_id = cms
        .create_bulk_sync(&set_id, BulkSyncAction::Apply)
        .await
        .unwrap();
    let mut sync = cms.bulk_sync(&sync_id).await.unwrap();
    assert_eq!(sync.parameter_set.as_ref(), Some(&set_id));
    while !sync.status.is_final() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        sync = cms.bulk_sync(&sync_id).await.unwrap();
    }
    assert_eq!(sync.status, BulkSyncStatus::Complete);
    let made = cms.co_spaces(Some("Bulk $pace")).await.unwrap();
    let mut names: Vec<_> = made
        .iter()
        .map(|s| (s.name.clone(), s.uri.clone().unwrap()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("Bulk $pace 100".to_owned(), "bulk.100".to_owned()),
            ("Bulk $pace 101".to_owned(), "bulk.101".to_owned()),
            ("Bulk $pace 102".to_owned(), "bulk.102".to_owned()),
        ]
    );

    let removal = cms
        .create_bulk_sync(&set_id, BulkSyncAction::RemoveAll)
        .await
        .unwrap();
    let mut sync = cms.bulk_sync(&removal).await.unwrap();
    while !sync.status.is_final() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        sync = cms.bulk_sync(&removal).await.unwrap();
    }
    assert_eq!(cms.co_spaces(Some("Bulk $pace")).await.unwrap(), vec![]);
}

#[tokio::test]
async fn calls_call_legs_and_participants() {
    let sim = cluster(SimConfig {
        dial_connect_delay: std::time::Duration::ZERO,
        ..Default::default()
    })
    .await;
    let (cms, _) = connect(&sim);
    let space = cms
        .create_co_space(&CoSpaceSettings {
            name: Some("Ops room".into()),
            uri: Some("ops".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let call = cms.create_call(&space).await.unwrap();

    let listed = cms.calls(Some(&space)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, call);
    assert_eq!(listed[0].co_space.as_ref(), Some(&space));
    assert_eq!(listed[0].name, "Ops room");
    let page = cms
        .calls_page(&ListQuery::default(), Some(&space))
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(cms.call(&call).await.unwrap().co_space, Some(space.clone()));

    let party = RemoteParty::parse("desk.ex90@example.com").unwrap();
    let leg = cms.create_call_leg(&call, &party).await.unwrap();
    let legs = cms.call_legs(None).await.unwrap();
    assert_eq!(legs.len(), 1);
    assert_eq!(
        legs[0].remote_party.as_deref(),
        Some("desk.ex90@example.com")
    );
    assert_eq!(legs[0].call.as_ref(), Some(&call));
    assert_eq!(cms.call_legs_of_call(&call).await.unwrap().len(), 1);
    assert_eq!(
        cms.call_legs_page(&ListQuery::default())
            .await
            .unwrap()
            .total,
        1
    );
    let detail = cms.call_leg(&leg).await.unwrap();
    assert!(
        matches!(
            detail.state,
            Some(CallLegState::Ringing | CallLegState::Connected)
        ),
        "{detail:?}"
    );

    let participants = cms.participants(None).await.unwrap();
    assert_eq!(participants.len(), 1, "{participants:?}");
    assert_eq!(participants[0].call.as_ref(), Some(&call));
    assert_eq!(
        cms.participants_page(&ListQuery::default())
            .await
            .unwrap()
            .total,
        1
    );

    // A list has no states; reading each leg gives them (1 + legs requests).
    let before = request_lines(&sim).len();
    let with_state = cms.call_legs_with_state(&call).await.unwrap();
    assert_eq!(with_state.len(), 1);
    assert_eq!(with_state[0].id, leg);
    assert_eq!(with_state[0].state, Some(CallLegState::Connected));
    assert_eq!(request_lines(&sim).len() - before, 2);

    cms.delete_call_leg(&leg).await.unwrap();
    assert_eq!(cms.call_legs_of_call(&call).await.unwrap(), vec![]);
    assert_eq!(cms.call_legs_with_state(&call).await.unwrap(), vec![]);
    cms.delete_call(&call).await.unwrap();
    let again = cms.delete_call(&call).await.unwrap_err();
    assert_eq!(again.failure_name(), Some("callDoesNotExist"));
    assert_eq!(cms.calls(None).await.unwrap(), vec![]);
    assert!(request_lines(&sim).contains(&format!("POST /api/v1/calls/{call}/callLegs")));
}

#[tokio::test]
async fn parameter_errors_name_the_parameter() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, _) = connect(&sim);
    // A well-formed id for us, but not a UUID for the server.
    let err = cms
        .create_call(&CoSpaceId::parse("not-a-uuid").unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Failure(FailureDetails::ParameterError {
            parameter: "coSpace".into(),
            error: "invalidValue".into()
        })
    );
    let missing = cms
        .call(&CallId::parse("ce5ee392-7be6-4227-a7ee-b4f16a5fdd16").unwrap())
        .await
        .unwrap_err();
    assert!(missing.is_not_found());
}
