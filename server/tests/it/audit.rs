//! Administrative Tools → Audit over HTTP: who booked, changed, extended and cancelled what, and
//! who changed the Conference Settings, newest first, by user and dates, in pages; for
//! administrators only.

use crate::support::{ONE_PER_ROLE, Portal, form, tomorrow};
use reqwest::StatusCode;
use serde_json::Value;

fn day(n: i64) -> String {
    domain::booking::recurrence::iso_date(
        time::OffsetDateTime::now_utc().date() + time::Duration::days(n),
    )
}

/// `who: what on subject (outcome)` of each entry.
fn lines(audit: &Value) -> Vec<String> {
    audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {} on {} ({})",
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["subject"].as_str().unwrap(),
                e["outcome"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn administrators_read_who_did_what_newest_first() {
    let portal = Portal::build()
        .users(ONE_PER_ROLE)
        .system(2)
        .named("CMS Core")
        .start()
        .await;
    let root = portal.login("root").await;
    let sam = portal.login("sam").await;
    let hana = portal.login("hana").await;
    let system = portal.system().to_string();
    let date = tomorrow();

    let id = portal
        .json_ok(
            &sam,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &system, "desk@example.com"),
        )
        .await["meeting"]
        .to_string();
    portal
        .json_ok(
            &sam,
            "/api/bookings/extend",
            &[("id", &id), ("minutes", "15")],
        )
        .await;
    portal
        .json_ok(
            &root,
            "/api/bookings/edit",
            &[
                ("id", &id),
                ("title", "Board (moved)"),
                ("date", &date),
                ("start_time", "11:00"),
                ("end_time", "12:00"),
            ],
        )
        .await;
    portal
        .json_ok(&sam, "/api/bookings/cancel", &[("id", &id)])
        .await;
    let settings = |step: &'static str, preferred: &str| {
        [
            ("default_title", "Weekly".to_string()),
            ("default_duration_minutes", "60".to_string()),
            ("start_early_minutes", "0".to_string()),
            ("extend_step_minutes", step.to_string()),
            ("preferred_system", preferred.to_string()),
        ]
    };
    let save = async |form: [(&str, String); 5]| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        portal
            .json_ok(&root, "/api/bookings/settings/save", &form)
            .await;
    };
    save(settings("10", &system)).await;
    // Saving without a change leaves no line.
    save(settings("10", &system)).await;

    let audit = async |cookie: &str, filters: &[(&str, &str)]| {
        let mut form = vec![
            ("user", ""),
            ("from", ""),
            ("to", ""),
            ("page", ""),
            ("tz", "UTC"),
        ];
        for (key, value) in filters {
            form.iter_mut().find(|(k, _)| k == key).unwrap().1 = value;
        }
        portal.json(cookie, "/api/audit", &form).await
    };
    let (status, all) = audit(&root, &[]).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(
        lines(&all),
        [
            "root: Changed on Conference Settings (default title: \"Scheduled Meeting\" → \"Weekly\"; \
             extend step: 15 → 10 min; preferred system: none → CMS Core)"
                .to_string(),
            "sam: Cancelled on Board (moved) (done)".to_string(),
            format!(
                "root: Edited on Board (moved) ({date}T11:00:00Z – {date}T12:00:00Z)"
            ),
            format!(
                "sam: Extended by 15 min on Board (moved) ({date}T10:00:00Z – {date}T11:15:00Z)"
            ),
            "sam: Booked on Board (moved) (saved)".to_string(),
        ]
    );
    assert_eq!(all["entries"][1]["meeting"].to_string(), id);
    assert_eq!(all["entries"][0]["meeting"], Value::Null);
    assert_eq!(all["users"], serde_json::json!(["hana", "root", "sam"]));
    assert_eq!(all["more"], false);

    // By user and by dates (the viewer's zone, both days included).
    let (_, sams) = audit(&root, &[("user", "sam")]).await;
    assert_eq!(lines(&sams).len(), 3);
    assert!(lines(&sams).iter().all(|l| l.starts_with("sam: ")));
    let (_, ahead) = audit(&root, &[("from", &day(1))]).await;
    assert!(lines(&ahead).is_empty(), "{ahead}");
    let (yesterday, today) = (day(-1), day(0));
    let (_, around) = audit(&root, &[("from", &yesterday), ("to", &today)]).await;
    assert_eq!(lines(&around).len(), 5);
    let (_, before) = audit(&root, &[("to", &yesterday)]).await;
    assert!(lines(&before).is_empty(), "{before}");

    // Pages of 50: a series of 60 is booked with a line per occurrence.
    let later = day(2);
    let mut series = form("Daily", &later, "07:00", "30", &system, "");
    series.retain(|(k, _)| !["repeat", "count"].contains(k));
    series.extend([("repeat", "daily"), ("count", "60")]);
    portal.json_ok(&sam, "/api/bookings/create", &series).await;
    let (_, first) = audit(&root, &[]).await;
    assert_eq!(first["entries"].as_array().unwrap().len(), 50);
    assert_eq!(first["more"], true);
    assert_eq!(first["page"], 0);
    let (_, second) = audit(&root, &[("page", "1")]).await;
    assert_eq!(second["more"], false);
    assert_eq!(
        lines(&second).last().unwrap(),
        "sam: Booked on Board (moved) (saved)"
    );
    assert_eq!(second["entries"].as_array().unwrap().len(), 65 - 50);
    let html = portal.page(&root, "/admin/audit?tz=UTC&page=1").await;
    assert!(html.contains("Board (moved)"), "{html}");
    assert!(html.contains(r#"rel="prev""#), "{html}");
    assert!(!html.contains(r#"rel="next""#), "{html}");
    assert!(portal.page(&root, "/admin").await.contains("/admin/audit"));

    // Schedulers and the help desk are refused, by the server function and the page.
    for cookie in [&sam, &hana] {
        let (status, body) = audit(cookie, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(!body.to_string().contains("Board"), "{body}");
        let page = portal.get(Some(cookie), "/admin/audit").await;
        assert_eq!(page.status(), StatusCode::FORBIDDEN);
    }
    let anonymous = portal
        .call(
            None,
            "/api/audit",
            &[
                ("user", ""),
                ("from", ""),
                ("to", ""),
                ("page", ""),
                ("tz", ""),
            ],
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
