//! Paging, page caps, filters and case-insensitive node names.

use crate::common::{ids, start, texts, total};
use cms_sim::{PageCaps, SimConfig};
use std::collections::HashSet;

fn many_spaces() -> SimConfig {
    SimConfig {
        extra_user_spaces: 45,
        tls: false,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn co_spaces_page_at_twenty_and_count_every_match() {
    let (_cluster, client) = start(many_spaces()).await;
    let first = client.get("/api/v1/coSpaces").await;
    assert_eq!(total(&first.body), 49);
    assert_eq!(ids(&first.body, "coSpace").len(), 20);
    let asked_for_more = client.get("/api/v1/coSpaces?limit=100").await;
    assert_eq!(ids(&asked_for_more.body, "coSpace").len(), 20);
    let five = client.get("/api/v1/coSpaces?limit=5").await;
    assert_eq!(ids(&five.body, "coSpace").len(), 5);
    let last = client.get("/api/v1/coSpaces?offset=40").await;
    assert_eq!(ids(&last.body, "coSpace").len(), 9);
    let past = client.get("/api/v1/coSpaces?offset=400").await;
    assert_eq!(
        past.body,
        "<?xml version=\"1.0\"?><coSpaces total=\"49\"></coSpaces>"
    );

    let mut seen = HashSet::new();
    let mut offset = 0;
    loop {
        let page = client
            .get(&format!("/api/v1/coSpaces?offset={offset}"))
            .await;
        let page_ids = ids(&page.body, "coSpace");
        if page_ids.is_empty() {
            break;
        }
        offset += page_ids.len();
        seen.extend(page_ids);
    }
    assert_eq!(seen.len(), 49);
}

#[tokio::test]
async fn filters_match_name_uri_and_call_id_ignoring_case() {
    let (_cluster, client) = start(many_spaces()).await;
    let by_name = client.get("/api/v1/coSpaces?filter=USER1").await;
    // user1 and user10..user19
    assert_eq!(total(&by_name.body), 11);
    let by_uri = client.get("/api/v1/coSpaces?filter=cool.bridge").await;
    assert_eq!(texts(&by_uri.body, "name"), ["Cool Bridge Space"]);
    let by_call_id = client.get("/api/v1/coSpaces?filter=020710167").await;
    assert_eq!(
        texts(&by_call_id.body, "name"),
        ["It's testacano1's Space!"]
    );
    let nothing = client.get("/api/v1/coSpaces?filter=no-such-space").await;
    assert_eq!(
        nothing.body,
        "<?xml version=\"1.0\"?><coSpaces total=\"0\"></coSpaces>"
    );
}

#[tokio::test]
async fn node_names_are_case_insensitive() {
    let (_cluster, client) = start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await;
    for path in ["/api/v1/cospaces", "/api/v1/COSPACES", "/api/v1/coSpaces/"] {
        let reply = client.get(path).await;
        assert_eq!((reply.status, total(&reply.body)), (200, 4), "{path}");
    }
    let id = "2be23a10-f400-4436-baef-6058f55ca688";
    let upper = client
        .get(&format!("/api/v1/CoSpaces/{}", id.to_uppercase()))
        .await;
    assert_eq!(upper.status, 200);
    assert_eq!(ids(&upper.body, "coSpace"), [id]);
    assert_eq!(client.get("/api/v1/System/Status").await.status, 200);
    assert_eq!(client.get("/api/v1/CALLLEGS").await.status, 200);
}

#[tokio::test]
async fn page_caps_are_configurable() {
    let (_cluster, client) = start(SimConfig {
        tls: false,
        extra_user_spaces: 10,
        page_caps: PageCaps {
            co_spaces: 3,
            ..PageCaps::default()
        },
        ..SimConfig::default()
    })
    .await;
    let page = client.get("/api/v1/coSpaces?limit=10").await;
    assert_eq!(total(&page.body), 14);
    assert_eq!(ids(&page.body, "coSpace").len(), 3);
}

#[tokio::test]
async fn calls_page_at_ten_and_filter_by_space() {
    let (_cluster, client) = start(SimConfig {
        tls: false,
        extra_user_spaces: 12,
        ..SimConfig::default()
    })
    .await;
    let spaces: Vec<String> = ids(&client.get("/api/v1/coSpaces").await.body, "coSpace")
        .into_iter()
        .take(12)
        .collect();
    assert_eq!(spaces.len(), 12);
    for space in &spaces {
        client
            .create(
                "/api/v1/calls",
                &format!("coSpace={space}"),
                "/api/v1/calls/",
            )
            .await;
    }
    let calls = client.get("/api/v1/calls").await;
    assert_eq!(total(&calls.body), 12);
    assert_eq!(ids(&calls.body, "call").len(), 10);
    let one = client
        .get(&format!("/api/v1/calls?coSpaceFilter={}", spaces[3]))
        .await;
    assert_eq!(total(&one.body), 1);
    assert_eq!(texts(&one.body, "coSpace"), [spaces[3].clone()]);
    let by_name = client.get("/api/v1/calls?filter=cool+bridge").await;
    assert_eq!(texts(&by_name.body, "name"), ["Cool Bridge Space"]);
}
