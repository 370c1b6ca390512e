//! Several real `bridgekeeper` processes on one SQLite file with the CMS simulator over HTTPS,
//! spoken to over HTTP as a browser behind a load balancer would:
//! - an action asked on the standby (a meeting booked to start now, End now) reaches the lease
//!   holder's engine through the database and takes effect on the CMS at once, not at the
//!   engine's next tick;
//! - `/readyz` on each node says whether it holds the lease, with the same epoch;
//! - Administrative Tools → Engine shows the lease holder and the node looked from, to those
//!   who manage systems only.

use crate::support::node::{Node, node};
use crate::support::{Backend, ONE_PER_ROLE, Portal, Prepared, form, wait_for};
use cms_sim::{BulkSyncFault, Faults, SimConfig};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// The bound on an action's effect: what "at once" means here (the engine's tick is 5 s).
const AT_ONCE: Duration = Duration::from_secs(1);

async fn prepared(backend: Backend) -> Prepared {
    Portal::build()
        .backend(backend)
        .users(ONE_PER_ROLE)
        .sim(SimConfig {
            dial_connect_delay: Duration::from_millis(50),
            ..SimConfig::default()
        })
        .system(2)
        .prepare()
        .await
}

/// A holder, then a standby that has answered `/readyz` as one.
async fn holder_and_standby(prepared: &Prepared) -> (Node, Node) {
    let holder = node(prepared).await;
    wait_for("the first node to take the lease", async || {
        holder.ready().await.1["lease"] == "holder"
    })
    .await;
    let standby = node(prepared).await;
    (holder, standby)
}

#[tokio::test]
async fn an_action_asked_on_the_standby_reaches_the_holders_engine_at_once() {
    action_on_the_standby(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_action_asked_on_the_standby_reaches_the_holders_engine_at_once_on_postgres() {
    action_on_the_standby(Backend::Postgres).await;
}

async fn action_on_the_standby(backend: Backend) {
    let prepared = prepared(backend).await;
    let sim = prepared.sim.as_ref().unwrap();
    let (holder, standby) = holder_and_standby(&prepared).await;
    assert_eq!(standby.ready().await.1["lease"], "standby");

    // Booked on the standby to start now: the holder's engine dials out at once.
    let sam = standby.login("sam").await;
    let now = time::OffsetDateTime::now_utc();
    let date = domain::booking::recurrence::iso_date(now.date());
    let start = format!("{:02}:{:02}", now.hour(), now.minute());
    let system = prepared.system.unwrap().0.to_string();
    let (status, booked) = standby
        .call(
            Some(&sam),
            "/api/bookings/create",
            &form("Now", &date, &start, "10", &system, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{booked}");
    let asked = Instant::now();
    while sim.snapshot().calls.is_empty() && asked.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = asked.elapsed();
    println!("{backend:?}: booked on the standby to start now: the call exists after {started:?}");
    assert_eq!(sim.snapshot().calls.len(), 1, "the meeting's call");
    assert!(started < AT_ONCE, "started {started:?} after the booking");

    // End now, asked on the standby: the call is gone at once.
    wait_for("the meeting to be recorded as running", async || {
        let id = booked["meeting"].to_string();
        standby
            .call(
                Some(&sam),
                "/api/bookings/conference",
                &[("id", &id), ("tz", "UTC")],
            )
            .await
            .1["meeting"]["state"]
            == "Ongoing"
    })
    .await;
    let hana = standby.login("hana").await;
    let (status, body) = standby
        .call(
            Some(&hana),
            "/api/bookings/end",
            &[("id", &booked["meeting"].to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let asked = Instant::now();
    while !sim.snapshot().calls.is_empty() && asked.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let ended = asked.elapsed();
    println!("{backend:?}: End now asked on the standby: the call is gone after {ended:?}");
    assert!(sim.snapshot().calls.is_empty(), "the call was ended");
    assert!(ended < AT_ONCE, "ended {ended:?} after End now");
    assert!(
        crate::lease::holds_pid(&prepared, holder.pid()).await,
        "the engine that acted is the holder's"
    );

    standby.stop().await;
    holder.stop().await;
}

#[tokio::test]
async fn each_node_says_whether_it_holds_the_lease_and_administrators_see_the_holder() {
    readiness_and_engine_page(Backend::Sqlite).await;
}

#[tokio::test]
async fn each_node_says_whether_it_holds_the_lease_and_administrators_see_the_holder_on_postgres() {
    readiness_and_engine_page(Backend::Postgres).await;
}

async fn readiness_and_engine_page(backend: Backend) {
    let prepared = prepared(backend).await;
    let (holder, standby) = holder_and_standby(&prepared).await;
    let lease = prepared.store.current_lease().await.unwrap().unwrap();
    assert!(lease.holder.contains(&format!(" pid {} at ", holder.pid())));

    // /readyz: unauthenticated, the same epoch on both, which one holds the lease, no name.
    wait_for("the standby to answer", async || {
        standby.ready().await.0 == StatusCode::OK
    })
    .await;
    for (node, role) in [(&holder, "holder"), (&standby, "standby")] {
        let (status, ready) = node.ready().await;
        assert_eq!(status, StatusCode::OK, "{ready}");
        assert_eq!(
            ready,
            serde_json::json!({ "database": "ok", "lease": role, "epoch": lease.epoch }),
        );
        let response = node
            .client
            .get(format!("{}/readyz", node.base))
            .header("host", "elsewhere.example")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "answered whatever the Host"
        );
    }

    // Administrative Tools → Engine, from each node.
    for (node, role) in [(&holder, "holder"), (&standby, "standby")] {
        let root = node.login("root").await;
        let response = node.get(Some(&root), "/admin/engine").await;
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!(r#"data-role="{role}""#)),
            "{role}: {html}"
        );
        assert!(
            html.contains(&format!(r#"data-holder="{}""#, lease.holder)),
            "the holder is named: {html}"
        );
        assert_eq!(
            html.contains("(this node)"),
            role == "holder",
            "only the holder says it is the holder: {html}"
        );
        assert!(
            html.contains(&format!(r#"data-epoch="{}""#, lease.epoch)),
            "{html}"
        );
        let (status, status_json) = node.call(Some(&root), "/api/admin/engine", &[]).await;
        assert_eq!(status, StatusCode::OK, "{status_json}");
        assert_eq!(
            status_json["role"],
            if role == "holder" {
                "Holder"
            } else {
                "Standby"
            }
        );
        assert_eq!(status_json["lease"]["holder"], lease.holder.as_str());
        assert!(
            status_json["this_node"]
                .as_str()
                .unwrap()
                .contains(&format!(" pid {} at ", node.pid())),
            "{status_json}"
        );
        assert!(
            html.contains(status_json["this_node"].as_str().unwrap()),
            "{html}"
        );
        for user in ["sam", "hana"] {
            let cookie = node.login(user).await;
            let (status, body) = node.call(Some(&cookie), "/api/admin/engine", &[]).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
            assert!(!body.to_string().contains(" pid "), "{body}");
            let page = node.get(Some(&cookie), "/admin/engine").await;
            assert_eq!(page.status(), StatusCode::FORBIDDEN, "{user}");
        }
        let (status, _) = node.call(None, "/api/admin/engine", &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    // The holder stops cleanly: the standby takes over at once and both its answers say so.
    holder.stop().await;
    wait_for("the standby to take over", async || {
        standby.ready().await.1["lease"] == "holder"
    })
    .await;
    let (_, ready) = standby.ready().await;
    assert!(ready["epoch"].as_i64().unwrap() > lease.epoch, "{ready}");
    standby.stop().await;
}

#[tokio::test]
async fn provisioning_asked_on_one_node_shows_its_progress_on_the_other() {
    provisioning_on_the_other_node(Backend::Sqlite).await;
}

#[tokio::test]
async fn provisioning_asked_on_one_node_shows_its_progress_on_the_other_on_postgres() {
    provisioning_on_the_other_node(Backend::Postgres).await;
}

async fn provisioning_on_the_other_node(backend: Backend) {
    let prepared = prepared(backend).await;
    let sim = prepared.sim.as_ref().unwrap();
    let (holder, standby) = holder_and_standby(&prepared).await;
    let system = prepared.system.unwrap().0.to_string();
    let progress = async |node: &Node, cookie: &str| {
        node.call(
            Some(cookie),
            "/api/systems/provisioning",
            &[("id", &system)],
        )
        .await
        .1
    };
    // The bulk sync waits until the test lets it go.
    sim.set_faults(Faults {
        bulk_sync: BulkSyncFault::StayPending,
        ..Faults::default()
    });
    let on_standby = standby.login("root").await;
    let on_holder = holder.login("root").await;
    let grow = |quantity| {
        [
            ("id", system.clone()),
            ("domain", "example.com".to_string()),
            ("base", "1001".to_string()),
            ("quantity", String::from(quantity)),
        ]
    };
    let form = grow("6");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = standby
        .call(Some(&on_standby), "/api/systems/extended", &form)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Asked on the standby, shown by the holder at once, and followed there.
    let seen = progress(&holder, &on_holder).await;
    assert_eq!(seen["state"], "Running", "{seen}");
    wait_for("the bulk sync's progress on the other node", async || {
        progress(&holder, &on_holder).await["message"]
            .as_str()
            .is_some_and(|m| m.contains("bulk sync"))
    })
    .await;
    let html = holder
        .get(Some(&on_holder), &format!("/systems/{system}?tab=extended"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Provisioning placeholder spaces…") && html.contains("bulk sync"),
        "the system page on the other node: {html}"
    );
    // Meanwhile no node starts another provisioning of that system.
    let again = grow("8");
    let again: Vec<(&str, &str)> = again.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = holder
        .call(Some(&on_holder), "/api/systems/extended", &again)
        .await;
    assert_ne!(status, StatusCode::OK, "{body}");
    assert!(body.to_string().contains("being provisioned"), "{body}");

    sim.set_faults(Faults::default());
    wait_for("provisioning to finish", async || {
        progress(&standby, &on_standby).await["state"] != "Running"
    })
    .await;
    for node in [&holder, &standby] {
        let cookie = if std::ptr::eq(node, &holder) {
            &on_holder
        } else {
            &on_standby
        };
        let done = progress(node, cookie).await;
        assert_eq!(done["state"], "Complete", "{done}");
        assert!(
            done["message"]
                .as_str()
                .unwrap()
                .starts_with("Done: 4 placeholder space(s) created"),
            "{done}"
        );
    }

    // Two administrators save at once on two nodes: one provisioning starts, the other is told.
    sim.set_faults(Faults {
        bulk_sync: BulkSyncFault::StayPending,
        ..Faults::default()
    });
    let (eight, ten) = (grow("8"), grow("10"));
    let eight: Vec<(&str, &str)> = eight.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let ten: Vec<(&str, &str)> = ten.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (on_standby_saved, on_holder_saved) = tokio::join!(
        standby.call(Some(&on_standby), "/api/systems/extended", &eight),
        holder.call(Some(&on_holder), "/api/systems/extended", &ten),
    );
    let saved: Vec<_> = [&on_standby_saved, &on_holder_saved]
        .into_iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .collect();
    assert_eq!(
        saved.len(),
        1,
        "one of two racing saves: {on_standby_saved:?} {on_holder_saved:?}"
    );
    let refused = if on_standby_saved.0 == StatusCode::OK {
        &on_holder_saved
    } else {
        &on_standby_saved
    };
    assert!(
        refused.1.to_string().contains("being provisioned"),
        "{refused:?}"
    );
    sim.set_faults(Faults::default());
    wait_for("the racing save's provisioning to finish", async || {
        progress(&holder, &on_holder).await["state"] != "Running"
    })
    .await;
    let created = if on_standby_saved.0 == StatusCode::OK {
        2
    } else {
        4
    };
    let done = progress(&holder, &on_holder).await;
    assert!(
        done["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Done: {created} placeholder space(s) created")),
        "the winner's quantity: {done}"
    );
    standby.stop().await;
    holder.stop().await;
}

/// The database refuses the nodes (PostgreSQL: the database closed to connections, theirs cut):
/// each node's `/readyz` answers 503 "unreachable" within a second; the database back, both
/// answer 200 again and one of them runs the engine.
#[tokio::test]
async fn readyz_says_unreachable_within_a_second_when_the_database_is_gone_on_postgres() {
    let prepared = prepared(Backend::Postgres).await;
    let (holder, standby) = holder_and_standby(&prepared).await;
    wait_for("the standby to answer", async || {
        standby.ready().await.0 == StatusCode::OK
    })
    .await;
    let (server, name) = prepared.db.rsplit_once('/').unwrap();
    let mut admin =
        <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
    let close = |allow: bool| format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}");
    sqlx::query(&close(false))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name)
    .execute(&mut admin)
    .await
    .unwrap();
    for node in [&holder, &standby] {
        let asked = Instant::now();
        let (status, ready) = node.ready().await;
        let answered = asked.elapsed();
        println!("/readyz with the database gone answered {status} after {answered:?}");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
        assert_eq!(ready["database"], "unreachable", "{ready}");
        assert!(answered < AT_ONCE, "answered after {answered:?}");
    }
    sqlx::query(&close(true)).execute(&mut admin).await.unwrap();
    wait_for(
        "both nodes to be ready again, one holding the lease",
        async || {
            let (a, b) = (holder.ready().await, standby.ready().await);
            a.0 == StatusCode::OK
                && b.0 == StatusCode::OK
                && [&a.1, &b.1]
                    .iter()
                    .filter(|r| r["lease"] == "holder")
                    .count()
                    == 1
        },
    )
    .await;
    standby.stop().await;
    holder.stop().await;
}
