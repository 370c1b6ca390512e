//! The real server, in-process on a random port with a fresh SQLite file, spoken to over HTTP.

use crate::support::{ONE_PER_ROLE, PASSWORD, Portal, session_cookie};
use domain::login_throttle::{LoginThrottle, ThrottlePolicy};
use domain::password::PasswordPolicy;
use domain::users::UserService;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::{Client, StatusCode};

/// A fresh portal with one user per role.
async fn fresh() -> Portal {
    Portal::build().users(ONE_PER_ROLE).start().await
}

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_opens_the_pages() {
    let portal = fresh().await;
    let response = portal
        .call(
            None,
            "/api/login",
            &[("username", "root"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(
        set_cookie.contains("Max-Age=1800"),
        "idle timeout: {set_cookie}"
    );
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let cookie = session_cookie(&response).unwrap();

    let page = portal.get(Some(&cookie), "/admin/users").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<title>Users — Bridgekeeper</title>"),
        "{html}"
    );
    for name in ["root", "sam", "hana"] {
        assert!(
            html.contains(&format!("data-user=\"{name}\"")),
            "{name} listed"
        );
    }
    assert!(
        !html.contains("$argon2"),
        "no password hash reaches the browser"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let portal = fresh().await;
    let wrong_password = portal
        .call(
            None,
            "/api/login",
            &[("username", "root"), ("password", "not the password")],
        )
        .await;
    let status = wrong_password.status();
    assert!(session_cookie(&wrong_password).is_none());
    let body = wrong_password.text().await.unwrap();
    let unknown_user = portal
        .call(
            None,
            "/api/login",
            &[("username", "nobody"), ("password", "not the password")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown_user.status(), status);
    assert_eq!(unknown_user.text().await.unwrap(), body);
    assert!(body.contains("Invalid user name or password."), "{body}");
}

#[tokio::test]
async fn failed_sign_ins_are_rate_limited_per_username() {
    let throttle = ThrottlePolicy {
        per_username: 3,
        ..ThrottlePolicy::default()
    };
    let portal = Portal::build()
        .users(ONE_PER_ROLE)
        .throttle(throttle)
        .start()
        .await;
    for _ in 0..3 {
        let r = portal
            .call(
                None,
                "/api/login",
                &[("username", "sam"), ("password", "guessing wrong")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
    // Even the right password is refused now, with a message saying why.
    let r = portal
        .call(
            None,
            "/api/login",
            &[("username", "sam"), ("password", PASSWORD)],
        )
        .await;
    assert!(session_cookie(&r).is_none());
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many failed sign-in attempts")
    );
    // Another user is unaffected.
    portal.login("hana").await;
}

#[tokio::test]
async fn a_role_without_permission_is_refused_by_the_server_function_itself() {
    let portal = fresh().await;
    let scheduler = portal.login("sam").await;
    let list = portal.call(Some(&scheduler), "/api/users/list", &[]).await;
    assert_eq!(list.status(), StatusCode::FORBIDDEN);
    let create = portal
        .call(
            Some(&scheduler),
            "/api/users/create",
            &[
                ("username", "mallory"),
                ("role", "admin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(create.status(), StatusCode::FORBIDDEN);
    assert!(create.text().await.unwrap().contains("Forbidden"));

    let anonymous = portal.call(None, "/api/users/list", &[]).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let admin = portal.login("root").await;
    let users = portal.call(Some(&admin), "/api/users/list", &[]).await;
    assert_eq!(users.status(), StatusCode::OK);
    assert!(
        !users.text().await.unwrap().contains("mallory"),
        "nothing was created"
    );
}

#[tokio::test]
async fn pages_need_a_session_and_the_right_role() {
    let portal = fresh().await;
    let anonymous = portal.get(None, "/admin/users").await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], "/login?next=/admin/users");

    let helpdesk = portal.login("hana").await;
    assert_eq!(
        portal.get(Some(&helpdesk), "/admin/users").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        portal.get(Some(&helpdesk), "/monitoring").await.status(),
        StatusCode::OK
    );
    let scheduler = portal.login("sam").await;
    assert_eq!(
        portal.get(Some(&scheduler), "/monitoring").await.status(),
        StatusCode::FORBIDDEN
    );
    let booking = portal.get(Some(&scheduler), "/booking").await;
    assert_eq!(booking.status(), StatusCode::OK);
    let html = booking.text().await.unwrap();
    assert!(html.contains(">Booking</a>") && html.contains(">Systems</a>"));
    assert!(!html.contains(">Monitoring</a>") && !html.contains(">Administrative Tools</a>"));
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let portal = fresh().await;
    let admin = portal.login("root").await;
    let form = [
        ("username", "mallory"),
        ("role", "admin"),
        ("password", PASSWORD),
    ];
    let forged = portal
        .client
        .post(portal.url("/api/users/create"))
        .header(ORIGIN, "http://evil.example")
        .header(COOKIE, &admin)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let no_origin = portal
        .client
        .post(portal.url("/api/users/create"))
        .header(COOKIE, &admin)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), StatusCode::FORBIDDEN);
    let users = portal.call(Some(&admin), "/api/users/list", &[]).await;
    assert!(!users.text().await.unwrap().contains("mallory"));
}

#[tokio::test]
async fn sign_in_cycles_the_session_id_and_sign_out_ends_it() {
    let portal = fresh().await;
    let first = portal.login("root").await;
    let again = portal
        .call(
            Some(&first),
            "/api/login",
            &[("username", "root"), ("password", PASSWORD)],
        )
        .await;
    let second = session_cookie(&again).unwrap();
    assert_ne!(first, second, "a new session id at sign-in");
    assert_eq!(
        portal.get(Some(&first), "/").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        portal.get(Some(&second), "/").await.status(),
        StatusCode::OK
    );

    let out = portal.call(Some(&second), "/api/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::OK);
    assert_eq!(
        portal.get(Some(&second), "/").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let portal = fresh().await;
    let cookie = portal.login("root").await;

    let restarted = portal.restart().await;
    let page = restarted.get(Some(&cookie), "/admin/users").await;
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test]
async fn admins_manage_users_and_a_disabled_user_is_signed_out() {
    let portal = fresh().await;
    let admin = portal.login("root").await;

    let invalid = portal
        .call(
            Some(&admin),
            "/api/users/create",
            &[
                ("username", "x"),
                ("role", "scheduler"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = invalid.text().await.unwrap();
    assert!(
        body.contains("\"username\"") && body.contains("\"password\""),
        "{body}"
    );

    let created = portal
        .call(
            Some(&admin),
            "/api/users/create",
            &[
                ("username", "Nina"),
                ("role", "helpdesk"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let nina = portal.login("nina").await;

    let list: serde_json::Value = portal
        .call(Some(&admin), "/api/users/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "nina")
        .map(|u| u["id"].as_i64().unwrap())
        .unwrap()
        .to_string();

    let promoted = portal
        .call(
            Some(&admin),
            "/api/users/role",
            &[("id", &id), ("role", "scheduler")],
        )
        .await;
    assert_eq!(promoted.status(), StatusCode::OK);

    let disabled = portal
        .call(
            Some(&admin),
            "/api/users/disabled",
            &[("id", &id), ("disabled", "true")],
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(
        portal
            .call(Some(&nina), "/api/whoami", &[])
            .await
            .text()
            .await
            .unwrap(),
        "null",
        "the disabled user's session has ended"
    );
    let refused = portal
        .call(
            None,
            "/api/login",
            &[("username", "nina"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn health_check_answers() {
    let portal = fresh().await;
    let health = portal.get(None, "/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn demo_mode_runs_a_simulated_cluster_and_says_where_it_is() {
    let (cluster, demo) = bridgekeeper::demo::start_cms(&[0, 0]).await.unwrap();
    assert_eq!(demo.addresses.len(), 2);
    let status = Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
        .get(format!(
            "https://{}/api/v1/system/status",
            demo.addresses[1]
        ))
        .basic_auth(&demo.username, Some(&demo.password))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), StatusCode::OK);
    assert!(
        status
            .text()
            .await
            .unwrap()
            .contains("<clusterEnabled>true</clusterEnabled>")
    );

    let portal = Portal::build()
        .users(ONE_PER_ROLE)
        .demo_cms(demo.clone())
        .start()
        .await;
    let admin = portal.login("root").await;
    let html = portal
        .get(Some(&admin), "/systems/add")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&demo.addresses[0]), "{html}");
    assert!(html.contains(&demo.password));
    cluster.shutdown().await;
}

#[tokio::test]
async fn systems_are_added_named_and_their_tickets_acknowledged_per_role() {
    let cluster = cms_sim::Cluster::start(cms_sim::SimConfig {
        nodes: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let address = cluster.base_urls()[0]
        .trim_start_matches("https://")
        .to_string();
    let portal = fresh().await;
    let admin = portal.login("root").await;
    let helpdesk = portal.login("hana").await;
    let scheduler = portal.login("sam").await;
    let form = [
        ("address", address.as_str()),
        ("username", "admin"),
        ("password", "admin"),
        ("tls", "insecure"),
    ];

    let refused = portal
        .call(Some(&helpdesk), "/api/systems/add", &form)
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let added = portal.call(Some(&admin), "/api/systems/add", &form).await;
    assert_eq!(added.status(), StatusCode::OK, "{:?}", added.text().await);
    let list: serde_json::Value = portal
        .call(Some(&scheduler), "/api/systems/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let system = &list[0];
    assert_eq!(system["connectivity"], "Reachable");
    assert_eq!(system["open_tickets"], 2);
    let id = system["id"].as_i64().unwrap().to_string();

    let detail: serde_json::Value = portal
        .call(Some(&helpdesk), "/api/systems/detail", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert!(!detail.to_string().contains("password_sealed"));
    assert!(!detail.to_string().contains("\"admin\",\"admin\""));
    let tickets = detail["tickets"].as_array().unwrap();
    let titles: Vec<&str> = tickets
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"BlankSystemName") && titles.contains(&"DialNumberConfigurationError")
    );
    let number = tickets[0]["number"].as_i64().unwrap().to_string();

    let not_allowed = portal
        .call(
            Some(&scheduler),
            "/api/tickets/acknowledge",
            &[("number", &number)],
        )
        .await;
    assert_eq!(not_allowed.status(), StatusCode::FORBIDDEN);
    let acknowledged = portal
        .call(
            Some(&helpdesk),
            "/api/tickets/acknowledge",
            &[("number", &number)],
        )
        .await;
    assert_eq!(acknowledged.status(), StatusCode::OK);

    let settings = [
        ("id", id.as_str()),
        ("name", "CMS Core Primary"),
        ("description", ""),
        ("ip_zone", ""),
        ("time_zone", ""),
        ("web_bridge_uri", ""),
        ("system_contact", ""),
        ("alternate_address", ""),
        ("alternate_username", ""),
        ("alternate_password", ""),
        ("allow_booking", "on"),
    ];
    let renamed = portal
        .call(Some(&helpdesk), "/api/systems/settings/save", &settings)
        .await;
    assert_eq!(
        renamed.status(),
        StatusCode::FORBIDDEN,
        "help desk cannot edit settings"
    );
    let renamed = portal
        .call(Some(&admin), "/api/systems/settings/save", &settings)
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let detail: serde_json::Value = portal
        .call(Some(&admin), "/api/systems/detail", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["summary"]["name"], "CMS Core Primary");
    let kinds: Vec<&str> = detail["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["DialNumberConfigurationError"]);

    let member = cluster.base_urls()[1]
        .trim_start_matches("https://")
        .to_string();
    let member_form = [
        ("address", member.as_str()),
        ("username", "admin"),
        ("password", "admin"),
        ("tls", "insecure"),
    ];
    let refused = portal
        .call(Some(&admin), "/api/systems/add", &member_form)
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("is part of a clustered call bridge")
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn demo_users_are_created_once_and_keep_their_passwords() {
    let prepared = Portal::build().prepare().await;
    let store = prepared.store.clone();
    let first = bridgekeeper::demo::ensure_demo_users(&store).await.unwrap();
    assert_eq!(first.len(), 3);
    assert!(
        first
            .iter()
            .all(|(_, _, password)| password.as_ref().is_some_and(|p| p.len() >= 12))
    );
    let again = bridgekeeper::demo::ensure_demo_users(&store).await.unwrap();
    assert!(again.iter().all(|(_, _, password)| password.is_none()));
    let users = UserService::new(
        store.store(),
        PasswordPolicy::default(),
        LoginThrottle::default(),
    );
    let (name, _, password) = &first[0];
    users
        .authenticate(
            name,
            password.clone().unwrap(),
            "127.0.0.1".parse().unwrap(),
        )
        .await
        .expect("the first password still works");
}

#[tokio::test]
async fn the_navigator_files_systems_in_folders() {
    let cluster = cms_sim::Cluster::start(cms_sim::SimConfig::default())
        .await
        .unwrap();
    let address = cluster.base_urls()[0]
        .trim_start_matches("https://")
        .to_string();
    let portal = fresh().await;
    let admin = portal.login("root").await;
    let helpdesk = portal.login("hana").await;

    let refused = portal
        .call(
            Some(&helpdesk),
            "/api/folders/create",
            &[("parent", ""), ("name", "Europe")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    for (parent, name) in [("", "Europe"), ("1", "Paris")] {
        let created = portal
            .call(
                Some(&admin),
                "/api/folders/create",
                &[("parent", parent), ("name", name)],
            )
            .await;
        assert_eq!(
            created.status(),
            StatusCode::OK,
            "{:?}",
            created.text().await
        );
    }
    let duplicate = portal
        .call(
            Some(&admin),
            "/api/folders/create",
            &[("parent", ""), ("name", "europe")],
        )
        .await;
    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let cycle = portal
        .call(
            Some(&admin),
            "/api/folders/move",
            &[("id", "1"), ("parent", "2")],
        )
        .await;
    assert_eq!(cycle.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let added = portal
        .call(
            Some(&admin),
            "/api/systems/add",
            &[
                ("address", address.as_str()),
                ("username", "admin"),
                ("password", "admin"),
                ("tls", "insecure"),
                ("folder", "2"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK, "{:?}", added.text().await);

    let list = |folder: &'static str, search: &'static str| {
        let portal = &portal;
        let helpdesk = helpdesk.clone();
        async move {
            let body: serde_json::Value = portal
                .call(
                    Some(&helpdesk),
                    "/api/systems/navigator",
                    &[
                        ("query[folder]", folder),
                        ("query[search]", search),
                        ("query[sort]", "Name"),
                        ("query[descending]", "false"),
                        ("query[page]", "1"),
                    ],
                )
                .await
                .json()
                .await
                .unwrap();
            body["page"]["total"].as_u64().unwrap()
        }
    };
    assert_eq!(list("2", "").await, 1, "in Paris");
    assert_eq!(list("1", "").await, 0, "not directly in Europe");
    assert_eq!(list("1", "127.0.0.1").await, 1, "search crosses folders");

    let deleted = portal
        .call(
            Some(&admin),
            "/api/folders/delete",
            &[("id", "2"), ("target", "1")],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(list("1", "").await, 1, "Paris's system moved to Europe");
    cluster.shutdown().await;
}
