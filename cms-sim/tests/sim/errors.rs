//! `failureDetails` errors with the real names and statuses, and PUT semantics.

use crate::common::{start, texts};
use cms_sim::SimConfig;

const COOL: &str = "2be23a10-f400-4436-baef-6058f55ca688";

fn failure(child: &str) -> String {
    format!("<?xml version=\"1.0\"?><failureDetails><{child} /></failureDetails>")
}

fn plain() -> SimConfig {
    SimConfig {
        tls: false,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn duplicate_uris_and_call_ids_are_refused() {
    let (cluster, client) = start(plain()).await;
    let uri = client
        .post("/api/v1/coSpaces", "name=Copy&uri=Cool.Bridge.Space")
        .await;
    assert_eq!(
        (uri.status, uri.body),
        (400, failure("duplicateCoSpaceUri"))
    );
    let call_id = client
        .post("/api/v1/coSpaces", "name=Copy&callId=497540167")
        .await;
    assert_eq!(
        (call_id.status, call_id.body),
        (400, failure("duplicateCoSpaceId"))
    );
    let mine = client
        .create(
            "/api/v1/coSpaces",
            "name=Mine&uri=mine&callId=42",
            "/api/v1/coSpaces/",
        )
        .await;
    let moved = client
        .put(&format!("/api/v1/coSpaces/{mine}"), "uri=testacano2.space")
        .await;
    assert_eq!(moved.status, 400);
    assert_eq!(cluster.snapshot().spaces.len(), 5);
}

#[tokio::test]
async fn bad_values_are_parameter_errors() {
    let (_cluster, client) = start(plain()).await;
    let cases = [
        ("passcode=12ab", "passcode"),
        ("nonMemberAccess=yes", "nonMemberAccess"),
        ("nonMemberAccess=TRUE", "nonMemberAccess"),
        ("callId=abc", "callId"),
        ("uri=room@example.com", "uri"),
        ("callProfile=not-a-uuid", "callProfile"),
    ];
    for (body, parameter) in cases {
        let reply = client.post("/api/v1/coSpaces", body).await;
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(
            reply.body,
            format!(
                "<?xml version=\"1.0\"?><failureDetails><parameterError parameter=\"{parameter}\" error=\"invalidValue\" /></failureDetails>"
            ),
            "{body}"
        );
    }
    let missing = client.post("/api/v1/calls", "").await;
    assert_eq!(missing.status, 400);
    assert!(
        missing
            .body
            .contains("<parameterError parameter=\"coSpace\" error=\"required\" />")
    );
    let limit = client.get("/api/v1/coSpaces?limit=lots").await;
    assert_eq!(limit.status, 400);
}

#[tokio::test]
async fn unknown_ids_and_paths_are_404s() {
    let (_cluster, client) = start(plain()).await;
    let unknown = uuid::Uuid::new_v4();
    let cases = [
        (format!("/api/v1/coSpaces/{unknown}"), "coSpaceDoesNotExist"),
        (
            "/api/v1/coSpaces/not-a-uuid".to_owned(),
            "coSpaceDoesNotExist",
        ),
        (format!("/api/v1/calls/{unknown}"), "callDoesNotExist"),
        (format!("/api/v1/callLegs/{unknown}"), "callLegDoesNotExist"),
        (
            format!("/api/v1/callProfiles/{unknown}"),
            "callProfileDoesNotExist",
        ),
        (
            format!("/api/v1/callLegProfiles/{unknown}"),
            "callLegProfileDoesNotExist",
        ),
        (
            format!("/api/v1/callBridges/{unknown}"),
            "callBridgeDoesNotExist",
        ),
        (
            format!("/api/v1/participants/{unknown}"),
            "participantDoesNotExist",
        ),
        ("/api/v1/bogus".to_owned(), "unrecognisedObject"),
        (
            format!("/api/v1/coSpaces/{COOL}/bogus"),
            "unrecognisedObject",
        ),
    ];
    for (path, child) in cases {
        let reply = client.get(&path).await;
        assert_eq!((reply.status, reply.body), (404, failure(child)), "{path}");
    }
    let deleted = client.delete(&format!("/api/v1/calls/{unknown}")).await;
    assert_eq!(
        (deleted.status, deleted.body),
        (404, failure("callDoesNotExist"))
    );
    let put = client
        .put(&format!("/api/v1/coSpaces/{unknown}"), "name=x")
        .await;
    assert_eq!(
        (put.status, put.body),
        (404, failure("coSpaceDoesNotExist"))
    );
    let outside = client.get("/elsewhere").await;
    assert_eq!((outside.status, outside.body.as_str()), (404, ""));
    let not_allowed = client.delete("/api/v1/system/status").await;
    assert_eq!(not_allowed.status, 405);
}

#[tokio::test]
async fn references_to_missing_objects_are_refused() {
    let (_cluster, client) = start(plain()).await;
    let unknown = uuid::Uuid::new_v4();
    let profile = client
        .post("/api/v1/coSpaces", &format!("callProfile={unknown}"))
        .await;
    assert_eq!(
        (profile.status, profile.body),
        (400, failure("callProfileDoesNotExist"))
    );
    let space = client
        .post("/api/v1/calls", &format!("coSpace={unknown}"))
        .await;
    assert_eq!(
        (space.status, space.body),
        (400, failure("coSpaceDoesNotExist"))
    );
    let leg = client
        .post(
            &format!("/api/v1/calls/{unknown}/callLegs"),
            "remoteParty=a@b",
        )
        .await;
    assert_eq!((leg.status, leg.body), (404, failure("callDoesNotExist")));
}

#[tokio::test]
async fn a_space_holds_one_call_at_most() {
    let (cluster, client) = start(plain()).await;
    client
        .create(
            "/api/v1/calls",
            &format!("coSpace={COOL}"),
            "/api/v1/calls/",
        )
        .await;
    let second = client
        .post("/api/v1/calls", &format!("coSpace={COOL}"))
        .await;
    assert_eq!(
        (second.status, second.body),
        (400, failure("invalidOperation"))
    );
    assert_eq!(cluster.snapshot().calls.len(), 1);
}

#[tokio::test]
async fn put_keeps_what_is_left_out_and_clears_what_is_empty() {
    let (cluster, client) = start(plain()).await;
    let id = client
        .create(
            "/api/v1/coSpaces",
            "name=Board&uri=board&secondaryUri=board2&callId=1234&passcode=99&nonMemberAccess=false",
            "/api/v1/coSpaces/",
        )
        .await;
    let path = format!("/api/v1/coSpaces/{id}");
    let before = client.get(&path).await;
    assert_eq!(texts(&before.body, "passcode"), ["99"]);
    assert_eq!(texts(&before.body, "nonMemberAccess"), ["false"]);
    let secret = texts(&before.body, "secret").remove(0);
    assert_eq!(secret.len(), 22);

    assert_eq!(client.put(&path, "name=Board+room&uri=").await.status, 200);
    let after = client.get(&path).await;
    assert_eq!(
        after.body,
        format!(
            "<?xml version=\"1.0\"?><coSpace id=\"{id}\"><name>Board room</name><autoGenerated>false</autoGenerated><secondaryUri>board2</secondaryUri><callId>1234</callId><nonMemberAccess>false</nonMemberAccess><secret>{secret}</secret><passcode>99</passcode></coSpace>"
        )
    );
    assert_eq!(client.put(&path, "regenerateSecret=true").await.status, 200);
    let regenerated = cluster
        .snapshot()
        .spaces
        .into_iter()
        .find(|s| s.id.to_string() == id)
        .and_then(|s| s.secret)
        .expect("secret");
    assert_ne!(regenerated, secret);
    // The freed URI can be taken by another space.
    client
        .create("/api/v1/coSpaces", "uri=board", "/api/v1/coSpaces/")
        .await;
    assert_eq!(client.delete(&path).await.status, 200);
    assert_eq!(client.get(&path).await.status, 404);
}

#[tokio::test]
async fn xml_text_is_escaped() {
    let (_cluster, client) = start(plain()).await;
    let id = client
        .create(
            "/api/v1/coSpaces",
            "name=R%26D+%3Cteam%3E",
            "/api/v1/coSpaces/",
        )
        .await;
    let got = client.get(&format!("/api/v1/coSpaces/{id}")).await;
    assert!(
        got.body.contains("<name>R&amp;D &lt;team&gt;</name>"),
        "{}",
        got.body
    );
    assert!(crate::common::well_formed(&got.body));
}

#[tokio::test]
async fn odd_requests_get_answers_and_break_nothing() {
    let (cluster, client) = start(plain()).await;
    let base = cluster.base_urls()[0].clone();
    let http = reqwest::Client::new();
    let unknown = uuid::Uuid::new_v4();
    let odd: Vec<(reqwest::Method, String, Vec<u8>)> = vec![
        (
            reqwest::Method::POST,
            "/api/v1/coSpaces".into(),
            vec![0xff, 0xfe, b'=', 0x80],
        ),
        (
            reqwest::Method::POST,
            "/api/v1/coSpaces".into(),
            b"name=%ff%fe&uri=%zz".to_vec(),
        ),
        (
            reqwest::Method::GET,
            "/api/v1/coSpaces?offset=99999999999999999999999".into(),
            vec![],
        ),
        (
            reqwest::Method::GET,
            "/api/v1/coSpaces?limit=-5&offset=-1".into(),
            vec![],
        ),
        (
            reqwest::Method::GET,
            "/api/v1/coSpaces?filter=%ff%00".into(),
            vec![],
        ),
        (reqwest::Method::GET, "/api/v1//".into(), vec![]),
        (reqwest::Method::GET, "/api/v1".into(), vec![]),
        (
            reqwest::Method::GET,
            format!("/api/v1/calls/{unknown}/callLegs/x/y"),
            vec![],
        ),
        (reqwest::Method::PATCH, "/api/v1/coSpaces".into(), vec![]),
        (
            reqwest::Method::PUT,
            "/api/v1/coSpaces".into(),
            b"name=x".to_vec(),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/coSpaceBulkSyncs".into(),
            b"coSpaceBulkParameterSet=&removeAll=maybe".to_vec(),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/coSpaceBulkParameterSets".into(),
            b"startIndex=1&endIndex=99999999999999999999".to_vec(),
        ),
        (reqwest::Method::GET, "/api/v1/system".into(), vec![]),
        (
            reqwest::Method::GET,
            "/api/v1/system/status/extra".into(),
            vec![],
        ),
        (reqwest::Method::POST, "/_sim/faults".into(), vec![]),
        (
            reqwest::Method::PUT,
            "/_sim/nodes/99999999999999999999".into(),
            b"{}".to_vec(),
        ),
    ];
    for (method, path, body) in odd {
        let reply = http
            .request(method.clone(), format!("{base}{path}"))
            .basic_auth("admin", Some("admin"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"));
        let status = reply.status().as_u16();
        assert!(
            (200..600).contains(&status) && status != 500,
            "{method} {path}: {status}"
        );
        let text = reply.text().await.expect("a body");
        assert!(
            text.is_empty() || text.starts_with('{') || crate::common::well_formed(&text),
            "{method} {path}: {text}"
        );
    }
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);
}
