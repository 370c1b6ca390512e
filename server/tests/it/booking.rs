//! Booking over HTTP: the real server in-process with a fresh SQLite file (and, for the stories
//! that matter most, a fresh PostgreSQL database), a simulated CMS with placeholder spaces, and the
//! users of each role calling the booking server functions.

use crate::support::{Backend, ONE_PER_ROLE, Portal, form, tomorrow};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// A fresh portal with one user per role and one system with `placeholders` spaces.
async fn portal(placeholders: u64) -> Portal {
    portal_on(Backend::Sqlite, placeholders).await
}

async fn portal_on(backend: Backend, placeholders: u64) -> Portal {
    Portal::build()
        .backend(backend)
        .users(ONE_PER_ROLE)
        .system(placeholders)
        .named("CMS Core")
        .start()
        .await
}

#[tokio::test]
async fn schedulers_book_within_capacity_and_the_help_desk_only_reads() {
    book_within_capacity(Backend::Sqlite).await;
}

#[tokio::test]
async fn schedulers_book_within_capacity_and_the_help_desk_only_reads_on_postgres() {
    book_within_capacity(Backend::Postgres).await;
}

async fn book_within_capacity(backend: Backend) {
    let portal = portal_on(backend, 2).await;
    let sam = portal.login("sam").await;
    let hana = portal.login("hana").await;
    let date = tomorrow();
    let system = portal.system().to_string();

    // Field errors, nothing saved.
    let bad = form("", &date, "25:00", "0", &system, "desk@example.com");
    let (status, body) = portal.json(&sam, "/api/bookings/create", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body.to_string();
    for field in ["title", "start_time"] {
        assert!(text.contains(field), "{field}: {text}");
    }

    let (status, confirmation) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &system, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmation}");
    assert_eq!(confirmation["dial_in"]["passcode"], "4711");
    assert_eq!(
        confirmation["dial_in"]["call_id"],
        Value::Null,
        "the slot is chosen at start"
    );
    assert_eq!(confirmation["dial_in"]["range"], "1001–1002@example.com");
    let (status, _) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Second", &date, "10:30", "60", "auto", "room@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // A participant already in an overlapping meeting is a conflict.
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Clash", &date, "10:45", "10", "auto", "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("already in another meeting"),
        "{body}"
    );
    // Both placeholders are taken at 10:30: a third is refused, naming the system field.
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Third", &date, "10:15", "30", &system, "third@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("system"), "{body}");
    // Back to back is not overlapping: the same participant right after is fine.
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Later", &date, "11:30", "30", &system, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The help desk reads the calendar but cannot book.
    let (status, _) = portal
        .json(
            &hana,
            "/api/bookings/create",
            &form("Sneaky", &date, "14:00", "30", &system, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, week) = portal
        .json(
            &hana,
            "/api/bookings/week",
            &[("week", &date), ("tz", "UTC"), ("system", ""), ("mine", "")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(week["can_book"], false);
    let titles: Vec<&str> = week["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Board", "Second", "Later"]);

    // The help desk cannot cancel; the owner can.
    let id = confirmation["meeting"].to_string();
    let (status, _) = portal
        .json(&hana, "/api/bookings/cancel", &[("id", &id)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = portal
        .json(&sam, "/api/bookings/cancel", &[("id", &id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = portal
        .json(
            &sam,
            "/api/bookings/conference",
            &[("id", &id), ("tz", "UTC")],
        )
        .await;
    assert_eq!(page["meeting"]["state"], "Cancelled");
    let actions: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["Booked", "Cancelled"]);
    // Anonymous callers get nothing.
    let response = portal
        .call(
            None,
            "/api/bookings/week",
            &[("week", ""), ("tz", ""), ("system", ""), ("mine", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_meeting_booked_now_runs_and_the_help_desk_can_end_it() {
    booked_now_runs(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_meeting_booked_now_runs_and_the_help_desk_can_end_it_on_postgres() {
    booked_now_runs(Backend::Postgres).await;
}

async fn booked_now_runs(backend: Backend) {
    let portal = portal_on(backend, 2).await;
    let sam = portal.login("sam").await;
    let hana = portal.login("hana").await;
    let now = time::OffsetDateTime::now_utc();
    let date = domain::booking::recurrence::iso_date(now.date());
    let start = format!("{:02}:{:02}", now.hour(), now.minute());
    let (status, confirmation) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form(
                "Now",
                &date,
                &start,
                "10",
                &portal.system().to_string(),
                "desk@example.com",
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmation}");
    let id = confirmation["meeting"].to_string();
    let mut page = Value::Null;
    for _ in 0..600 {
        page = portal
            .json(
                &hana,
                "/api/bookings/conference",
                &[("id", &id), ("tz", "UTC")],
            )
            .await
            .1;
        if page["meeting"]["state"] == "Ongoing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(page["meeting"]["state"], "Ongoing", "{page}");
    assert_eq!(
        page["dial_in"]["passcode"], "*****",
        "a saved passcode never goes back to the browser"
    );
    assert!(!page.to_string().contains("4711"), "{page}");
    // The participant's call leg, live from the call bridge: ringing, then connected.
    let mut live = Value::Null;
    for _ in 0..200 {
        live = portal
            .json(&hana, "/api/bookings/participants", &[("id", &id)])
            .await
            .1;
        if live["Call"][0]["state"] == "Connected" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(live["Call"][0]["address"], "desk@example.com", "{live}");
    assert_eq!(live["Call"][0]["state"], "Connected", "{live}");
    assert_eq!(live["Call"][0]["dialled_in"], false, "{live}");
    assert_eq!(page["dial_in"]["call_id"], "1001");
    assert_eq!(page["dial_in"]["uri"], "1001@example.com");
    assert_eq!(
        portal.sim().snapshot().call_legs[0].remote_party,
        "desk@example.com"
    );
    assert_eq!(
        page["may_extend"], true,
        "the help desk may extend or end a live meeting"
    );

    let (status, _) = portal
        .json(
            &hana,
            "/api/bookings/extend",
            &[("id", &id), ("minutes", "15")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = portal
        .json(&hana, "/api/bookings/end", &[("id", &id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..600 {
        page = portal
            .json(
                &sam,
                "/api/bookings/conference",
                &[("id", &id), ("tz", "UTC")],
            )
            .await
            .1;
        if page["meeting"]["state"] == "Finished" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(page["meeting"]["state"], "Finished", "{page}");
    assert!(portal.sim().snapshot().calls.is_empty());
    let (status, live) = portal
        .json(&hana, "/api/bookings/participants", &[("id", &id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(live, "NoCall", "a finished meeting has no call to read");
    let who: Vec<String> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            e["actor"]
                .as_str()
                .map(|a| format!("{a}: {}", e["action"].as_str().unwrap()))
        })
        .collect();
    assert_eq!(
        who,
        ["sam: Booked", "hana: Extended by 15 min", "hana: Ended now"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_bookings_for_the_last_placeholder_leave_one_winner() {
    racing_bookings(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_bookings_for_the_last_placeholder_leave_one_winner_on_postgres() {
    racing_bookings(Backend::Postgres).await;
}

/// Twelve bookings of the same hour on a system with one placeholder, sent at once over HTTP
/// (each with its own participant): exactly one is saved, the others are refused by field.
async fn racing_bookings(backend: Backend) {
    let portal = std::sync::Arc::new(portal_on(backend, 1).await);
    let sam = portal.login("sam").await;
    let date = tomorrow();
    let system = portal.system().to_string();
    let mut racers = tokio::task::JoinSet::new();
    for n in 0..12 {
        let (portal, sam, date, system) =
            (portal.clone(), sam.clone(), date.clone(), system.clone());
        racers.spawn(async move {
            let participant = format!("desk{n}@example.com");
            let title = format!("Race {n}");
            let booking = form(&title, &date, "09:00", "60", &system, &participant);
            portal.json(&sam, "/api/bookings/create", &booking).await
        });
    }
    let answers = racers.join_all().await;
    let saved = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(saved, 1, "one winner: {answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("system"), "{body}");
    }
    let (_, week) = portal
        .json(
            &sam,
            "/api/bookings/week",
            &[("week", &date), ("tz", "UTC"), ("system", ""), ("mine", "")],
        )
        .await;
    assert_eq!(week["meetings"].as_array().unwrap().len(), 1, "{week}");
}

#[tokio::test]
async fn administrators_set_the_conference_defaults() {
    let portal = portal(1).await;
    let root = portal.login("root").await;
    let sam = portal.login("sam").await;
    let settings = [
        ("default_title", "Weekly"),
        ("default_duration_minutes", "45"),
        ("start_early_minutes", "2"),
        ("extend_step_minutes", "10"),
        ("preferred_system", ""),
    ];
    let (status, _) = portal
        .json(&sam, "/api/bookings/settings/save", &settings)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut bad = settings;
    bad[1] = ("default_duration_minutes", "0");
    let (status, body) = portal
        .json(&root, "/api/bookings/settings/save", &bad)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("default_duration_minutes"),
        "{body}"
    );
    let (status, _) = portal
        .json(&root, "/api/bookings/settings/save", &settings)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, defaults) = portal
        .json(
            &sam,
            "/api/bookings/defaults",
            &[("date", "2030-01-02"), ("tz", "UTC")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{defaults}");
    assert_eq!(defaults["title"], "Weekly 2030-01-02");
    assert_eq!(defaults["duration_minutes"], 45);
}

/// The conference page of meeting `id` as `cookie` sees it.
async fn conference(portal: &Portal, cookie: &str, id: &str) -> Value {
    let (status, page) = portal
        .json(
            cookie,
            "/api/bookings/conference",
            &[("id", id), ("tz", "UTC")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

/// `local_start`–`local_end` and title of each occurrence of the series.
fn occurrences(page: &Value) -> Vec<String> {
    page["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{} {}–{} {}",
                m["title"].as_str().unwrap(),
                m["local_start"].as_str().unwrap(),
                &m["local_end"].as_str().unwrap()[11..],
                m["state"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn a_series_is_edited_and_cancelled_as_a_whole() {
    let portal = portal(2).await;
    let sam = portal.login("sam").await;
    let root = portal.login("root").await;
    let hana = portal.login("hana").await;
    let system = portal.system().to_string();
    let day = |n: i64| {
        domain::booking::recurrence::iso_date(
            time::OffsetDateTime::now_utc().date() + time::Duration::days(n),
        )
    };
    let first = day(1);
    let mut series = form(
        "Stand-up",
        &first,
        "09:00",
        "15",
        &system,
        "desk@example.com",
    );
    series.retain(|(k, _)| !["repeat", "count"].contains(k));
    series.extend([("repeat", "daily"), ("count", "3")]);
    let (status, booked) = portal.json(&sam, "/api/bookings/create", &series).await;
    assert_eq!(status, StatusCode::OK, "{booked}");
    let id = booked["meeting"].to_string();
    // Someone else's meeting on the second day, with its own participant, at 11:00–12:00.
    let second = day(2);
    let (status, _) = portal
        .json(
            &root,
            "/api/bookings/create",
            &form("Audit", &second, "11:00", "60", &system, "x@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = occurrences(&conference(&portal, &sam, &id).await);
    assert_eq!(
        before,
        [
            format!("Stand-up {}T09:00–09:15 Pending", day(1)),
            format!("Stand-up {}T09:00–09:15 Pending", day(2)),
            format!("Stand-up {}T09:00–09:15 Pending", day(3)),
        ]
    );
    let edit = |title: &'static str, start: &'static str, end: &'static str, who: &'static str| {
        vec![
            ("id", id.clone()),
            ("title", title.to_string()),
            ("start_time", start.to_string()),
            ("end_time", end.to_string()),
            ("participants", who.to_string()),
            ("passcode", String::new()),
            ("notes", "moved".to_string()),
            ("conference_type", String::new()),
            ("system", String::new()),
        ]
    };
    let call = |cookie: String, form: Vec<(&'static str, String)>| {
        let portal = &portal;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            portal
                .json(&cookie, "/api/bookings/edit-series", &form)
                .await
        }
    };

    // Refusals name the field and change nothing.
    let (status, body) = call(sam.clone(), edit("", "25:00", "", "not a uri")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for field in ["title", "start_time", "participants"] {
        assert!(body.to_string().contains(field), "{field}: {body}");
    }
    let (status, body) = call(
        sam.clone(),
        edit("Stand-up", "11:15", "11:30", "x@example.com"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("x@example.com"), "{body}");
    assert_eq!(occurrences(&conference(&portal, &sam, &id).await), before);
    // The help desk reads but does not edit; a scheduler edits only their own.
    let (status, _) = call(hana.clone(), edit("Mine", "", "", "desk@example.com")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // New times move every occurrence on its own date; shared fields change once.
    let mut moved = edit(
        "Daily sync",
        "11:15",
        "11:45",
        "desk@example.com\nroom@example.com",
    );
    moved[5].1 = "2468".into();
    let (status, body) = call(sam.clone(), moved).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, 3, "three occurrences changed");
    let page = conference(&portal, &sam, &id).await;
    assert_eq!(
        occurrences(&page),
        [
            format!("Daily sync {}T11:15–11:45 Pending", day(1)),
            format!("Daily sync {}T11:15–11:45 Pending", day(2)),
            format!("Daily sync {}T11:15–11:45 Pending", day(3)),
        ]
    );
    assert_eq!(
        page["participants"],
        serde_json::json!(["desk@example.com", "room@example.com"])
    );
    assert_eq!(page["notes"], "moved");
    assert_eq!(page["dial_in"]["passcode"], "*****");
    let history: Vec<String> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["actor"].as_str().unwrap_or("engine"),
                e["action"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(history, ["sam: Booked", "sam: Series edited"]);

    // Empty times keep them; the passcode can be removed.
    let mut retitled = edit("Daily", "", "", "desk@example.com");
    retitled.push(("remove_passcode", "1".into()));
    let (status, body) = call(sam.clone(), retitled).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = conference(&portal, &sam, &id).await;
    assert_eq!(
        occurrences(&page)[1],
        format!("Daily {}T11:15–11:45 Pending", day(2))
    );
    assert_eq!(page["dial_in"]["passcode"], Value::Null);

    // Cancelling the series cancels every occurrence not started, after the help desk is refused.
    let (status, _) = portal
        .json(&hana, "/api/bookings/cancel-series", &[("id", &id)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = portal
        .json(&sam, "/api/bookings/cancel-series", &[("id", &id)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, 3);
    let page = conference(&portal, &sam, &id).await;
    assert!(
        occurrences(&page).iter().all(|o| o.ends_with("Cancelled")),
        "{page}"
    );
}

/// Polls the conference page of `id` until its state is `state` (about 30 s at most).
async fn wait_for_state(portal: &Portal, cookie: &str, id: &str, state: &str) -> Value {
    let mut page = Value::Null;
    for _ in 0..600 {
        page = conference(portal, cookie, id).await;
        if page["meeting"]["state"] == state {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("meeting {id} never became {state}: {page}");
}

/// Books `title` to start now for 10 minutes on the portal's system; the meeting's id.
async fn book_now(portal: &Portal, cookie: &str, title: &str, participant: &str) -> String {
    let now = time::OffsetDateTime::now_utc();
    let date = domain::booking::recurrence::iso_date(now.date());
    let start = format!("{:02}:{:02}", now.hour(), now.minute());
    let system = portal.system().to_string();
    let (status, booked) = portal
        .json(
            cookie,
            "/api/bookings/create",
            &form(title, &date, &start, "10", &system, participant),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{booked}");
    booked["meeting"].to_string()
}

#[tokio::test]
async fn an_extended_settings_change_never_breaks_a_running_meeting() {
    let portal = portal(2).await;
    let sam = portal.login("sam").await;
    let root = portal.login("root").await;
    let id = book_now(&portal, &sam, "Running", "desk@example.com").await;
    let page = wait_for_state(&portal, &sam, &id, "Ongoing").await;
    assert_eq!(page["dial_in"]["call_id"], "1001");

    // The administrator moves the range to 2001–2002 while the meeting runs on 1001.
    let system = portal.system().to_string();
    let (status, body) = portal
        .json(
            &root,
            "/api/systems/extended",
            &[
                ("id", system.as_str()),
                ("domain", "example.com"),
                ("base", "2001"),
                ("quantity", "2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut progress = Value::Null;
    for _ in 0..400 {
        progress = portal
            .json(
                &root,
                "/api/systems/provisioning",
                &[("id", system.as_str())],
            )
            .await
            .1;
        if progress["state"] == "Complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(progress["state"], "Complete", "{progress}");
    let running = |snapshot: &cms_sim::StateSnapshot| {
        snapshot
            .spaces
            .iter()
            .find(|s| s.call_id.as_deref() == Some("1001"))
            .cloned()
    };
    let snapshot = portal.sim().snapshot();
    let space = running(&snapshot).expect("the running meeting's space is kept");
    assert_eq!(space.name, "Running", "still dressed for the meeting");
    assert!(space.non_member_access);
    assert_eq!(snapshot.calls.len(), 1, "its call still runs");
    assert!(
        snapshot
            .spaces
            .iter()
            .any(|s| s.call_id.as_deref() == Some("2001")),
        "the new range is provisioned"
    );
    assert_eq!(
        conference(&portal, &sam, &id).await["meeting"]["state"],
        "Ongoing"
    );

    // It can still be extended and ended, and is put back cleanly.
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/extend",
            &[("id", &id), ("minutes", "15")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = portal.json(&sam, "/api/bookings/end", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = wait_for_state(&portal, &sam, &id, "Finished").await;
    let steps = page["events"].to_string();
    assert!(!steps.contains("failed"), "{steps}");
    let snapshot = portal.sim().snapshot();
    assert!(snapshot.calls.is_empty(), "no call left running");
    assert_eq!(
        running(&snapshot),
        None,
        "the space the range left is deleted once free"
    );
    assert!(
        steps.contains("space 1001 deleted: out of the range"),
        "{steps}"
    );
    let mut ids: Vec<&str> = snapshot
        .spaces
        .iter()
        .filter_map(|s| s.call_id.as_deref())
        .filter(|id| id.starts_with("100") || id.starts_with("200"))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["2001", "2002"],
        "only the new range's placeholders are left"
    );

    // A meeting booked now runs in the new range.
    let next = book_now(&portal, &sam, "After", "room@example.com").await;
    let page = wait_for_state(&portal, &sam, &next, "Ongoing").await;
    assert_eq!(page["dial_in"]["call_id"], "2001", "{page}");
}

/// The System Settings form of the portal's system, Allow Booking on or off.
async fn allow_booking(portal: &Portal, root: &str, allow: bool) {
    let id = portal.system().to_string();
    let mut settings = vec![
        ("id", id.as_str()),
        ("name", "CMS Core"),
        ("description", ""),
        ("ip_zone", ""),
        ("time_zone", ""),
        ("web_bridge_uri", ""),
        ("system_contact", ""),
        ("alternate_address", ""),
        ("alternate_username", ""),
        ("alternate_password", ""),
    ];
    if allow {
        settings.push(("allow_booking", "on"));
    }
    portal
        .json_ok(root, "/api/systems/settings/save", &settings)
        .await;
}

#[tokio::test]
async fn edits_and_extensions_keep_the_booking_rules() {
    let portal = portal(3).await;
    let sam = portal.login("sam").await;
    let root = portal.login("root").await;
    let date = tomorrow();
    let system = portal.system().to_string();
    let book = |title: &'static str, start: &'static str, minutes: &'static str| {
        let (portal, sam, date, system) = (&portal, &sam, &date, &system);
        async move {
            let booked = portal
                .json_ok(
                    sam,
                    "/api/bookings/create",
                    &form(title, date, start, minutes, system, "desk@example.com"),
                )
                .await;
            booked["meeting"].to_string()
        }
    };
    // Back to back, the same participant: allowed.
    let first = book("First", "10:00", "60").await;
    let second = book("Second", "11:00", "30").await;
    let edit = |id: &str, title: &str, start: &str, end: &str| {
        [
            ("id", id.to_string()),
            ("title", title.to_string()),
            ("date", date.clone()),
            ("start_time", start.to_string()),
            ("end_time", end.to_string()),
        ]
    };
    let call = async |path: &str, form: &[(&str, String)]| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        portal.json(&sam, path, &form).await
    };
    let refused = |status: StatusCode, body: &Value, field: &str, words: &str| {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields = body["Invalid"].as_array().expect("field errors");
        assert!(
            fields
                .iter()
                .any(|e| e["field"] == field && e["message"].as_str().unwrap().contains(words)),
            "{field}: {words}: {body}"
        );
    };

    // The participant would be in both meetings: refused by an extension and by an edit alike.
    let extend = [("id", first.clone()), ("minutes", "15".to_string())];
    let (status, body) = call("/api/bookings/extend", &extend).await;
    refused(status, &body, "participants", "desk@example.com");
    let (status, body) = call(
        "/api/bookings/edit",
        &edit(&second, "Second", "10:30", "11:30"),
    )
    .await;
    refused(status, &body, "participants", "already in another meeting");
    // A new title at the same time is no new time: fine.
    let (status, body) = call(
        "/api/bookings/edit",
        &edit(&second, "Second (renamed)", "11:00", "11:30"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A meeting running now, then the system closed to booking.
    let running = book_now(&portal, &sam, "Running", "room@example.com").await;
    wait_for_state(&portal, &sam, &running, "Ongoing").await;
    allow_booking(&portal, &root, false).await;
    // Booking more time ahead is a booking: refused, naming the system.
    let (status, body) = call(
        "/api/bookings/extend",
        &[("id", second.clone()), ("minutes", "15".to_string())],
    )
    .await;
    refused(status, &body, "system", "does not allow booking");
    let (status, body) = call(
        "/api/bookings/edit",
        &edit(&second, "Second", "12:00", "12:30"),
    )
    .await;
    refused(status, &body, "system", "does not allow booking");
    let series = [
        ("id", second.clone()),
        ("title", "Second".to_string()),
        ("start_time", "12:00".to_string()),
        ("end_time", "12:30".to_string()),
        ("participants", "desk@example.com".to_string()),
        ("passcode", String::new()),
        ("notes", String::new()),
        ("conference_type", String::new()),
        ("system", String::new()),
    ];
    let (status, body) = call("/api/bookings/edit-series", &series).await;
    refused(status, &body, "system", "does not allow booking");
    // A new title alone books nothing; a running meeting is extended for its callers.
    let (status, body) = call(
        "/api/bookings/edit",
        &edit(&second, "Second (again)", "11:00", "11:30"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        "/api/bookings/extend",
        &[("id", running.clone()), ("minutes", "15".to_string())],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = conference(&portal, &sam, &second).await;
    assert_eq!(page["meeting"]["title"], "Second (again)");
    assert_eq!(page["meeting"]["local_start"], format!("{date}T11:00"));

    // Open again: the move is booked.
    allow_booking(&portal, &root, true).await;
    let (status, body) = call(
        "/api/bookings/edit",
        &edit(&second, "Second", "12:00", "12:30"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = portal
        .json(&sam, "/api/bookings/end", &[("id", &running)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn refusals_name_the_fields_the_conference_page_shows() {
    let portal = portal(1).await;
    let sam = portal.login("sam").await;
    let date = tomorrow();
    let system = portal.system().to_string();
    let book = async |title: &str, start: &str, who: &str| {
        portal
            .json_ok(
                &sam,
                "/api/bookings/create",
                &form(title, &date, start, "60", &system, who),
            )
            .await["meeting"]
            .to_string()
    };
    let first = book("First", "10:00", "desk@example.com").await;
    let second = book("Second", "12:00", "room@example.com").await;
    // Each refusal names a field: `field` with words in its message.
    let refused = async |path: &str, form: &[(&str, &str)], field: &str, words: &str| {
        let (status, body) = portal.json(&sam, path, form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        let errors = body["Invalid"].as_array().expect("field errors");
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["message"].as_str().unwrap().contains(words)),
            "{path}: {field}: {words}: {body}"
        );
    };
    let edit = |start: &'static str, end: &'static str| {
        [
            ("id", second.as_str()),
            ("title", "Second"),
            ("date", date.as_str()),
            ("start_time", start),
            ("end_time", end),
        ]
    };
    // The occurrence form's inputs are `date`, `start_time` and `end_time`.
    let yesterday = domain::booking::recurrence::iso_date(
        time::OffsetDateTime::now_utc().date() - time::Duration::days(1),
    );
    let mut past = edit("10:00", "11:00");
    past[2].1 = yesterday.as_str();
    refused("/api/bookings/edit", &past, "start_time", "in the past").await;
    refused(
        "/api/bookings/edit",
        &edit("12:00", ""),
        "end_time",
        "required",
    )
    .await;
    refused(
        "/api/bookings/edit",
        &edit("12:00", "11:00"),
        "end_time",
        "after the start",
    )
    .await;
    refused(
        "/api/bookings/edit",
        &edit("10:30", "11:30"),
        "end_time",
        "no free placeholder",
    )
    .await;
    // Extend's: `minutes` beside its input, `end_time` and `state` for the page's message.
    refused(
        "/api/bookings/extend",
        &[("id", &first), ("minutes", "0")],
        "minutes",
        "1 to 1440",
    )
    .await;
    refused(
        "/api/bookings/extend",
        &[("id", &first), ("minutes", "90")],
        "end_time",
        "no free placeholder",
    )
    .await;
    refused(
        "/api/bookings/end",
        &[("id", &first)],
        "state",
        "not running",
    )
    .await;
    portal
        .json_ok(&sam, "/api/bookings/cancel", &[("id", &first)])
        .await;
    refused(
        "/api/bookings/cancel",
        &[("id", &first)],
        "state",
        "Cancelled",
    )
    .await;
}

#[tokio::test]
async fn the_extend_buttons_follow_the_conference_settings_step() {
    let portal = portal(1).await;
    let sam = portal.login("sam").await;
    let root = portal.login("root").await;
    let system = portal.system().to_string();
    let id = portal
        .json_ok(
            &sam,
            "/api/bookings/create",
            &form("Steps", &tomorrow(), "10:00", "60", &system, ""),
        )
        .await["meeting"]
        .to_string();
    let buttons = async || {
        let html = portal
            .page(&sam, &format!("/booking/meetings/{id}?tz=UTC"))
            .await;
        html.match_indices("Extend +")
            .map(|(at, _)| html[at..].split('<').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    // The default step: 15 minutes.
    assert_eq!(
        conference(&portal, &sam, &id).await["extend_step_minutes"],
        15
    );
    assert_eq!(buttons().await, ["Extend +15", "Extend +30"]);
    portal
        .json_ok(
            &root,
            "/api/bookings/settings/save",
            &[
                ("default_title", "Scheduled Meeting"),
                ("default_duration_minutes", "60"),
                ("start_early_minutes", "0"),
                ("extend_step_minutes", "10"),
                ("preferred_system", ""),
            ],
        )
        .await;
    assert_eq!(buttons().await, ["Extend +10", "Extend +20"]);
    // The buttons send their minutes.
    portal
        .json_ok(
            &sam,
            "/api/bookings/extend",
            &[("id", &id), ("minutes", "20")],
        )
        .await;
    let page = conference(&portal, &sam, &id).await;
    assert_eq!(
        page["meeting"]["local_end"],
        format!("{}T11:20", tomorrow())
    );
}

#[tokio::test]
async fn the_conference_list_filters_by_state_dates_system_owner_and_title() {
    let portal = portal(1).await;
    let sam = portal.login("sam").await;
    let root = portal.login("root").await;
    let system = portal.system().to_string();
    let day = |n: i64| {
        domain::booking::recurrence::iso_date(
            time::OffsetDateTime::now_utc().date() + time::Duration::days(n),
        )
    };
    let (first, second) = (day(1), day(2));
    let book = async |cookie: &str, title: &str, date: &str, start: &str| {
        portal
            .json_ok(
                cookie,
                "/api/bookings/create",
                &form(title, date, start, "60", &system, ""),
            )
            .await["meeting"]
            .to_string()
    };
    book(&sam, "Alpha review", &first, "09:00").await;
    let beta = book(&sam, "Beta sync", &second, "09:00").await;
    book(&root, "Gamma Review", &first, "11:00").await;
    portal
        .json_ok(&sam, "/api/bookings/cancel", &[("id", &beta)])
        .await;
    let list = async |cookie: &str, filters: &[(&str, &str)]| {
        let mut form = vec![
            ("state", ""),
            ("from", ""),
            ("to", ""),
            ("system", ""),
            ("mine", ""),
            ("q", ""),
            ("tz", "UTC"),
            ("owner", ""),
        ];
        for (key, value) in filters {
            form.iter_mut().find(|(k, _)| k == key).unwrap().1 = value;
        }
        portal.json_ok(cookie, "/api/bookings/list", &form).await
    };
    let titles = |list: &Value| -> Vec<String> {
        list["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["title"].as_str().unwrap().to_string())
            .collect()
    };

    let all = list(&sam, &[]).await;
    assert_eq!(titles(&all), ["Alpha review", "Gamma Review", "Beta sync"]);
    assert_eq!(all["truncated"], false);
    assert_eq!(all["systems"][0][0].to_string(), system);
    // The owner filter offers those who own bookings.
    let owners: Vec<(i64, String)> = serde_json::from_value(all["owners"].clone()).unwrap();
    let names: Vec<&str> = owners.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["root", "sam"]);
    let root_id = owners[0].0.to_string();

    for (filters, expected) in [
        (vec![("state", "cancelled")], vec!["Beta sync"]),
        (
            vec![("state", "pending")],
            vec!["Alpha review", "Gamma Review"],
        ),
        (
            vec![("from", first.as_str()), ("to", first.as_str())],
            vec!["Alpha review", "Gamma Review"],
        ),
        (vec![("from", second.as_str())], vec!["Beta sync"]),
        (
            vec![("to", first.as_str())],
            vec!["Alpha review", "Gamma Review"],
        ),
        (
            vec![("system", system.as_str())],
            vec!["Alpha review", "Gamma Review", "Beta sync"],
        ),
        (vec![("system", "999")], vec![]),
        (vec![("owner", root_id.as_str())], vec!["Gamma Review"]),
        (vec![("mine", "1")], vec!["Alpha review", "Beta sync"]),
        // "Only mine" wins over an owner chosen.
        (
            vec![("mine", "1"), ("owner", root_id.as_str())],
            vec!["Alpha review", "Beta sync"],
        ),
        (vec![("q", "review")], vec!["Alpha review", "Gamma Review"]),
        (vec![("q", " SYNC ")], vec!["Beta sync"]),
        (
            vec![("q", "review"), ("owner", root_id.as_str())],
            vec!["Gamma Review"],
        ),
    ] {
        assert_eq!(titles(&list(&sam, &filters).await), expected, "{filters:?}");
    }
    // The calendar's owner filter too.
    let week = portal
        .json_ok(
            &sam,
            "/api/bookings/week",
            &[
                ("week", &first),
                ("tz", "UTC"),
                ("system", ""),
                ("mine", ""),
                ("owner", &root_id),
            ],
        )
        .await;
    assert_eq!(titles(&week), ["Gamma Review"]);
    assert_eq!(week["owner"].to_string(), root_id);
    let html = portal
        .page(&sam, &format!("/booking?date={first}&owner={root_id}"))
        .await;
    assert!(
        html.contains(&format!(r#"<option value="{root_id}" selected"#)),
        "{html}"
    );

    // Past the limit, the list says so.
    let third = day(3);
    for start in ["06:00", "07:00", "08:00"] {
        let mut series = form("Daily", &third, start, "30", &system, "");
        series.retain(|(k, _)| !["repeat", "count"].contains(k));
        series.extend([("repeat", "daily"), ("count", "200")]);
        portal.json_ok(&sam, "/api/bookings/create", &series).await;
    }
    let long = list(&sam, &[]).await;
    assert_eq!(long["truncated"], true);
    assert_eq!(long["meetings"].as_array().unwrap().len(), 500);
    assert_eq!(list(&sam, &[("q", "review")]).await["truncated"], false);
    let html = portal
        .page(
            &sam,
            &format!("/booking/conferences?tz=UTC&system={system}&owner={root_id}"),
        )
        .await;
    assert!(
        html.contains(&format!(r#"<option value="{system}" selected"#)),
        "{html}"
    );
    assert!(html.contains(&format!(r#"<option value="{root_id}" selected"#)));
    assert!(!html.contains("Only the first 500"));
    let html = portal.page(&sam, "/booking/conferences?tz=UTC").await;
    assert!(html.contains("Only the first 500 conferences are listed"));
}

/// A second simulated CMS added as a system by `admin`, with `placeholders` spaces from 2001;
/// the simulator (keep it running) and the system's id.
async fn second_system(
    portal: &Portal,
    admin: &str,
    placeholders: &str,
) -> (cms_sim::Cluster, String) {
    let sim = cms_sim::Cluster::start(cms_sim::SimConfig::default())
        .await
        .unwrap();
    let address = sim.base_urls()[0]
        .trim_start_matches("https://")
        .to_string();
    portal
        .json_ok(
            admin,
            "/api/systems/add",
            &[
                ("address", address.as_str()),
                ("username", "admin"),
                ("password", "admin"),
                ("tls", "insecure"),
            ],
        )
        .await;
    let list = portal.json_ok(admin, "/api/systems/list", &[]).await;
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .find(|id| *id != portal.system())
        .expect("the second system")
        .to_string();
    let extended = [
        ("id", id.as_str()),
        ("domain", "example.com"),
        ("base", "2001"),
        ("quantity", placeholders),
    ];
    portal
        .json_ok(admin, "/api/systems/extended", &extended)
        .await;
    crate::support::wait_for("the second system's placeholders", async || {
        portal
            .json_ok(admin, "/api/systems/provisioning", &[("id", id.as_str())])
            .await["state"]
            == "Complete"
    })
    .await;
    (sim, id)
}

#[tokio::test]
async fn the_conference_form_changes_the_type_and_moves_it_to_another_system_within_the_rules() {
    let portal = portal(2).await;
    let sam = portal.login("sam").await;
    let root = portal.login("root").await;
    let (_sim, other) = second_system(&portal, &root, "1").await;
    let date = tomorrow();
    let core = portal.system().to_string();
    let booked = portal
        .json_ok(
            &sam,
            "/api/bookings/create",
            &form("Review", &date, "10:00", "60", &core, "desk@example.com"),
        )
        .await;
    let id = booked["meeting"].to_string();
    let edit = |title: &str, conference_type: &str, system: &str| {
        vec![
            ("id", id.clone()),
            ("title", title.to_string()),
            ("start_time", String::new()),
            ("end_time", String::new()),
            ("conference_type", conference_type.to_string()),
            ("system", system.to_string()),
            ("participants", "desk@example.com".to_string()),
            ("passcode", String::new()),
            ("notes", String::new()),
        ]
    };
    let call = async |cookie: &str, form: Vec<(&str, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        portal
            .json(cookie, "/api/bookings/edit-series", &form)
            .await
    };
    let refused = |status: StatusCode, body: &Value, field: &str, words: &str| {
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields = body["Invalid"].as_array().expect("field errors");
        assert!(
            fields
                .iter()
                .any(|e| e["field"] == field && e["message"].as_str().unwrap().contains(words)),
            "{field}: {words}: {body}"
        );
    };
    let shown = async || {
        let page = conference(&portal, &sam, &id).await;
        let m = &page["meeting"];
        format!("{} {} {}", m["title"], m["conference_type"], m["system"])
    };

    // A single meeting's conference form: a new type, the system kept.
    let (status, body) = call(&sam, edit("Review", "no_connect", &core)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(&sam, edit("Review", "party", "")).await;
    refused(status, &body, "conference_type", "choose");
    assert_eq!(shown().await, format!("\"Review\" \"NoConnect\" {core}"));

    // The other system's one placeholder is taken at 10:30: refused on the system field, in the
    // saving transaction, and nothing of the edit is saved (not even the title).
    let blocker = portal
        .json_ok(
            &root,
            "/api/bookings/create",
            &form("Blocker", &date, "10:30", "30", &other, "room@example.com"),
        )
        .await["meeting"]
        .to_string();
    let (status, body) = call(&sam, edit("Moved", "automatic_connect", &other)).await;
    refused(status, &body, "system", "already runs 1 meeting(s)");
    assert_eq!(shown().await, format!("\"Review\" \"NoConnect\" {core}"));
    portal
        .json_ok(&root, "/api/bookings/cancel", &[("id", blocker.as_str())])
        .await;

    // Room now: every pending occurrence moves, the history says where.
    let (status, body) = call(&sam, edit("Moved", "automatic_connect", &other)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, 1);
    assert_eq!(
        shown().await,
        format!("\"Moved\" \"AutomaticConnect\" {other}")
    );
    let page = conference(&portal, &sam, &id).await;
    let last = page["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "Series edited");
    assert!(
        last["outcome"]
            .as_str()
            .unwrap()
            .ends_with(page["meeting"]["system_name"].as_str().unwrap()),
        "{last}"
    );

    // Back to the first system: closed to booking, then not open to sam (its Permissions).
    allow_booking(&portal, &root, false).await;
    let (status, body) = call(&sam, edit("Moved", "automatic_connect", &core)).await;
    refused(status, &body, "system", "does not allow booking");
    allow_booking(&portal, &root, true).await;
    portal
        .json_ok(
            &root,
            "/api/systems/access/save",
            &[
                ("id", core.as_str()),
                ("booking", "listed"),
                ("editing", "everyone"),
            ],
        )
        .await;
    let (status, body) = call(&sam, edit("Moved", "automatic_connect", &core)).await;
    refused(status, &body, "system", "may not book");
    assert_eq!(
        shown().await,
        format!("\"Moved\" \"AutomaticConnect\" {other}")
    );
    // The help desk changes nothing.
    let (status, _) = call(&portal.login("hana").await, edit("Mine", "", "")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_running_meeting_keeps_its_type_and_its_system() {
    let portal = portal(2).await;
    let sam = portal.login("sam").await;
    let root = portal.login("root").await;
    let (_sim, other) = second_system(&portal, &root, "1").await;
    let id = book_now(&portal, &sam, "Running", "desk@example.com").await;
    wait_for_state(&portal, &sam, &id, "Ongoing").await;
    fn edit<'a>(id: &'a str, conference_type: &'a str, system: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("id", id),
            ("title", "Running late"),
            ("start_time", ""),
            ("end_time", ""),
            ("conference_type", conference_type),
            ("system", system),
            ("participants", "desk@example.com"),
            ("passcode", ""),
            ("notes", ""),
        ]
    }
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/edit-series",
            &edit(&id, "no_connect", ""),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"][0]["field"], "conference_type", "{body}");
    assert!(body.to_string().contains("once it has ended"), "{body}");
    let (status, body) = portal
        .json(&sam, "/api/bookings/edit-series", &edit(&id, "", &other))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"][0]["field"], "system", "{body}");
    // Its own type and system (what the form sends back unchanged) keep it: the title changes.
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/edit-series",
            &edit(&id, "automatic_connect", &portal.system().to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = conference(&portal, &sam, &id).await;
    assert_eq!(page["meeting"]["title"], "Running late");
    assert_eq!(page["meeting"]["system"], portal.system());
    portal
        .json_ok(&sam, "/api/bookings/end", &[("id", id.as_str())])
        .await;
}

#[tokio::test]
async fn a_system_is_not_pointed_at_another_server_while_its_meetings_run() {
    let portal = portal(1).await;
    let sam = portal.login("sam").await;
    let root = portal.login("root").await;
    let other = cms_sim::Cluster::start(cms_sim::SimConfig::default())
        .await
        .unwrap();
    let id = book_now(&portal, &sam, "Running", "desk@example.com").await;
    wait_for_state(&portal, &sam, &id, "Ongoing").await;

    let system = portal.system().to_string();
    let elsewhere = other.base_urls()[0]
        .trim_start_matches("https://")
        .to_string();
    let connection = [
        ("id", system.as_str()),
        ("address", elsewhere.as_str()),
        ("username", "admin"),
        ("password", "admin"),
        ("tls", "insecure"),
        ("pinned_pem", ""),
    ];
    let (status, body) = portal
        .json(&root, "/api/systems/connection", &connection)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("address"),
        "names the field: {body}"
    );
    assert!(body.to_string().contains("running"), "says why: {body}");
    let (_, detail) = portal
        .json(&root, "/api/systems/detail", &[("id", &system)])
        .await;
    assert_eq!(
        detail["summary"]["address"],
        portal.sim().base_urls()[0],
        "unchanged: {detail}"
    );
    assert_eq!(
        portal.sim().snapshot().calls.len(),
        1,
        "the call still runs"
    );
    // Give the engine ticks to act on a changed address, were it saved.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        conference(&portal, &sam, &id).await["meeting"]["state"],
        "Ongoing"
    );

    // Once the meeting is over, the change is taken.
    let (status, body) = portal.json(&sam, "/api/bookings/end", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    wait_for_state(&portal, &sam, &id, "Finished").await;
    assert!(
        portal.sim().snapshot().calls.is_empty(),
        "ended on the old server"
    );
    let (status, body) = portal
        .json(&root, "/api/systems/connection", &connection)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    other.shutdown().await;
}

#[tokio::test]
async fn book_conference_with_this_system_preselects_it() {
    let portal = portal(1).await;
    let sam = portal.login("sam").await;
    let id = portal.system();
    let chosen = format!(r#"<option value="{id}" selected"#);
    let html = portal
        .page(&sam, &format!("/booking/new?system={id}"))
        .await;
    assert!(html.contains(&chosen), "{html}");
    let html = portal.page(&sam, "/booking/new").await;
    assert!(!html.contains(&chosen), "Automatic otherwise");
}
