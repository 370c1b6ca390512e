//! What every implementation of the store must do; each function is one test, run on both
//! backends by `on_both_backends!`.

use domain::FieldErrors;
use domain::audit::AuditFilter;
use domain::booking::changes::{BookingChanges, Changed};
use domain::booking::rules::Span;
use domain::booking::{ConferenceType, MeetingId, MeetingState, SipUri, Title};
use domain::folders::{FolderError, FolderService};
use domain::password::PasswordHashString;
use domain::scheduler::steps::EngineSteps;
use domain::store::bookings::{MeetingFilter, NewConference, Step};
use domain::store::{
    AlternateRecord, ConnectionChange, Guarded, NewSystem, NewTraceRow, PollRecord, SettingsRecord,
    Store, StoreError, TicketFilter,
};
use domain::system::{ClusterMember, Connectivity, ExtendedSettings, IdRange, SystemId, TlsChoice};
use domain::system_access::{AccessList, Scope};
use domain::system_status::{StatusFilter, StatusSnapshot, TraceQuery};
use domain::ticket::{TicketKind, TicketState};
use domain::{Role, UserId, Username};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

fn hash() -> PasswordHashString {
    PasswordHashString("$argon2id$unused".into())
}

async fn user(store: &Arc<dyn Store>, name: &str, role: Role) -> UserId {
    store
        .insert_user(&Username::parse(name).unwrap(), role, &hash())
        .await
        .unwrap()
}

fn new_system(address: &str) -> NewSystem {
    NewSystem {
        address: address.into(),
        username: "admin".into(),
        password_sealed: "sealed".into(),
        tls: TlsChoice::Insecure,
        pinned_pem: None,
        software_version: Some("3.9".into()),
        connectivity: Connectivity::Reachable,
        cluster_enabled: true,
        call_profile_id: None,
        call_leg_profile_id: None,
        members: vec![ClusterMember {
            bridge_id: "cb-1".into(),
            name: "bridge one".into(),
            address: Some(format!("{address}:8443")),
        }],
        tickets: vec![(TicketKind::BlankSystemName, "no name".into())],
    }
}

/// A system with `placeholders` provisioned placeholder spaces (its capacity).
async fn system_with(store: &Arc<dyn Store>, address: &str, placeholders: u64) -> SystemId {
    let id = store.insert_system(&new_system(address)).await.unwrap();
    let created: Vec<(u64, String)> = (0..placeholders)
        .map(|i| (i, format!("space-{i}")))
        .collect();
    store
        .record_provisioning(
            id,
            IdRange {
                base: 1000,
                quantity: placeholders,
            },
            &created,
            &[],
        )
        .await
        .unwrap();
    id
}

fn conference(owner: UserId, title: &str, span: Span) -> NewConference {
    NewConference {
        owner,
        owner_name: "sam".into(),
        title: Title::parse(title).unwrap(),
        conference_type: ConferenceType::AutomaticConnect,
        auto_system: false,
        zone: "UTC".into(),
        passcode: None,
        notes: String::new(),
        recurrence: None,
        participants: vec![SipUri::parse("desk@example.com").unwrap()],
        occurrences: vec![span],
    }
}

fn soon(minutes: i64, length: i64) -> Span {
    let start =
        OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() + time::Duration::minutes(minutes);
    Span::new(start, start + time::Duration::minutes(length)).unwrap()
}

pub async fn users_and_the_last_admin_guard(store: Arc<dyn Store>) {
    let root = user(&store, "root", Role::Admin).await;
    let sam = user(&store, "sam", Role::Scheduler).await;
    assert!(matches!(
        store
            .insert_user(&Username::parse("root").unwrap(), Role::HelpDesk, &hash())
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let listed: Vec<String> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(listed, ["root", "sam"]);

    assert_eq!(
        store.set_role(root, Role::Scheduler).await.unwrap(),
        Guarded::WouldRemoveLastAdmin
    );
    assert_eq!(
        store.set_disabled(root, true).await.unwrap(),
        Guarded::WouldRemoveLastAdmin
    );
    assert_eq!(
        store.set_role(UserId(9999), Role::Admin).await.unwrap(),
        Guarded::NotFound
    );
    assert_eq!(
        store.set_role(sam, Role::Admin).await.unwrap(),
        Guarded::Done
    );
    assert_eq!(
        store.set_disabled(root, true).await.unwrap(),
        Guarded::Done,
        "another administrator remains"
    );
    let record = store.user_by_id(root).await.unwrap().unwrap();
    assert!(record.summary.disabled);
    assert_eq!(record.session_epoch, 1, "disabling ends the sessions");
    assert_eq!(
        store.set_role(sam, Role::HelpDesk).await.unwrap(),
        Guarded::WouldRemoveLastAdmin,
        "a disabled administrator does not count"
    );

    assert!(store.set_password(sam, &hash()).await.unwrap());
    assert!(!store.set_password(UserId(9999), &hash()).await.unwrap());
    let sam_record = store
        .user_by_name(&Username::parse("sam").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sam_record.session_epoch, 1);
    assert_eq!(sam_record.summary.role, Role::Admin);
}

pub async fn racing_demotions_leave_an_administrator(store: Arc<dyn Store>) {
    // Each round: two administrators, one demoted and the other disabled at the same moment.
    let mut survivor = user(&store, "first", Role::Admin).await;
    for round in 0..8 {
        let other = user(&store, &format!("admin{round}"), Role::Admin).await;
        let (demoted, disabled) = tokio::join!(
            {
                let store = store.clone();
                async move { store.set_role(survivor, Role::Scheduler).await.unwrap() }
            },
            {
                let store = store.clone();
                async move { store.set_disabled(other, true).await.unwrap() }
            }
        );
        let done = [demoted, disabled]
            .iter()
            .filter(|g| **g == Guarded::Done)
            .count();
        assert_eq!(done, 1, "round {round}: {demoted:?}, {disabled:?}");
        let admins: Vec<UserId> = store
            .list_users()
            .await
            .unwrap()
            .into_iter()
            .filter(|u| u.role == Role::Admin && !u.disabled)
            .map(|u| u.id)
            .collect();
        assert_eq!(admins.len(), 1, "round {round}");
        survivor = admins[0];
    }
}

pub async fn systems_are_saved_read_and_changed(store: Arc<dyn Store>) {
    let id = store
        .insert_system(&new_system("https://10.0.0.5:445"))
        .await
        .unwrap();
    assert!(matches!(
        store
            .insert_system(&new_system("https://10.0.0.5:445"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let other = store
        .insert_system(&new_system("https://10.0.0.6"))
        .await
        .unwrap();
    let record = store.system(id).await.unwrap().unwrap();
    assert_eq!(record.summary.address, "https://10.0.0.5:445");
    assert_eq!(record.summary.software_version.as_deref(), Some("3.9"));
    assert_eq!(record.summary.open_tickets, 1, "its first ticket");
    assert_eq!(record.tls, TlsChoice::Insecure);
    assert!(record.cluster_enabled);
    assert_eq!(record.members.len(), 1);
    assert!(record.extended.is_none() && record.provisioned.is_none());
    assert!(store.system(SystemId(9999)).await.unwrap().is_none());

    assert!(
        store
            .set_system_identity(other, "Alpha", "first")
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_system_identity(SystemId(9999), "x", "")
            .await
            .unwrap()
    );
    let names: Vec<String> = store
        .list_systems()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["Alpha", ""], "named systems first");

    let extended = ExtendedSettings {
        domain: "example.com".into(),
        range: IdRange {
            base: 1001,
            quantity: 3,
        },
    };
    assert!(store.set_extended_settings(id, &extended).await.unwrap());
    store.set_profiles(id, "cp", "clp").await.unwrap();
    store
        .record_provisioning(
            id,
            extended.range,
            &[(0, "s0".into()), (1, "s1".into()), (2, "s2".into())],
            &[],
        )
        .await
        .unwrap();
    store
        .record_provisioning(id, extended.range, &[(1, "s1b".into())], &[2])
        .await
        .unwrap();
    assert_eq!(
        store.placeholders(id).await.unwrap(),
        [(0, "s0".to_string()), (1, "s1b".to_string())]
    );
    let record = store.system(id).await.unwrap().unwrap();
    assert_eq!(record.extended, Some(extended.clone()));
    assert_eq!(record.provisioned, Some(extended.range));
    assert_eq!(record.call_profile_id.as_deref(), Some("cp"));
    assert_eq!(record.call_leg_profile_id.as_deref(), Some("clp"));
    let mut members = store.cluster_member_addresses().await.unwrap();
    members.sort();
    assert_eq!(
        members,
        [
            (
                "https://10.0.0.5:445:8443".to_string(),
                "https://10.0.0.5:445".to_string()
            ),
            (
                "https://10.0.0.6:8443".to_string(),
                "https://10.0.0.6".to_string()
            )
        ]
    );
}

pub async fn tickets_are_raised_once_closed_filtered_and_paged(store: Arc<dyn Store>) {
    let system = store
        .insert_system(&new_system("https://10.0.0.7"))
        .await
        .unwrap();
    let kind = TicketKind::ConnectionError;
    store.raise_ticket(system, kind, "down").await.unwrap();
    store
        .raise_ticket(system, kind, "still down")
        .await
        .unwrap();
    let only = TicketFilter {
        system: Some(system),
        kind: Some(kind),
        ..TicketFilter::default()
    };
    let live = store.tickets(&only).await.unwrap();
    assert_eq!(live.len(), 1, "one live ticket of a kind per system");
    assert_eq!(live[0].message, "down");
    assert_eq!(live[0].state, TicketState::Open);
    time::OffsetDateTime::parse(
        &live[0].raised_at,
        &time::format_description::well_known::Rfc3339,
    )
    .expect("raised_at is RFC 3339");

    assert!(
        store
            .acknowledge_ticket(live[0].number, "hana")
            .await
            .unwrap()
    );
    assert!(
        !store
            .acknowledge_ticket(live[0].number, "hana")
            .await
            .unwrap()
    );
    store.raise_ticket(system, kind, "again").await.unwrap();
    assert_eq!(
        store.tickets(&only).await.unwrap().len(),
        1,
        "acknowledged is live"
    );
    assert_eq!(store.close_tickets(system, kind).await.unwrap(), 1);
    store.raise_ticket(system, kind, "back").await.unwrap();
    assert_eq!(
        store.tickets(&only).await.unwrap().len(),
        2,
        "a new one once closed"
    );

    let first = store
        .add_custom_ticket(Some(system), "one", "hana")
        .await
        .unwrap();
    let second = store.add_custom_ticket(None, "two", "hana").await.unwrap();
    assert!(second > first);
    let custom = store.ticket(second).await.unwrap().unwrap();
    assert_eq!(custom.kind, TicketKind::Custom);
    assert_eq!(custom.raised_by.as_deref(), Some("hana"));
    assert_eq!(custom.system, None);
    assert!(store.close_ticket(first).await.unwrap());
    assert!(!store.close_ticket(first).await.unwrap());
    assert!(store.ticket(99_999).await.unwrap().is_none());

    // Newest first; states, limit and offset.
    let all = store.tickets(&TicketFilter::default()).await.unwrap();
    let numbers: Vec<i64> = all.iter().map(|t| t.number).collect();
    let mut sorted = numbers.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(numbers, sorted);
    assert_eq!(
        all.len(),
        5,
        "the blank-name ticket, two connection errors, two custom"
    );
    let open = TicketFilter {
        states: vec![TicketState::Open, TicketState::Acknowledged],
        ..TicketFilter::default()
    };
    assert_eq!(store.count_tickets(&open).await.unwrap(), 3);
    let page = TicketFilter {
        limit: Some(2),
        offset: 1,
        ..open.clone()
    };
    let paged = store.tickets(&page).await.unwrap();
    assert_eq!(paged.len(), 2);
    assert_eq!(
        store.count_tickets(&page).await.unwrap(),
        3,
        "the count ignores paging"
    );
    let open_all = store.tickets(&open).await.unwrap();
    assert_eq!(paged[0].number, open_all[1].number);
    assert_eq!(
        store
            .system(system)
            .await
            .unwrap()
            .unwrap()
            .summary
            .open_tickets,
        2,
        "open (not acknowledged, not closed) tickets of the system"
    );
}

pub async fn hidden_ticket_kinds_are_not_raised(store: Arc<dyn Store>) {
    let system = store
        .insert_system(&new_system("https://10.0.0.8"))
        .await
        .unwrap();
    store
        .set_hidden_ticket_kinds(
            system,
            &[TicketKind::BlankSystemName, TicketKind::ConnectionError],
        )
        .await
        .unwrap();
    assert_eq!(store.hidden_ticket_kinds(system).await.unwrap().len(), 2);
    let blank = TicketFilter {
        system: Some(system),
        kind: Some(TicketKind::BlankSystemName),
        states: vec![TicketState::Open],
        ..TicketFilter::default()
    };
    assert!(
        store.tickets(&blank).await.unwrap().is_empty(),
        "hiding a kind closes its live tickets"
    );
    store
        .raise_ticket(system, TicketKind::ConnectionError, "down")
        .await
        .unwrap();
    store
        .raise_ticket(system, TicketKind::AuthenticationFailure, "refused")
        .await
        .unwrap();
    let live: Vec<TicketKind> = store
        .tickets(&TicketFilter {
            system: Some(system),
            states: vec![TicketState::Open],
            ..TicketFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.kind)
        .collect();
    assert_eq!(live, [TicketKind::AuthenticationFailure]);
    store.set_hidden_ticket_kinds(system, &[]).await.unwrap();
    store
        .raise_ticket(system, TicketKind::ConnectionError, "down")
        .await
        .unwrap();
    assert_eq!(
        store
            .count_tickets(&TicketFilter {
                system: Some(system),
                states: vec![TicketState::Open],
                ..TicketFilter::default()
            })
            .await
            .unwrap(),
        2
    );
}

pub async fn access_lists_are_saved_and_read(store: Arc<dyn Store>) {
    let system = store
        .insert_system(&new_system("https://10.0.0.9"))
        .await
        .unwrap();
    let open = store
        .insert_system(&new_system("https://10.0.0.10"))
        .await
        .unwrap();
    let sam = user(&store, "sam", Role::Scheduler).await;
    let root = user(&store, "root", Role::Admin).await;
    assert_eq!(
        store.access_list(system).await.unwrap(),
        AccessList::default()
    );
    assert_eq!(store.access_changed_by(system).await.unwrap(), None);
    let list = AccessList {
        booking: Scope::Listed,
        editing: Scope::Everyone,
        bookers: [sam, root].into_iter().collect(),
        editors: [root].into_iter().collect(),
    };
    assert!(store.set_access_list(system, &list, "root").await.unwrap());
    assert!(
        store
            .set_access_list(open, &AccessList::default(), "root")
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_access_list(SystemId(9999), &list, "root")
            .await
            .unwrap()
    );
    assert_eq!(store.access_list(system).await.unwrap(), list);
    assert_eq!(
        store.access_changed_by(system).await.unwrap().as_deref(),
        Some("root")
    );
    let restricted = store.restricted_access_lists().await.unwrap();
    assert_eq!(restricted.len(), 1, "only lists that restrict something");
    assert_eq!(restricted[&system], list);
    let narrower = AccessList {
        bookers: [sam].into_iter().collect(),
        editors: Default::default(),
        ..list
    };
    store
        .set_access_list(system, &narrower, "boss")
        .await
        .unwrap();
    assert_eq!(store.access_list(system).await.unwrap(), narrower);
}

pub async fn the_audit_lists_what_users_did_newest_first(store: Arc<dyn Store>) {
    let system = system_with(&store, "https://10.0.0.11", 2).await;
    let sam = user(&store, "sam", Role::Scheduler).await;
    let mut settings = store.conference_settings().await.unwrap();
    assert_eq!(settings.default_duration_minutes, 60);
    settings.default_duration_minutes = 45;
    settings.preferred_system = Some(system);
    store
        .set_conference_settings(&settings, "root")
        .await
        .unwrap();
    assert_eq!(store.conference_settings().await.unwrap(), settings);
    // Unchanged settings write no audit line.
    store
        .set_conference_settings(&settings, "root")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let place = move |_: &_, _: &[Span]| -> Result<SystemId, FieldErrors> { Ok(system) };
    store
        .insert_conference(&conference(sam, "Weekly", soon(60, 30)), &place)
        .await
        .unwrap()
        .unwrap();
    let all = store
        .audit(&AuditFilter {
            actor: None,
            from: None,
            to: None,
            limit: 10,
            offset: 0,
        })
        .await
        .unwrap();
    let lines: Vec<(&str, &str)> = all
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(lines, [("sam", "Booked"), ("root", "Changed")]);
    assert!(all[0].meeting.is_some() && all[1].meeting.is_none());
    assert_eq!(all[1].subject, "Conference Settings");
    let root_only = store
        .audit(&AuditFilter {
            actor: Some("root".into()),
            from: None,
            to: None,
            limit: 10,
            offset: 0,
        })
        .await
        .unwrap();
    assert_eq!(root_only.len(), 1);
    let future = store
        .audit(&AuditFilter {
            actor: None,
            from: Some(OffsetDateTime::now_utc() + time::Duration::hours(1)),
            to: None,
            limit: 10,
            offset: 0,
        })
        .await
        .unwrap();
    assert!(future.is_empty());
    let paged = store
        .audit(&AuditFilter {
            actor: None,
            from: None,
            to: None,
            limit: 1,
            offset: 1,
        })
        .await
        .unwrap();
    assert_eq!(paged.len(), 1);
    assert_eq!(paged[0].actor, "root");
}

pub async fn folders_refuse_a_cycle_and_deletion_moves_their_contents(store: Arc<dyn Store>) {
    let folders = FolderService::new(store.clone());
    let top = folders.create(None, "Europe").await.unwrap();
    let child = folders.create(Some(top), "Oslo").await.unwrap();
    let grandchild = folders.create(Some(child), "Office").await.unwrap();
    assert!(matches!(
        folders.move_to(top, Some(grandchild)).await,
        Err(FolderError::Invalid(_))
    ));
    assert!(matches!(
        folders.move_to(top, Some(top)).await,
        Err(FolderError::Invalid(_))
    ));
    folders.rename(grandchild, "HQ").await.unwrap();
    let system = store
        .insert_system(&new_system("https://10.0.0.12"))
        .await
        .unwrap();
    store.place_system(system, Some(grandchild)).await.unwrap();
    store.place_system(system, Some(child)).await.unwrap();
    assert_eq!(store.folder_members().await.unwrap(), [(system, child)]);
    // Deleting Oslo moves its system and its sub-folder up to Europe.
    folders.delete(child, Some(top)).await.unwrap();
    assert_eq!(store.folder_members().await.unwrap(), [(system, top)]);
    let tree = store.folders().await.unwrap();
    assert_eq!(tree.len(), 2);
    let hq = tree.iter().find(|f| f.id == grandchild).unwrap();
    assert_eq!((hq.name.as_str(), hq.parent), ("HQ", Some(top)));
    assert!(matches!(
        folders.delete(child, None).await,
        Err(FolderError::NotFound)
    ));
    store.place_system(system, None).await.unwrap();
    assert!(store.folder_members().await.unwrap().is_empty());

    // Racing moves (A under B, B under A) cannot both pass.
    let a = folders.create(None, "A").await.unwrap();
    let b = folders.create(None, "B").await.unwrap();
    let (one, two) = tokio::join!(folders.move_to(a, Some(b)), folders.move_to(b, Some(a)));
    assert_eq!(
        [one.is_ok(), two.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{one:?} {two:?}"
    );
}

pub async fn monitoring_keeps_settings_polls_and_the_trace(store: Arc<dyn Store>) {
    let system = store
        .insert_system(&new_system("https://10.0.0.13"))
        .await
        .unwrap();
    let taken = store
        .insert_system(&new_system("https://10.0.0.14"))
        .await
        .unwrap();
    let defaults = store.settings(system).await.unwrap();
    assert!(defaults.sip_mode && defaults.alternate.is_none());
    let mut settings = SettingsRecord {
        sip_mode: false,
        alternate: Some(AlternateRecord {
            address: "https://10.0.0.99".into(),
            username: "alt".into(),
            password_sealed: "sealed-alt".into(),
        }),
        ..defaults
    };
    settings.general.time_zone = "Europe/Oslo".into();
    settings.scheduling.allow_booking = false;
    store.save_settings(system, &settings).await.unwrap();
    assert_eq!(store.settings(system).await.unwrap(), settings);
    assert_eq!(
        store.system(system).await.unwrap().unwrap().alternate,
        settings.alternate
    );

    let change = ConnectionChange {
        address: "https://10.0.0.14".into(),
        username: "other".into(),
        password_sealed: None,
        tls: TlsChoice::Verify,
        pinned_pem: None,
    };
    assert!(matches!(
        store.set_connection(system, &change).await,
        Err(StoreError::Conflict { .. })
    ));
    let moved = ConnectionChange {
        address: "https://10.0.0.15".into(),
        ..change
    };
    assert!(store.set_connection(system, &moved).await.unwrap());
    let record = store.system(system).await.unwrap().unwrap();
    assert_eq!(record.summary.address, "https://10.0.0.15");
    assert_eq!(record.password_sealed, "sealed", "kept when none is given");
    let _ = taken;

    assert!(store.status_snapshot(system).await.unwrap().is_none());
    let snapshot = StatusSnapshot {
        polled_at: "2026-12-04T10:00:00Z".into(),
        uptime_seconds: Some(3600),
        call_legs_active: Some(4),
        call_legs_max_active: Some(10),
        call_legs_completed: Some(100),
        audio_bit_rate_outgoing: Some(64_000),
        audio_bit_rate_incoming: None,
        video_bit_rate_outgoing: Some(2_000_000),
        video_bit_rate_incoming: Some(1_000_000),
        alternate_reachable: Some(true),
    };
    let poll = PollRecord {
        connectivity: Connectivity::Reachable,
        software_version: Some("3.10".into()),
        snapshot: Some(snapshot.clone()),
        alternate_reachable: Some(true),
    };
    store.record_poll(system, &poll).await.unwrap();
    assert_eq!(
        store.status_snapshot(system).await.unwrap(),
        Some(snapshot.clone())
    );
    store
        .record_poll(
            system,
            &PollRecord {
                connectivity: Connectivity::NoResponse,
                software_version: None,
                snapshot: None,
                alternate_reachable: Some(false),
            },
        )
        .await
        .unwrap();
    let after = store.status_snapshot(system).await.unwrap().unwrap();
    assert_eq!(after.uptime_seconds, Some(3600), "the last snapshot stays");
    assert_eq!(after.call_legs_active, None);
    assert_eq!(after.alternate_reachable, Some(false));
    let summary = store.system(system).await.unwrap().unwrap().summary;
    assert_eq!(summary.connectivity, Connectivity::NoResponse);
    assert_eq!(summary.software_version.as_deref(), Some("3.10"));

    store
        .replace_members(
            system,
            false,
            &[ClusterMember {
                bridge_id: "cb-9".into(),
                name: "nine".into(),
                address: None,
            }],
        )
        .await
        .unwrap();
    let record = store.system(system).await.unwrap().unwrap();
    assert!(!record.cluster_enabled);
    assert_eq!(record.members.len(), 1);
    assert_eq!(record.members[0].bridge_id, "cb-9");

    let row = |at: &str, endpoint: &str, status: Option<u16>| NewTraceRow {
        at: OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap(),
        endpoint: endpoint.into(),
        method: "GET".into(),
        path: "/api/v1/system/status".into(),
        request_body: None,
        status,
        duration_ms: 12,
        response_excerpt: "<status/>".into(),
        error: status.is_none().then(|| "timed out".to_string()),
    };
    store
        .insert_trace(&[
            row("2026-12-01T10:00:00Z", "https://a", Some(200)),
            row("2026-12-02T10:00:00Z", "https://a", Some(401)),
            row("2026-12-03T10:00:00Z", "https://a", None),
            row("2026-12-03T11:00:00Z", "https://b", Some(200)),
        ])
        .await
        .unwrap();
    let any = TraceQuery {
        method: None,
        status: StatusFilter::Any,
        page: 1,
    };
    let (rows, total) = store
        .trace_page(&["https://a".to_string()], &any, 2)
        .await
        .unwrap();
    assert_eq!(total, 3);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].at, "2026-12-03T10:00:00Z", "newest first");
    assert_eq!(rows[0].status, None);
    let errors = TraceQuery {
        status: StatusFilter::Errors,
        ..any.clone()
    };
    let (rows, total) = store
        .trace_page(&["https://a".to_string()], &errors, 10)
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (1, 1));
    assert_eq!(rows[0].status, Some(401));
    let (none, total) = store.trace_page(&[], &any, 10).await.unwrap();
    assert!(none.is_empty() && total == 0);
    assert_eq!(
        store
            .prune_trace(time::macros::datetime!(2026-12-03 00:00 UTC))
            .await
            .unwrap(),
        2
    );
    let (_, total) = store
        .trace_page(
            &["https://a".to_string(), "https://b".to_string()],
            &any,
            10,
        )
        .await
        .unwrap();
    assert_eq!(total, 2);
}

pub async fn the_lease_has_one_holder_and_fences_a_stale_epoch(store: Arc<dyn Store>) {
    let ttl = Duration::from_secs(10);
    let now = OffsetDateTime::now_utc();
    assert!(store.current_lease().await.unwrap().is_none());
    let first = store.acquire_lease("a", now, ttl).await.unwrap().unwrap();
    assert!(store.acquire_lease("b", now, ttl).await.unwrap().is_none());
    assert_eq!(store.current_lease().await.unwrap(), Some(first.clone()));
    let step = [(MeetingId(1), MeetingState::Pending, Step::default())];
    assert!(
        store
            .record_steps(Some(&first.fence()), &step)
            .await
            .is_ok()
    );
    let renewed = store
        .renew_lease(&first, now + Duration::from_secs(5), ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(renewed.expires > first.expires);
    assert_eq!(renewed.epoch, first.epoch);

    // Past its expiry, a standby takes over with a new epoch; the old holder is fenced off.
    let later = now + Duration::from_secs(16);
    assert!(
        store
            .acquire_lease("b", later - Duration::from_secs(2), ttl)
            .await
            .unwrap()
            .is_none()
    );
    let second = store.acquire_lease("b", later, ttl).await.unwrap().unwrap();
    assert!(second.epoch > first.epoch);
    assert!(
        store
            .renew_lease(&renewed, later, ttl)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store.record_steps(Some(&renewed.fence()), &step).await,
        Err(StoreError::Fenced)
    ));
    // Releasing someone else's lease does nothing; one's own hands it over at once.
    store.release_lease(&renewed).await.unwrap();
    assert_eq!(store.current_lease().await.unwrap(), Some(second.clone()));
    store.release_lease(&second).await.unwrap();
    assert!(store.current_lease().await.unwrap().is_none());
    let third = store.acquire_lease("a", later, ttl).await.unwrap().unwrap();
    assert!(third.epoch > second.epoch);

    // Racing acquisitions: one winner.
    store.release_lease(&third).await.unwrap();
    let racers: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .acquire_lease(&format!("racer {n}"), later, ttl)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut won = 0;
    for racer in racers {
        won += usize::from(racer.await.unwrap().is_some());
    }
    assert_eq!(won, 1);
}

pub async fn bookings_are_saved_listed_and_changed(store: Arc<dyn Store>) {
    let system = system_with(&store, "https://10.0.0.16", 1).await;
    let sam = user(&store, "sam", Role::Scheduler).await;
    let place = move |occupancy: &domain::booking::rules::Occupancy,
                      spans: &[Span]|
          -> Result<SystemId, FieldErrors> {
        match occupancy.first_over_capacity(system, spans) {
            Some(_) => Err(FieldErrors::single("system", "full")),
            None => Ok(system),
        }
    };
    let span = soon(60, 30);
    let mut new = conference(sam, "Board", span);
    new.participants
        .push(SipUri::parse("room@example.com").unwrap());
    new.passcode = domain::booking::Passcode::parse_optional("1234").unwrap();
    let (conference_id, meetings) = store
        .insert_conference(&new, &place)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(meetings.len(), 1);
    let refused = store
        .insert_conference(&conference(sam, "Clash", soon(70, 30)), &place)
        .await
        .unwrap();
    assert!(refused.is_err(), "one placeholder, taken at that time");
    store
        .insert_conference(&conference(sam, "Later", soon(120, 30)), &place)
        .await
        .unwrap()
        .unwrap();

    let stored = store.conference(conference_id).await.unwrap().unwrap();
    let uris: Vec<&str> = stored.participants.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        uris,
        ["desk@example.com", "room@example.com"],
        "in their order"
    );
    assert!(stored.passcode.is_some());
    let meeting = store.meeting(meetings[0]).await.unwrap().unwrap();
    assert_eq!(meeting.title, "Board");
    assert_eq!(meeting.span, span);
    assert_eq!(meeting.state, MeetingState::Pending);
    assert_eq!(meeting.system, system);
    assert_eq!(meeting.system_name, "No Name (10.0.0.16)");
    assert_eq!(meeting.participants.len(), 2);

    let all = store.meetings(&MeetingFilter::default()).await.unwrap();
    let titles: Vec<&str> = all.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(titles, ["Board", "Later"], "by start time");
    let filtered = store
        .meetings(&MeetingFilter {
            title_contains: Some("LAT".into()),
            states: vec![MeetingState::Pending],
            system: Some(system),
            owner: Some(sam),
            ..MeetingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].title, "Later");
    let limited = store
        .meeting_slots(&MeetingFilter {
            from: Some(span.end()),
            limit: Some(5),
            ..MeetingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(limited.len(), 1, "only meetings ending after `from`");
    assert_eq!(
        store.booking_owners().await.unwrap(),
        [(sam, "sam".to_string())]
    );

    // Moving onto the other meeting's time is refused (capacity); a retitle is not.
    let onto_later = soon(110, 30);
    let changed = store
        .change_meeting(
            meetings[0],
            &Title::parse("Board").unwrap(),
            onto_later,
            "sam",
            "Edited",
        )
        .await
        .unwrap();
    assert!(matches!(changed, Changed::Refused(_)), "{changed:?}");
    let changed = store
        .change_meeting(
            meetings[0],
            &Title::parse("Board 2").unwrap(),
            span,
            "sam",
            "Edited",
        )
        .await
        .unwrap();
    assert_eq!(changed, Changed::Done);
    assert_eq!(
        store.meeting(meetings[0]).await.unwrap().unwrap().title,
        "Board 2"
    );
    let history: Vec<String> = store
        .events(meetings[0])
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(history, ["Booked", "Edited"]);
    assert_eq!(
        store.cancel_meeting(meetings[0], "sam").await.unwrap(),
        Changed::Done
    );
    assert_eq!(
        store.cancel_meeting(meetings[0], "sam").await.unwrap(),
        Changed::NotAllowed(MeetingState::Cancelled)
    );
    assert_eq!(
        store
            .cancel_meeting(MeetingId(99_999), "sam")
            .await
            .unwrap(),
        Changed::NotFound
    );
    // Its time is free again.
    store
        .insert_conference(&conference(sam, "Clash", soon(70, 30)), &place)
        .await
        .unwrap()
        .unwrap();

    // The engine's work: a meeting due now.
    let now = OffsetDateTime::now_utc();
    let due = store
        .due_meetings(now + time::Duration::minutes(75), time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].title, "Clash");
    let next = store
        .next_due(time::Duration::minutes(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next, due[0].span.start() - time::Duration::minutes(10));
}

pub async fn a_placeholder_claimed_twice_refuses_only_the_second_step(store: Arc<dyn Store>) {
    let system = system_with(&store, "https://10.0.0.17", 2).await;
    let sam = user(&store, "sam", Role::Scheduler).await;
    let place = move |_: &_, _: &[Span]| -> Result<SystemId, FieldErrors> { Ok(system) };
    let mut ids = Vec::new();
    for n in 0..2 {
        let (_, meetings) = store
            .insert_conference(&conference(sam, &format!("M{n}"), soon(-1, 30)), &place)
            .await
            .unwrap()
            .unwrap();
        ids.push(meetings[0]);
    }
    let claim = || Step {
        state: Some(MeetingState::Starting),
        placeholder: Some(Some((0, "space-0".into()))),
        event: Some(domain::store::bookings::NewEvent::engine(
            "Claimed",
            "placeholder 0",
        )),
        ..Step::default()
    };
    let note = Step {
        attempts: Some(1),
        ..Step::default()
    };
    let outcomes = store
        .record_steps(
            None,
            &[
                (ids[0], MeetingState::Pending, claim()),
                (ids[1], MeetingState::Pending, claim()),
                (ids[1], MeetingState::Pending, note),
            ],
        )
        .await
        .unwrap();
    assert!(matches!(outcomes[0], Ok(true)), "{outcomes:?}");
    assert!(
        matches!(outcomes[1], Err(StoreError::Conflict { .. })),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[2], Ok(true)),
        "the batch goes on: {outcomes:?}"
    );
    let first = store.meeting(ids[0]).await.unwrap().unwrap();
    assert_eq!(first.state, MeetingState::Starting);
    assert_eq!(first.placeholder, Some((0, "space-0".to_string())));
    let second = store.meeting(ids[1]).await.unwrap().unwrap();
    assert_eq!(second.state, MeetingState::Pending);
    assert_eq!(second.placeholder, None);
    assert_eq!(second.attempts, 1);
    assert_eq!(store.busy_placeholders(system).await.unwrap(), [0]);
    assert_eq!(store.events(ids[0]).await.unwrap().len(), 2);
    assert_eq!(
        store.events(ids[1]).await.unwrap().len(),
        1,
        "no line for a refused step"
    );
    // A step expecting the wrong state records nothing.
    let stale = store
        .record_steps(
            None,
            &[(
                ids[0],
                MeetingState::Pending,
                Step {
                    state: Some(MeetingState::Failed),
                    ticket: Some("could not start".into()),
                    ..Step::default()
                },
            )],
        )
        .await
        .unwrap();
    assert!(matches!(stale[0], Ok(false)));
    // A failure raises one ticket for the meeting, linked to it.
    for _ in 0..2 {
        store
            .record_steps(
                None,
                &[(
                    ids[1],
                    MeetingState::Pending,
                    Step {
                        attempts: Some(2),
                        ticket: Some("could not start".into()),
                        ..Step::default()
                    },
                )],
            )
            .await
            .unwrap();
    }
    let failed = store
        .tickets(&TicketFilter {
            kind: Some(TicketKind::MeetingFailed),
            ..TicketFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(failed.len(), 1, "one ticket per meeting");
    assert_eq!(
        store.meeting(ids[1]).await.unwrap().unwrap().ticket,
        Some(failed[0].number)
    );
}

pub async fn racing_bookings_for_the_last_placeholder_leave_one_winner(store: Arc<dyn Store>) {
    let system = system_with(&store, "https://10.0.0.18", 1).await;
    let sam = user(&store, "sam", Role::Scheduler).await;
    for round in 0..3 {
        let span = soon(60 + 120 * round, 30);
        let racers: Vec<_> = (0..16)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    let place = move |occupancy: &domain::booking::rules::Occupancy,
                                      spans: &[Span]|
                          -> Result<SystemId, FieldErrors> {
                        match occupancy.first_over_capacity(system, spans) {
                            Some(_) => Err(FieldErrors::single("system", "full")),
                            None => Ok(system),
                        }
                    };
                    let mut booking = conference(sam, &format!("R{round}-{n}"), span);
                    booking.participants =
                        vec![SipUri::parse(&format!("desk{n}@example.com")).unwrap()];
                    store.insert_conference(&booking, &place).await.unwrap()
                })
            })
            .collect();
        let mut won = 0;
        for racer in racers {
            won += usize::from(racer.await.unwrap().is_ok());
        }
        assert_eq!(
            won, 1,
            "round {round}: exactly one booking takes the last placeholder"
        );
        let booked = store
            .meetings(&MeetingFilter {
                from: Some(span.start()),
                to: Some(span.end()),
                ..MeetingFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(booked.len(), 1, "round {round}");
    }
}

/// The engine's doorbell: a watcher answers once after rings since it began (several rings,
/// one answer), and keeps waiting while nobody rings.
pub async fn the_engines_doorbell_wakes_a_watcher(store: Arc<dyn Store>) {
    store.ring_engine().await.unwrap();
    let mut watch = store.watch_engine().await.unwrap();
    let quiet = Duration::from_millis(700);
    assert!(
        tokio::time::timeout(quiet, watch.rung()).await.is_err(),
        "a ring before the watch began is not seen"
    );
    store.ring_engine().await.unwrap();
    store.ring_engine().await.unwrap();
    tokio::time::timeout(Duration::from_secs(3), watch.rung())
        .await
        .expect("the rings are seen")
        .unwrap();
    assert!(
        tokio::time::timeout(quiet, watch.rung()).await.is_err(),
        "two rings before one look answer once"
    );
}

/// Provisioning progress: one row per system, replaced by each report, read back whole.
pub async fn provisioning_progress_is_kept_per_system(store: Arc<dyn Store>) {
    use domain::system::{ProvisionPlan, Provisioning, ProvisioningState};
    let system = system_with(&store, "10.0.0.9", 2).await;
    assert!(store.provisioning_progress(system).await.unwrap().is_none());
    let plan = ProvisionPlan {
        create: vec![IdRange {
            base: 3,
            quantity: 4,
        }],
        remove: vec![IdRange {
            base: 1,
            quantity: 1,
        }],
        keep: 1,
    };
    let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let running = Provisioning {
        state: ProvisioningState::Running,
        message: "Creating placeholder spaces 3–6: bulk sync ‘pending’".into(),
        plan: plan.clone(),
    };
    store
        .report_provisioning(system, &running, at)
        .await
        .unwrap();
    let read = store.provisioning_progress(system).await.unwrap().unwrap();
    assert_eq!((read.progress, read.updated), (running, at));
    let done = Provisioning {
        state: ProvisioningState::Complete,
        message: "Done".into(),
        plan,
    };
    let later = at + Duration::from_secs(5);
    store
        .report_provisioning(system, &done, later)
        .await
        .unwrap();
    let read = store.provisioning_progress(system).await.unwrap().unwrap();
    assert_eq!((read.progress, read.updated), (done, later));
}

/// Starting a provisioning writes only over the report it was decided on: of two processes that
/// read the same last report (none, then a finished one), exactly one starts, racing or not.
pub async fn a_provisioning_starts_once_over_the_report_it_read(store: Arc<dyn Store>) {
    use domain::system::{ProvisionPlan, Provisioning, ProvisioningState};
    let system = system_with(&store, "10.0.0.10", 2).await;
    let starting = |message: &str| Provisioning {
        state: ProvisioningState::Running,
        message: message.into(),
        plan: ProvisionPlan::default(),
    };
    let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    assert!(
        store
            .start_provisioning(system, None, &starting("first"), at)
            .await
            .unwrap()
    );
    assert!(
        !store
            .start_provisioning(system, None, &starting("second"), at)
            .await
            .unwrap(),
        "a report was written since none was read"
    );
    let done = Provisioning {
        state: ProvisioningState::Complete,
        message: "Done".into(),
        plan: ProvisionPlan::default(),
    };
    let finished = at + Duration::from_secs(5);
    store
        .report_provisioning(system, &done, finished)
        .await
        .unwrap();
    assert!(
        !store
            .start_provisioning(
                system,
                Some(at),
                &starting("stale"),
                finished + Duration::from_secs(1)
            )
            .await
            .unwrap(),
        "decided on a report that was replaced since"
    );
    let read = store.provisioning_progress(system).await.unwrap().unwrap();
    assert_eq!(read.progress, done, "nothing written over the newer report");

    let later = finished + Duration::from_secs(1);
    let racers = (0..8).map(|n| {
        let store = store.clone();
        let progress = starting(&format!("racer {n}"));
        tokio::spawn(async move {
            store
                .start_provisioning(system, Some(finished), &progress, later)
                .await
                .unwrap()
        })
    });
    let mut started = 0;
    for racer in racers.collect::<Vec<_>>() {
        started += usize::from(racer.await.unwrap());
    }
    assert_eq!(started, 1, "one of eight racing starts wins");
    let read = store.provisioning_progress(system).await.unwrap().unwrap();
    assert_eq!(read.progress.state, ProvisioningState::Running);
    assert_eq!(read.updated, later);
}
