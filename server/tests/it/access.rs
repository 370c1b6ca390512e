//! Per-system permissions over HTTP: a restricted system refuses bookings from schedulers not on
//! its list and settings changes from administrators not on its edit list, on the server, while
//! any administrator can still change the list.

use crate::support::{Portal, form, tomorrow};
use reqwest::StatusCode;
use serde_json::Value;

/// A fresh portal with one user per role (two administrators, two schedulers) and one system
/// with `placeholders` spaces.
async fn portal(placeholders: u64) -> Portal {
    Portal::build()
        .users(&[
            ("root", "admin"),
            ("ada", "admin"),
            ("sam", "scheduler"),
            ("sid", "scheduler"),
            ("hana", "helpdesk"),
        ])
        .system(placeholders)
        .named("CMS Core")
        .start()
        .await
}

impl Portal {
    /// The Permissions tab's data for the system, as `who` sees it.
    async fn access(&self, who: &str) -> Value {
        let id = self.system().to_string();
        let (status, view) = self.json(who, "/api/systems/access", &[("id", &id)]).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view
    }

    /// A user's id, from the Permissions tab.
    async fn user_id(&self, admin: &str, username: &str) -> String {
        let view = self.access(admin).await;
        view["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == username)
            .unwrap_or_else(|| panic!("{username} is not listed: {view}"))["id"]
            .to_string()
    }

    /// Saves the system's permissions: the two scopes and the ticked boxes.
    async fn save_access(
        &self,
        who: &str,
        booking: &str,
        editing: &str,
        boxes: &[String],
    ) -> (StatusCode, Value) {
        let id = self.system().to_string();
        let mut form = vec![
            ("id", id.as_str()),
            ("booking", booking),
            ("editing", editing),
        ];
        form.extend(boxes.iter().map(|b| (b.as_str(), "on")));
        self.json(who, "/api/systems/access/save", &form).await
    }
}

#[tokio::test]
async fn a_restricted_system_takes_bookings_only_from_listed_users() {
    let portal = portal(2).await;
    let root = portal.login("root").await;
    let sam = portal.login("sam").await;
    let sid = portal.login("sid").await;
    let hana = portal.login("hana").await;
    let date = tomorrow();
    let system = portal.system().to_string();

    // By default the roles decide: both schedulers appear, nobody is ticked (the list is the
    // administrators' to read).
    let open = portal.access(&root).await;
    assert_eq!(open["booking"], "Everyone", "{open}");
    let names: Vec<_> = open["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["ada", "root", "sam", "sid"],
        "the help desk cannot book"
    );

    let sid_id = portal.user_id(&root, "sid").await;
    let sam_id = portal.user_id(&root, "sam").await;
    // Only administrators change permissions.
    for who in [&sam, &hana] {
        let (status, _) = portal
            .save_access(who, "listed", "everyone", &[format!("book[{sid_id}]")])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Editors must be administrators.
    let (status, body) = portal
        .save_access(&root, "listed", "listed", &[format!("edit[{sam_id}]")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("editors"), "{body}");

    let (status, body) = portal
        .save_access(&root, "listed", "everyone", &[format!("book[{sid_id}]")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let saved = portal.access(&root).await;
    assert_eq!(saved["booking"], "Listed", "{saved}");
    assert_eq!(saved["changed_by"], "root", "{saved}");

    // The booking form offers the system only to those who may book on it.
    for (who, offered) in [(&sam, 0), (&sid, 1), (&root, 1)] {
        let (status, defaults) = portal
            .json(
                who,
                "/api/bookings/defaults",
                &[("date", ""), ("tz", "UTC")],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{defaults}");
        assert_eq!(
            defaults["systems"].as_array().unwrap().len(),
            offered,
            "{defaults}"
        );
    }

    // Sam is not on the list: refused on the system field, and automatic choice skips it.
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &system, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("system") && text.contains("may not book"),
        "{text}"
    );
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", "auto", "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("no system"), "{body}");

    // Sid is listed, and administrators always book.
    for (who, title, participant) in [
        (&sid, "Listed", "sid@example.com"),
        (&root, "Admin", "root@example.com"),
    ] {
        let (status, body) = portal
            .json(
                who,
                "/api/bookings/create",
                &form(title, &date, "11:00", "30", &system, participant),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{title}: {body}");
    }
    let (status, body) = portal
        .json(
            &sid,
            "/api/bookings/create",
            &form("Auto", &date, "12:00", "30", "auto", "auto@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Opening the system again lets Sam book.
    let (status, _) = portal.save_access(&root, "everyone", "everyone", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, booked) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &system, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{booked}");

    // Restricted again without Sam: he can no longer edit or extend his booking there, while
    // an administrator (and the help desk, for a live meeting) still can.
    let (status, _) = portal
        .save_access(&root, "listed", "everyone", &[format!("book[{sid_id}]")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let meeting = booked["meeting"].to_string();
    let edit = [
        ("id", meeting.as_str()),
        ("title", "Board (moved)"),
        ("date", date.as_str()),
        ("start_time", "09:00"),
        ("end_time", "09:30"),
    ];
    let (status, body) = portal.json(&sam, "/api/bookings/edit", &edit).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let extend = [("id", meeting.as_str()), ("minutes", "15")];
    let (status, body) = portal.json(&sam, "/api/bookings/extend", &extend).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = portal.json(&root, "/api/bookings/edit", &edit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = portal.json(&root, "/api/bookings/extend", &extend).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Cancelling stays possible for the owner.
    let (status, body) = portal
        .json(&sam, "/api/bookings/cancel", &[("id", &meeting)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn settings_form(id: &str) -> Vec<(&str, &str)> {
    vec![
        ("id", id),
        ("name", "CMS Core Renamed"),
        ("description", "Lab"),
        ("ip_zone", ""),
        ("time_zone", ""),
        ("web_bridge_uri", ""),
        ("system_contact", ""),
        ("alternate_address", ""),
        ("alternate_username", ""),
        ("alternate_password", ""),
        ("allow_booking", "on"),
    ]
}

#[tokio::test]
async fn only_listed_administrators_edit_a_restricted_system() {
    let portal = portal(1).await;
    let root = portal.login("root").await;
    let ada = portal.login("ada").await;
    let id = portal.system().to_string();
    let root_id = portal.user_id(&root, "root").await;
    let ada_id = portal.user_id(&root, "ada").await;
    let (status, body) = portal
        .save_access(&root, "everyone", "listed", &[format!("edit[{root_id}]")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Ada is an administrator but not on the edit list: every change to the system is refused.
    for (path, form) in [
        ("/api/systems/settings/save", settings_form(&id)),
        (
            "/api/systems/connection",
            vec![
                ("id", id.as_str()),
                ("address", "10.0.0.9"),
                ("username", "x"),
                ("password", "y"),
                ("tls", "insecure"),
                ("pinned_pem", ""),
            ],
        ),
        (
            "/api/systems/extended",
            vec![
                ("id", id.as_str()),
                ("domain", "example.org"),
                ("base", "5001"),
                ("quantity", "1"),
            ],
        ),
        (
            "/api/systems/ticket-filters",
            vec![("id", id.as_str()), ("hide[connection_error]", "on")],
        ),
    ] {
        let refused = portal.call(Some(&ada), path, &form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let (_, detail) = portal
        .json(&ada, "/api/systems/detail", &[("id", &id)])
        .await;
    assert_eq!(detail["summary"]["name"], "CMS Core", "nothing changed");

    // Root is listed.
    let (status, body) = portal
        .json(&root, "/api/systems/settings/save", &settings_form(&id))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Any administrator may still change the permissions: Ada adds herself, then edits.
    let (status, body) = portal
        .save_access(
            &ada,
            "everyone",
            "listed",
            &[format!("edit[{root_id}]"), format!("edit[{ada_id}]")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = portal
        .json(&ada, "/api/systems/settings/save", &settings_form(&id))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_system_that_does_not_allow_booking_takes_no_new_bookings() {
    let portal = portal(2).await;
    let root = portal.login("root").await;
    let id = portal.system().to_string();
    let date = tomorrow();
    let closed: Vec<(&str, &str)> = settings_form(&id)
        .into_iter()
        .filter(|(key, _)| *key != "allow_booking")
        .collect();
    let (status, body) = portal
        .json(&root, "/api/systems/settings/save", &closed)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    for system in [id.as_str(), "auto"] {
        let (status, body) = portal
            .json(
                &root,
                "/api/bookings/create",
                &form("Board", &date, "10:00", "60", system, "desk@example.com"),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{system}: {body}");
    }
    let (_, body) = portal
        .json(
            &root,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &id, "desk@example.com"),
        )
        .await;
    assert!(
        body.to_string().contains("does not allow booking"),
        "{body}"
    );

    let (status, body) = portal
        .json(&root, "/api/systems/settings/save", &settings_form(&id))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = portal
        .json(
            &root,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &id, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn acting_on_a_restricted_system_needs_its_edit_list() {
    let portal = portal(1).await;
    let root = portal.login("root").await;
    let ada = portal.login("ada").await;
    let id = portal.system().to_string();
    let root_id = portal.user_id(&root, "root").await;
    let (status, body) = portal
        .save_access(&root, "everyone", "listed", &[format!("edit[{root_id}]")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = portal
        .json(
            &root,
            "/api/folders/create",
            &[("parent", ""), ("name", "Lab")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let actions = [
        ("/api/systems/refresh", vec![("id", id.as_str())]),
        ("/api/systems/connection/test", vec![("id", id.as_str())]),
        (
            "/api/folders/place",
            vec![("system", id.as_str()), ("folder", "1")],
        ),
    ];
    // Ada administers, but is not on this system's edit list.
    for (path, form) in &actions {
        let refused = portal.call(Some(&ada), path, form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    for (path, form) in &actions {
        let (status, body) = portal.json(&root, path, form).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
}

#[tokio::test]
async fn schedulers_and_help_desk_read_neither_the_api_trace_nor_the_user_list() {
    let portal = portal(1).await;
    let root = portal.login("root").await;
    let id = portal.system().to_string();
    // A status request, so the trace has rows.
    let (status, body) = portal
        .json(&root, "/api/systems/refresh", &[("id", &id)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let logs = [
        ("id", id.as_str()),
        ("method", ""),
        ("status", ""),
        ("page", ""),
    ];
    let (status, trace) = portal.json(&root, "/api/systems/logs", &logs).await;
    assert_eq!(status, StatusCode::OK, "{trace}");
    assert!(trace.to_string().contains("/api/v1/"), "{trace}");
    let logs_page = format!("/systems/{id}?tab=logs");
    let users_page = format!("/systems/{id}?tab=permissions");
    assert!(portal.page(&root, &users_page).await.contains("ada"));

    for who in ["sam", "hana"] {
        let cookie = portal.login(who).await;
        for (path, form) in [
            ("/api/systems/logs", logs.to_vec()),
            ("/api/systems/access", vec![("id", id.as_str())]),
        ] {
            let refused = portal.call(Some(&cookie), path, &form).await;
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{who} {path}");
        }
        for (page, secret) in [(&logs_page, "/api/v1/"), (&users_page, "ada")] {
            let html = portal.get(Some(&cookie), page).await.text().await.unwrap();
            assert!(!html.contains(secret), "{who} reads {page}: {html}");
        }
    }
}

#[tokio::test]
async fn only_administrators_see_the_demo_simulators_credentials() {
    let demo = app::pages::systems::DemoCluster {
        addresses: vec!["127.0.0.1:4443".into()],
        username: "admin".into(),
        password: "demo-secret-4711".into(),
    };
    let portal = Portal::build()
        .users(crate::support::ONE_PER_ROLE)
        .demo_cms(demo.clone())
        .start()
        .await;
    let root = portal.login("root").await;
    let (status, body) = portal.json(&root, "/api/systems/demo", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.to_string().contains(&demo.password));
    for who in ["sam", "hana"] {
        let cookie = portal.login(who).await;
        let refused = portal.call(Some(&cookie), "/api/systems/demo", &[]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{who}");
        let page = portal
            .get(Some(&cookie), "/systems/add")
            .await
            .text()
            .await
            .unwrap();
        assert!(!page.contains(&demo.password), "{who} sees the password");
    }
}
