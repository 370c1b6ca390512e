//! The lifecycle steps end to end, with the requests each one costs.

use std::time::Duration;

use cms::lifecycle::{
    self, AdoptError, CallEnd, MeetingDress, PlaceholderPlan, PollPolicy, Profiles, ProvisionError,
    TMS_NAME_PREFIX,
};
use cms::model::{BulkSyncFailure, BulkSyncStatus};
use cms::ops::call_legs::RemoteParty;
use cms::ops::profiles::{CallLegProfileSettings, CallProfileSettings};
use cms::{Connector, NumericIdRange, Passcode};
use cms_sim::{BulkSyncFault, Cluster, Faults, SimConfig, SpaceSnapshot, SyncStatus};

use crate::common::{cluster, connect, endpoints, request_lines};

fn plan(base: u64, quantity: u64) -> PlaceholderPlan {
    PlaceholderPlan::new(
        NumericIdRange::new(base, quantity).unwrap(),
        TMS_NAME_PREFIX,
        "example.com",
    )
    .unwrap()
}

fn poll() -> PollPolicy {
    PollPolicy {
        interval: Duration::from_millis(20),
        max_polls: 500,
    }
}

fn users_spaces(sim: &Cluster) -> Vec<SpaceSnapshot> {
    sim.snapshot()
        .spaces
        .into_iter()
        .filter(|s| s.bulk_parameter_set.is_none())
        .collect()
}

/// Sends `step`'s requests and returns them as `METHOD path` lines.
async fn requests_of<T>(sim: &Cluster, step: impl Future<Output = T>) -> (T, Vec<String>) {
    sim.clear_requests();
    let result = step.await;
    (result, request_lines(sim))
}

async fn provisioned(
    sim: &Cluster,
    cms: &Connector,
    plan: &PlaceholderPlan,
) -> Vec<lifecycle::PlaceholderSpace> {
    let profiles = lifecycle::prepare_profiles(cms).await.unwrap();
    lifecycle::provision_placeholders(cms, plan, &profiles, &poll(), |_| {})
        .await
        .unwrap_or_else(|err| {
            panic!(
                "provisioning failed: {err}; requests: {:?}",
                request_lines(sim)
            )
        })
}

#[tokio::test]
async fn the_whole_lifecycle_with_request_counts() {
    let sim = cluster(SimConfig {
        extra_user_spaces: 200,
        dial_connect_delay: Duration::ZERO,
        ..Default::default()
    })
    .await;
    let (cms, _) = connect(&sim);
    let before = users_spaces(&sim);

    let (profiles, sent) = requests_of(&sim, lifecycle::prepare_profiles(&cms)).await;
    let profiles = profiles.unwrap();
    assert_eq!(
        sent,
        ["POST /api/v1/callProfiles", "POST /api/v1/callLegProfiles"]
    );

    let plan = plan(1, 5);
    let mut seen = Vec::new();
    let (placeholders, sent) = requests_of(
        &sim,
        lifecycle::provision_placeholders(&cms, &plan, &profiles, &poll(), |status| {
            seen.push(status.clone())
        }),
    )
    .await;
    let placeholders = placeholders.unwrap();
    assert_eq!(
        placeholders.iter().map(|p| p.index()).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(
        placeholders[0].placeholder_name(),
        "TMS_Scheduled_Meeting_1"
    );
    assert_eq!(placeholders[0].sip_uri(), "1@example.com");
    assert_eq!(seen.last(), Some(&BulkSyncStatus::Complete));
    assert_eq!(
        sent[..2],
        [
            "POST /api/v1/coSpaceBulkParameterSets",
            "POST /api/v1/coSpaceBulkSyncs"
        ]
    );
    assert_eq!(
        sent.iter()
            .filter(|line| line.starts_with("GET /api/v1/coSpaceBulkSyncs/"))
            .count(),
        seen.len()
    );
    assert_eq!(
        sent.last().map(String::as_str),
        Some("GET /api/v1/coSpaces"),
        "one filtered read-back page"
    );
    let logged_parameters = &sim.requests().first().cloned().unwrap();
    assert!(
        logged_parameters
            .body
            .contains("coSpaceNameMapping=TMS_Scheduled_Meeting_%24index%24")
    );

    let placeholder = &placeholders[0];
    let dress = MeetingDress {
        title: "Weekly sync".into(),
        passcode: Passcode::parse("4711").unwrap(),
    };
    let parties = [
        RemoteParty::parse("desk.ex90@example.com").unwrap(),
        RemoteParty::parse("room.sx80@example.com").unwrap(),
    ];
    let (started, sent) = requests_of(
        &sim,
        lifecycle::start_meeting(&cms, placeholder, &dress, &parties),
    )
    .await;
    let started = started.unwrap();
    assert_eq!(sent.len(), 2 + parties.len(), "{sent:?}");
    assert_eq!(
        sent[0],
        format!("PUT /api/v1/coSpaces/{}", placeholder.id())
    );
    assert_eq!(sent[1], "POST /api/v1/calls");
    assert_eq!(started.call.endpoint(), &endpoints(&sim)[0]);
    assert_eq!(started.dial_outs.len(), 2);
    assert_eq!(started.dial_outs[1].remote_party, parties[1]);
    assert!(started.dial_outs.iter().all(|d| d.outcome.is_ok()));
    let state = sim.snapshot();
    let space = state
        .spaces
        .iter()
        .find(|s| s.id.to_string() == placeholder.id().as_str())
        .unwrap();
    assert_eq!(space.name, "Weekly sync");
    assert!(space.non_member_access);
    assert_eq!(space.passcode.as_deref(), Some("4711"));
    assert_eq!(space.secret.as_deref(), Some(started.secret.expose()));
    assert_eq!(state.calls.len(), 1);
    assert_eq!(state.call_legs.len(), 2);

    let longer = MeetingDress {
        title: "Weekly sync (extended)".into(),
        ..dress.clone()
    };
    let (extended, sent) =
        requests_of(&sim, lifecycle::extend_meeting(&cms, placeholder, &longer)).await;
    extended.unwrap();
    assert_eq!(sent, [format!("PUT /api/v1/coSpaces/{}", placeholder.id())]);
    let space = sim
        .snapshot()
        .spaces
        .into_iter()
        .find(|s| s.id.to_string() == placeholder.id().as_str())
        .unwrap();
    assert_eq!(space.name, "Weekly sync (extended)");
    assert_eq!(
        space.secret.as_deref(),
        Some(started.secret.expose()),
        "join links survive an extension"
    );

    let observed = lifecycle::observe_meeting(&cms, placeholder, None)
        .await
        .unwrap();
    assert_eq!(observed.space.name, "Weekly sync (extended)");
    assert_eq!(observed.calls.len(), 1);
    assert_eq!(observed.calls[0].call, started.call);
    assert_eq!(observed.calls[0].legs.len(), 2);

    let (ended, sent) = requests_of(
        &sim,
        lifecycle::end_meeting(&cms, placeholder, Some(&started.call)),
    )
    .await;
    assert_eq!(ended.unwrap(), CallEnd::Deleted);
    assert_eq!(
        sent,
        [
            format!("PUT /api/v1/coSpaces/{}", placeholder.id()),
            format!("DELETE /api/v1/calls/{}", started.call.id())
        ]
    );
    let state = sim.snapshot();
    let space = state
        .spaces
        .iter()
        .find(|s| s.id.to_string() == placeholder.id().as_str())
        .unwrap();
    assert_eq!(space.name, "TMS_Scheduled_Meeting_1");
    assert!(!space.non_member_access);
    assert_eq!(space.passcode, None);
    assert!(space.secret.is_some());
    assert_ne!(
        space.secret.as_deref(),
        Some(started.secret.expose()),
        "old join links die"
    );
    assert!(state.calls.is_empty());

    let (again, sent) = requests_of(
        &sim,
        lifecycle::end_meeting(&cms, placeholder, Some(&started.call)),
    )
    .await;
    assert_eq!(again.unwrap(), CallEnd::AlreadyGone);
    assert_eq!(sent.len(), 2);

    let observed = lifecycle::observe_meeting(&cms, placeholder, None)
        .await
        .unwrap();
    assert!(observed.calls.is_empty());

    assert_eq!(
        users_spaces(&sim),
        before,
        "users' own spaces are untouched"
    );
}

#[tokio::test]
async fn a_refused_dial_out_is_reported_not_fatal() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, _) = connect(&sim);
    let one_participant = CallProfileSettings {
        participant_limit: Some(1),
        ..CallProfileSettings::tms()
    };
    let profiles = Profiles {
        call_profile: cms.create_call_profile(&one_participant).await.unwrap(),
        call_leg_profile: cms
            .create_call_leg_profile(&CallLegProfileSettings::tms())
            .await
            .unwrap(),
    };
    let plan = plan(500, 2);
    let placeholders = lifecycle::provision_placeholders(&cms, &plan, &profiles, &poll(), |_| {})
        .await
        .unwrap();
    let parties = [
        RemoteParty::parse("a@example.com").unwrap(),
        RemoteParty::parse("b@example.com").unwrap(),
    ];
    let dress = MeetingDress {
        title: "Full".into(),
        passcode: Passcode::none(),
    };
    let started = lifecycle::start_meeting(&cms, &placeholders[1], &dress, &parties)
        .await
        .unwrap();
    let refused: Vec<_> = started
        .dial_outs
        .iter()
        .filter_map(|d| d.outcome.as_ref().err())
        .collect();
    assert_eq!(
        started
            .dial_outs
            .iter()
            .filter(|d| d.outcome.is_ok())
            .count(),
        1
    );
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].failure_name(), Some("participantLimitReached"));
}

#[tokio::test]
async fn provisioning_reports_a_failed_or_stuck_sync() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, _) = connect(&sim);
    let profiles = lifecycle::prepare_profiles(&cms).await.unwrap();

    sim.set_faults(Faults {
        bulk_sync: BulkSyncFault::Fail(SyncStatus::FailedCoSpaceUriConflict),
        ..Default::default()
    });
    let err = lifecycle::provision_placeholders(&cms, &plan(1, 3), &profiles, &poll(), |_| {})
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProvisionError::SyncFailed(BulkSyncFailure::CoSpaceUriConflict)
    );
    assert!(
        err.to_string().contains("failedCoSpaceUriConflict"),
        "{err}"
    );

    sim.set_faults(Faults {
        bulk_sync: BulkSyncFault::StayPending,
        ..Default::default()
    });
    let few = PollPolicy {
        interval: Duration::from_millis(1),
        max_polls: 3,
    };
    let mut seen = 0;
    let err = lifecycle::provision_placeholders(&cms, &plan(1, 3), &profiles, &few, |_| seen += 1)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProvisionError::SyncUnfinished {
            polls: 3,
            last: BulkSyncStatus::Pending
        }
    );
    assert_eq!(seen, 3);
}

#[tokio::test]
async fn only_our_placeholders_can_be_adopted() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, _) = connect(&sim);
    let plan = plan(1, 3);
    let placeholders = provisioned(&sim, &cms, &plan).await;
    let dress = MeetingDress {
        title: "Dressed".into(),
        passcode: Passcode::none(),
    };
    lifecycle::extend_meeting(&cms, &placeholders[2], &dress)
        .await
        .unwrap();

    let adopted = lifecycle::adopt_placeholder(&cms, &plan, placeholders[2].id())
        .await
        .unwrap();
    assert_eq!(
        adopted, placeholders[2],
        "a dressed placeholder is still ours"
    );

    let cool = cms
        .co_spaces(Some("Cool Bridge Space"))
        .await
        .unwrap()
        .remove(0);
    let err = lifecycle::adopt_placeholder(&cms, &plan, &cool.id)
        .await
        .unwrap_err();
    assert_eq!(err, AdoptError::NotAPlaceholder(cool.id.clone()));

    let narrower = PlaceholderPlan::new(
        NumericIdRange::new(1, 2).unwrap(),
        TMS_NAME_PREFIX,
        "example.com",
    )
    .unwrap();
    assert!(
        lifecycle::adopt_placeholder(&cms, &narrower, placeholders[2].id())
            .await
            .is_err()
    );

    let idle = lifecycle::find_placeholders(&cms, &plan).await.unwrap();
    assert_eq!(
        idle.iter().map(|p| p.index()).collect::<Vec<_>>(),
        [1, 2],
        "the dressed one is not idle"
    );
}

#[tokio::test]
async fn meetings_run_on_the_alternate_when_the_primary_is_down() {
    let sim = cluster(SimConfig {
        nodes: 2,
        ..Default::default()
    })
    .await;
    let (cms, _) = connect(&sim);
    let placeholders = provisioned(&sim, &cms, &plan(1, 2)).await;
    sim.set_node_up(0, false);
    let dress = MeetingDress {
        title: "Failover".into(),
        passcode: Passcode::none(),
    };
    let party = [RemoteParty::parse("desk@example.com").unwrap()];
    let started = lifecycle::start_meeting(&cms, &placeholders[0], &dress, &party)
        .await
        .unwrap();
    assert_eq!(started.call.endpoint(), &endpoints(&sim)[1]);
    assert!(started.dial_outs[0].outcome.is_ok());

    // The primary is back, but the call lives on the alternate: its end goes there.
    sim.set_node_up(0, true);
    sim.clear_requests();
    let ended = lifecycle::end_meeting(&cms, &placeholders[0], Some(&started.call))
        .await
        .unwrap();
    assert_eq!(ended, CallEnd::Deleted);
    let delete = sim
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .unwrap();
    assert_eq!(delete.node, 1);
}

#[tokio::test]
async fn a_call_is_observed_on_the_bridge_it_was_started_on() {
    let sim = cluster(SimConfig {
        nodes: 2,
        ..Default::default()
    })
    .await;
    let (cms, _) = connect(&sim);
    let placeholders = provisioned(&sim, &cms, &plan(1, 2)).await;
    sim.set_node_up(0, false);
    let dress = MeetingDress {
        title: "Failover".into(),
        passcode: Passcode::none(),
    };
    let started = lifecycle::start_meeting(&cms, &placeholders[0], &dress, &[])
        .await
        .unwrap();
    let bridge = endpoints(&sim)[1].clone();
    assert_eq!(started.call.endpoint(), &bridge);

    // The primary is back: the calls are still listed by the bridge the call was started on.
    sim.set_node_up(0, true);
    sim.clear_requests();
    let observed = lifecycle::observe_meeting(&cms, &placeholders[0], Some(&bridge))
        .await
        .unwrap();
    assert_eq!(observed.calls.len(), 1);
    assert_eq!(observed.calls[0].call.endpoint(), &bridge);
    let listing = sim
        .requests()
        .into_iter()
        .find(|r| r.method == "GET" && r.path == "/api/v1/calls")
        .unwrap();
    assert_eq!(listing.node, 1, "asked the call's own bridge");

    // That bridge unreachable: no answer, rather than another bridge's empty list.
    sim.set_node_up(1, false);
    let unreachable = lifecycle::observe_meeting(&cms, &placeholders[0], Some(&bridge)).await;
    assert!(unreachable.is_err(), "{unreachable:?}");
}
