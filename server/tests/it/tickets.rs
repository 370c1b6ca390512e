//! The Ticketing Service over real HTTP: the server in-process on a random port with a fresh SQLite
//! file holding one user per role and two systems with their first tickets.

use crate::support::{ONE_PER_ROLE, Portal};
use domain::store::NewSystem;
use domain::system::{Connectivity, SystemId, TlsChoice};
use domain::ticket::{BLANK_SYSTEM_NAME_MESSAGE, DIAL_NUMBER_MESSAGE, TicketKind};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, ORIGIN, REFERER};
use serde_json::Value;

/// A system as adding one saves it, with the two tickets every new system starts with.
fn new_system(address: &str) -> NewSystem {
    NewSystem {
        address: address.into(),
        username: "admin".into(),
        password_sealed: "not used here".into(),
        tls: TlsChoice::Insecure,
        pinned_pem: None,
        software_version: Some("3.8".into()),
        connectivity: Connectivity::Reachable,
        cluster_enabled: false,
        call_profile_id: None,
        call_leg_profile_id: None,
        members: Vec::new(),
        tickets: vec![
            (
                TicketKind::BlankSystemName,
                BLANK_SYSTEM_NAME_MESSAGE.into(),
            ),
            (
                TicketKind::DialNumberConfigurationError,
                DIAL_NUMBER_MESSAGE.into(),
            ),
        ],
    }
}

/// A fresh portal with one user per role and two systems (in the order they were added).
async fn fresh() -> (Portal, [SystemId; 2]) {
    let prepared = Portal::build().users(ONE_PER_ROLE).prepare().await;
    let a = prepared
        .store
        .insert_system(&new_system("https://10.0.0.5:443"))
        .await
        .unwrap();
    let b = prepared
        .store
        .insert_system(&new_system("https://10.0.0.6:445"))
        .await
        .unwrap();
    (prepared.serve().await, [a, b])
}

impl Portal {
    /// The ticket numbers a filter lists, in order, and the total it reports.
    async fn listed(&self, cookie: &str, form: &[(&str, &str)]) -> (Vec<i64>, u64) {
        let page = self.json_ok(cookie, "/api/tickets/list", form).await;
        let numbers = page["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["number"].as_i64().unwrap())
            .collect();
        (numbers, page["total"].as_u64().unwrap())
    }

    async fn ticket(&self, cookie: &str, number: i64) -> Value {
        let page = self
            .json_ok(cookie, "/api/tickets/list", &[("state", "any")])
            .await;
        page["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["number"] == number)
            .cloned()
            .unwrap_or_else(|| panic!("ticket #{number} not listed: {page}"))
    }
}

#[tokio::test]
async fn the_help_desk_filters_tickets_newest_first() {
    let (portal, systems) = fresh().await;
    let hana = portal.login("hana").await;
    let [a, b] = systems.map(|s| s.0.to_string());

    let (all, total) = portal.listed(&hana, &[]).await;
    assert_eq!(total, 4);
    let mut newest_first = all.clone();
    newest_first.sort_unstable_by(|x, y| y.cmp(x));
    assert_eq!(all, newest_first);

    let (of_a, total) = portal.listed(&hana, &[("system", &a)]).await;
    assert_eq!(total, 2);
    let of_b = portal.listed(&hana, &[("system", &b)]).await.0;
    assert!(of_a.iter().all(|n| !of_b.contains(n)));

    let page = portal
        .json_ok(
            &hana,
            "/api/tickets/list",
            &[("system", &b), ("kind", "blank_system_name")],
        )
        .await;
    assert_eq!(page["total"], 1);
    let ticket = &page["tickets"][0];
    assert_eq!(ticket["kind"], "BlankSystemName");
    assert_eq!(ticket["system"], systems[1].0);
    assert_eq!(ticket["message"], BLANK_SYSTEM_NAME_MESSAGE);

    let page = portal
        .json_ok(&hana, "/api/tickets/list", &[("severity", "major")])
        .await;
    assert_eq!(page["total"], 2);
    assert!(
        page["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["kind"] == "DialNumberConfigurationError")
    );
    assert_eq!(portal.listed(&hana, &[("severity", "critical")]).await.1, 0);
    assert_eq!(portal.listed(&hana, &[("state", "closed")]).await.1, 0);
    assert_eq!(portal.listed(&hana, &[("state", "any")]).await.1, 4);

    let bad = portal
        .call(
            Some(&hana),
            "/api/tickets/list",
            &[("state", "gone"), ("page", "0")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.unwrap();
    assert!(
        body.contains("\"state\"") && body.contains("\"page\""),
        "{body}"
    );

    let names = portal.json_ok(&hana, "/api/tickets/systems", &[]).await;
    assert_eq!(names[0]["name"], "No Name (10.0.0.5:443)");
    assert_eq!(names[1]["name"], "No Name (10.0.0.6:445)");
}

#[tokio::test]
async fn the_help_desk_acknowledges_an_open_ticket_once() {
    let (portal, _) = fresh().await;
    let hana = portal.login("hana").await;
    let root = portal.login("root").await;
    let (open, _) = portal.listed(&hana, &[("state", "open")]).await;
    let number = open[0].to_string();

    let done = portal
        .call(
            Some(&hana),
            "/api/tickets/acknowledge",
            &[("number", &number)],
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let ticket = portal.ticket(&hana, open[0]).await;
    assert_eq!(ticket["state"], "Acknowledged");
    assert_eq!(ticket["acknowledged_by"], "hana");

    assert_eq!(portal.listed(&hana, &[("state", "open")]).await.1, 3);
    assert_eq!(
        portal.listed(&hana, &[("state", "acknowledged")]).await.0,
        [open[0]]
    );
    assert_eq!(portal.listed(&hana, &[]).await.1, 4, "still live");

    let again = portal
        .call(
            Some(&root),
            "/api/tickets/acknowledge",
            &[("number", &number)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().await.unwrap().contains("is not open"));
    assert_eq!(
        portal.ticket(&hana, open[0]).await["acknowledged_by"],
        "hana"
    );

    let missing = portal
        .call(
            Some(&hana),
            "/api/tickets/acknowledge",
            &[("number", "999")],
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let close = portal
        .call(Some(&hana), "/api/tickets/close", &[("number", &number)])
        .await;
    assert_eq!(
        close.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an automatic ticket closes by itself"
    );
    assert_eq!(portal.ticket(&hana, open[0]).await["state"], "Acknowledged");

    // Without JavaScript the form post comes back to the page it was sent from.
    let plain = portal
        .client
        .post(portal.url("/api/tickets/acknowledge"))
        .header(ORIGIN, portal.origin())
        .header(COOKIE, &hana)
        .header(ACCEPT, "text/html")
        .header(REFERER, portal.url("/monitoring"))
        .form(&[("number", open[1].to_string())])
        .send()
        .await
        .unwrap();
    assert!(plain.status().is_redirection(), "{}", plain.status());
    let location = plain.headers()[LOCATION].to_str().unwrap();
    assert!(
        location.trim_end_matches('?').ends_with("/monitoring"),
        "{location}"
    );
    assert_eq!(portal.ticket(&hana, open[1]).await["state"], "Acknowledged");
}

#[tokio::test]
async fn a_scheduler_and_a_stranger_are_refused_every_ticket_function() {
    let (portal, systems) = fresh().await;
    let sam = portal.login("sam").await;
    let hana = portal.login("hana").await;
    let (open, _) = portal.listed(&hana, &[]).await;
    let number = open[0].to_string();
    let a = systems[0].0.to_string();
    let calls: [(&str, Vec<(&str, &str)>); 5] = [
        ("/api/tickets/list", vec![]),
        ("/api/tickets/systems", vec![]),
        ("/api/tickets/acknowledge", vec![("number", &number)]),
        ("/api/tickets/close", vec![("number", &number)]),
        (
            "/api/tickets/add",
            vec![("system", &a), ("message", "from a scheduler")],
        ),
    ];
    for (path, form) in &calls {
        let refused = portal.call(Some(&sam), path, form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
        let anonymous = portal.call(None, path, form).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(portal.listed(&hana, &[("state", "open")]).await.1, 4);
    assert_eq!(portal.listed(&hana, &[("state", "any")]).await.1, 4);

    let page = portal.get(Some(&sam), "/monitoring").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn custom_tickets_are_checked_and_nothing_is_saved_on_error() {
    let (portal, systems) = fresh().await;
    let hana = portal.login("hana").await;
    let b = systems[1].0.to_string();
    let long = "x".repeat(501);

    for (form, field, message) in [
        (
            vec![("system", ""), ("message", "   ")],
            "message",
            "is required",
        ),
        (
            vec![("system", ""), ("message", long.as_str())],
            "message",
            "must be at most 500 characters long",
        ),
        (
            vec![("system", "999"), ("message", "about nothing")],
            "system",
            "choose a system",
        ),
    ] {
        let refused = portal.call(Some(&hana), "/api/tickets/add", &form).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let errors: Value = refused.json().await.unwrap();
        let shown = errors["Invalid"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap_or_else(|| panic!("no {field} error: {errors}"));
        assert!(
            shown["message"].as_str().unwrap().starts_with(message),
            "{errors}"
        );
    }
    assert_eq!(portal.listed(&hana, &[("state", "any")]).await.1, 4);

    let number = portal
        .json_ok(
            &hana,
            "/api/tickets/add",
            &[
                ("system", &b),
                ("message", "  Room 4's codec keeps rebooting  "),
            ],
        )
        .await
        .as_i64()
        .unwrap();
    let ticket = portal.ticket(&hana, number).await;
    assert_eq!(ticket["kind"], "Custom");
    assert_eq!(ticket["severity"], "Warning");
    assert_eq!(ticket["state"], "Open");
    assert_eq!(ticket["system"], systems[1].0);
    assert_eq!(ticket["message"], "Room 4's codec keeps rebooting");
    assert_eq!(ticket["raised_by"], "hana");
    let (newest, _) = portal.listed(&hana, &[]).await;
    assert_eq!(newest[0], number);

    let note = portal
        .json_ok(&hana, "/api/tickets/add", &[("message", "Call the vendor")])
        .await
        .as_i64()
        .unwrap();
    assert_eq!(portal.ticket(&hana, note).await["system"], Value::Null);
    assert_eq!(
        portal.listed(&hana, &[("kind", "custom")]).await.0,
        [note, number]
    );

    let closed = portal
        .call(
            Some(&hana),
            "/api/tickets/close",
            &[("number", &note.to_string())],
        )
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    assert_eq!(portal.ticket(&hana, note).await["state"], "Closed");
    assert_eq!(portal.listed(&hana, &[("state", "closed")]).await.0, [note]);
}

#[tokio::test]
async fn the_monitoring_page_renders_the_filtered_tickets_without_javascript() {
    let (portal, systems) = fresh().await;
    let hana = portal.login("hana").await;
    let [a, b] = systems;
    let number = portal
        .json_ok(
            &hana,
            "/api/tickets/add",
            &[
                ("system", &a.0.to_string()),
                ("message", "Projector <b>broken</b>"),
            ],
        )
        .await
        .as_i64()
        .unwrap();

    let page = portal
        .get(
            Some(&hana),
            &format!("/monitoring?system={}&kind=custom", a.0),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>Ticketing Service — Bridgekeeper</title>"));
    assert!(
        !html.contains("Loading tickets…"),
        "the whole page is sent at once, in place, for browsers without JavaScript"
    );
    assert!(
        html.contains(&format!("data-ticket=\"{number}\"")),
        "{html}"
    );
    assert!(html.contains(&format!("#{number}")));
    assert!(html.contains(&format!("href=\"/systems/{}\"", a.0)));
    assert!(
        html.contains("Projector &lt;b&gt;broken&lt;/b&gt;"),
        "escaped"
    );
    assert!(!html.contains("Blank System Name</td>"), "filtered by type");
    assert!(
        html.contains(" UTC</time>"),
        "UTC, labelled, before hydration"
    );
    assert_eq!(html.matches("<tr data-ticket=").count(), 1);

    let page = portal
        .get(Some(&hana), &format!("/monitoring?system={}", b.0))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("<tr data-ticket=").count(), 2);
    assert!(!page.contains(&format!("data-ticket=\"{number}\"")));
    assert!(page.contains("Acknowledge"));

    let system = portal
        .get(Some(&hana), &format!("/systems/{}", a.0))
        .await
        .text()
        .await
        .unwrap();
    assert!(system.contains("▸ Add custom ticket"));
    assert!(system.contains(&format!("href=\"/monitoring?system={}\"", a.0)));
}
