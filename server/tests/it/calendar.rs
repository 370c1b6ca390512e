//! The booking calendar over HTTP: the real server in-process with a fresh SQLite file and a
//! simulated CMS; day, week and month views rendered whole on the server, in the zone chosen, else
//! the browser's (the `bk_tz` cookie the page's script sets), else UTC.

use crate::support::Portal;
use domain::zone::{Zone, format_local};
use serde_json::Value;

/// A fresh portal with a scheduler and one system with a placeholder space.
async fn portal() -> Portal {
    Portal::build()
        .users(&[("sam", "scheduler")])
        .system(1)
        .start()
        .await
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_calendar_shows_day_week_and_month_in_the_browsers_zone_unless_one_is_chosen() {
    let portal = portal().await;
    let sam = portal.login("sam").await;
    let new_york = format!("{sam}; bk_tz=America/New_York");
    // 15:00 UTC on the 10th of a month ahead (never today, whatever the time now).
    let now = time::OffsetDateTime::now_utc().date();
    let month = domain::booking::calendar::add_months(now.replace_day(10).unwrap(), 2);
    let date = domain::booking::recurrence::iso_date(month);
    let system = portal.system().to_string();
    let booked = portal
        .json_ok(
            &sam,
            "/api/bookings/create",
            &[
                ("title", "Quarterly review"),
                ("date", &date),
                ("start_time", "15:00"),
                ("end_time", ""),
                ("duration_minutes", "30"),
                ("time_zone", "UTC"),
                ("conference_type", "no_connect"),
                ("system", &system),
                ("participants", ""),
                ("passcode", ""),
                ("notes", ""),
                ("repeat", "none"),
                ("ends", "count"),
                ("count", "1"),
                ("until", ""),
            ],
        )
        .await;
    let id = booked["meeting"].as_i64().unwrap();
    let start = time::PrimitiveDateTime::new(month, time::macros::time!(15:00)).assume_utc();
    let in_new_york = format_local(Zone::parse("America/New_York").unwrap().local(start));

    // No zone chosen: the browser's, for each view.
    for (view, shown) in [("day", 1), ("week", 7), ("month", 0)] {
        let calendar = portal
            .json_ok(
                &new_york,
                "/api/bookings/week",
                &[
                    ("view", view),
                    ("week", &date),
                    ("tz", ""),
                    ("system", ""),
                    ("mine", ""),
                ],
            )
            .await;
        assert_eq!(calendar["tz"], "America/New_York", "{view}");
        assert_eq!(calendar["view"], view[..1].to_uppercase() + &view[1..]);
        let days = strings(&calendar["days"]);
        assert!(days.contains(&date), "{view}: {days:?}");
        if shown > 0 {
            assert_eq!(days.len(), shown, "{view}");
        } else {
            // Whole weeks from the Monday on or before the 1st to the Sunday on or after the last.
            assert_eq!(days.len() % 7, 0);
            assert!(days[0] <= date[..8].to_string() + "01");
            assert!(days[days.len() - 1] > date);
        }
        let meetings = calendar["meetings"].as_array().unwrap();
        assert_eq!(meetings.len(), 1, "{view}");
        assert_eq!(meetings[0]["local_start"], in_new_york.as_str());
    }

    // The chosen zone wins over the browser's; a cookie naming no zone is ignored.
    let chosen = portal
        .json_ok(
            &new_york,
            "/api/bookings/week",
            &[
                ("week", &date),
                ("tz", "Asia/Kolkata"),
                ("system", ""),
                ("mine", ""),
            ],
        )
        .await;
    assert_eq!(chosen["tz"], "Asia/Kolkata");
    assert_eq!(chosen["view"], "Week");
    assert_eq!(
        chosen["meetings"][0]["local_start"],
        format!("{date}T20:30")
    );
    let bogus = portal
        .json_ok(
            &format!("{sam}; bk_tz=Mars/Olympus"),
            "/api/bookings/week",
            &[("week", &date), ("tz", ""), ("system", ""), ("mine", "")],
        )
        .await;
    assert_eq!(bogus["tz"], "UTC");
    assert_eq!(bogus["meetings"][0]["local_start"], format!("{date}T15:00"));

    // Pages render whole on the server: the month lists the meeting with its time, the chooser
    // offers the browser's zone, and the filters keep their values.
    let html = portal
        .page(
            &new_york,
            &format!("/booking?view=month&date={date}&system={system}&mine=1"),
        )
        .await;
    assert!(html.contains("Times in America/New_York."), "{html}");
    assert!(html.contains(&format!("data-meeting=\"{id}\"")), "{html}");
    assert!(html.contains(&in_new_york[11..]), "{html}");
    assert!(html.contains("Quarterly review"));
    assert!(html.contains(r#"aria-label="Month""#));
    assert!(
        html.contains(&format!(r#"<option value="{system}" selected"#)),
        "{html}"
    );
    assert!(html.contains(r#"name="mine" value="1" checked"#), "{html}");
    assert!(html.contains(r#"aria-current="page">Month</a>"#), "{html}");
    // Another system filtered on: the meeting is not shown.
    let other = portal
        .page(
            &new_york,
            &format!("/booking?view=month&date={date}&system=999"),
        )
        .await;
    assert!(!other.contains(&format!("data-meeting=\"{id}\"")));
    // A zone outside the usual list is offered, selected.
    let html = portal
        .page(
            &format!("{sam}; bk_tz=America/Phoenix"),
            &format!("/booking?view=day&date={date}"),
        )
        .await;
    assert!(
        html.contains(r#"<option value="America/Phoenix" selected"#),
        "{html}"
    );
    assert!(html.contains(&format!("Book {date} 08:00")));

    // The conference list, its page and the new-conference form take the browser's zone too.
    let list = portal
        .json_ok(
            &new_york,
            "/api/bookings/list",
            &[
                ("state", ""),
                ("from", &date),
                ("to", &date),
                ("system", ""),
                ("mine", ""),
                ("q", ""),
                ("tz", ""),
            ],
        )
        .await;
    assert_eq!(list["tz"], "America/New_York");
    assert_eq!(list["meetings"][0]["local_start"], in_new_york.as_str());
    let page = portal
        .json_ok(
            &new_york,
            "/api/bookings/conference",
            &[("id", &id.to_string()), ("tz", "")],
        )
        .await;
    assert_eq!(page["meeting"]["local_start"], in_new_york.as_str());
    let defaults = portal
        .json_ok(
            &new_york,
            "/api/bookings/defaults",
            &[("date", ""), ("tz", "")],
        )
        .await;
    assert_eq!(defaults["zone"], "America/New_York");
}
