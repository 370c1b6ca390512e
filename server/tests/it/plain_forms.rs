//! Forms posted without JavaScript: the browser is sent on (303) to a page that shows the answer,
//! a refused form's errors beside its fields and what was typed (never a secret), once; the URL
//! never carries the input or the error.

use crate::support::{ONE_PER_ROLE, PASSWORD, Portal, form, session_cookie, tomorrow};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, ORIGIN, REFERER};

/// What a browser sends for a plain `<form method="post">` on `from`.
async fn post(
    portal: &Portal,
    cookie: Option<&str>,
    from: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (String, Option<String>) {
    let mut request = portal
        .client
        .post(portal.url(path))
        .header(ORIGIN, portal.origin())
        .header(REFERER, portal.url(from))
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .form(fields);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        !location.contains("__err") && !location.contains("__path"),
        "{location}"
    );
    (location, session_cookie(&response))
}

#[tokio::test]
async fn a_refused_booking_comes_back_with_its_errors_and_what_was_typed() {
    let portal = Portal::build().users(ONE_PER_ROLE).system(2).start().await;
    let sam = portal.login("sam").await;
    let date = tomorrow();
    let system = portal.system().to_string();
    let from = format!("/booking/new?date={date}");
    let mut fields = form(
        "Budget review",
        &date,
        "25:00",
        "30",
        &system,
        "desk@example.com",
    );
    for (name, value) in &mut fields {
        if *name == "notes" {
            *value = "bring the figures";
        }
    }

    let (location, _) = post(&portal, Some(&sam), &from, "/api/bookings/create", &fields).await;
    assert_eq!(location, from);
    let page = portal.page(&sam, &location).await;
    assert!(
        page.contains(r#"id="start_time-error""#),
        "no field error: {page}"
    );
    assert!(page.contains(r#"value="Budget review""#), "title lost");
    assert!(page.contains(r#"value="25:00""#), "start lost");
    assert!(page.contains("desk@example.com"), "participants lost");
    assert!(page.contains("bring the figures"), "notes lost");
    assert!(!page.contains("4711"), "the passcode was kept");
    assert!(!page.contains("Booked: "), "a refusal shown as a booking");

    // Once: the next view of the form is a fresh one.
    let again = portal.page(&sam, &location).await;
    assert!(!again.contains(r#"id="start_time-error""#));
    assert!(!again.contains("desk@example.com"));
    portal.stop().await;
}

#[tokio::test]
async fn a_booking_answers_with_its_confirmation() {
    let portal = Portal::build().users(ONE_PER_ROLE).system(2).start().await;
    let sam = portal.login("sam").await;
    let date = tomorrow();
    let system = portal.system().to_string();
    let from = format!("/booking/new?date={date}");
    let fields = form(
        "Budget review",
        &date,
        "10:00",
        "30",
        &system,
        "desk@example.com",
    );

    let (location, _) = post(&portal, Some(&sam), &from, "/api/bookings/create", &fields).await;
    let page = portal.page(&sam, &location).await;
    assert!(
        page.contains("Booked: <!>Budget review</h2>"),
        "no confirmation: {page}"
    );
    assert!(
        page.contains("/booking/meetings/"),
        "no link to the conference"
    );
    // The passcode is said once to the browser that typed it with JavaScript; a plain post's
    // answer waits in the session, which keeps no passcode.
    assert!(
        !page.contains("4711"),
        "the passcode was kept in the session"
    );
    assert!(!portal.page(&sam, &location).await.contains("Booked: "));
    portal.stop().await;
}

#[tokio::test]
async fn a_refused_sign_in_says_why_and_keeps_the_user_name_not_the_password() {
    let portal = Portal::build().users(ONE_PER_ROLE).start().await;
    let (location, cookie) = post(
        &portal,
        None,
        "/login?next=/booking",
        "/api/login",
        &[
            ("username", "sam"),
            ("password", "wrong horse"),
            ("next", "/booking"),
        ],
    )
    .await;
    assert_eq!(location, "/login?next=/booking");
    let cookie = cookie.expect("the answer waits in a session");
    let page = portal.page(&cookie, &location).await;
    assert!(page.contains(r#"class="form-error""#), "no message: {page}");
    assert!(page.contains(r#"value="sam""#), "user name lost");
    assert!(!page.contains("wrong horse"), "the password was kept");

    let (location, cookie) = post(
        &portal,
        Some(&cookie),
        "/login?next=/booking",
        "/api/login",
        &[
            ("username", "sam"),
            ("password", PASSWORD),
            ("next", "/booking"),
        ],
    )
    .await;
    assert_eq!(location, "/booking");
    let cookie = cookie.expect("a signed-in session");
    portal.page(&cookie, &location).await;
    portal.stop().await;
}
