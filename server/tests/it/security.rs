//! Security of the server as shipped (issue 11): where sign-in may lead, the log at start, the
//! login throttle, sessions, the database file, Host and Origin checks, response headers,
//! timeouts and refused arguments. Real server, real SQLite file, real HTTP.

use crate::support::{ONE_PER_ROLE, PASSWORD, Portal, session_cookie};
use domain::login_throttle::{HashLimiter, ThrottlePolicy};
use domain::session::Clock;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, LOCATION};
use std::process::{Command, Stdio};
use std::time::Duration;

/// `next` values an attacker may put in a sign-in link, and where the user must land.
const HOSTILE_NEXT: &[(&str, &str)] = &[
    ("/admin/users", "/admin/users"),
    ("/booking?from=2026-01-01", "/booking?from=2026-01-01"),
    ("/%09/evil.example/phish", "/"),
    ("/\t/evil.example/phish", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("/%5C/evil.example", "/"),
    ("/%2F/evil.example", "/"),
    ("https://evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("/x\nSet-Cookie: planted=1", "/"),
    ("/x%0D%0ASet-Cookie:%20planted=1", "/"),
    ("/x\r", "/"),
    ("/\u{0}", "/"),
    ("/caf\u{e9}", "/"),
    ("", "/"),
];

#[tokio::test]
async fn sign_in_only_ever_leads_to_a_path_on_this_portal() {
    let portal = Portal::build().users(ONE_PER_ROLE).start().await;
    for (next, expected) in HOSTILE_NEXT {
        // As the page's script signs in (the answer names the target) …
        let scripted = portal
            .call(
                None,
                "/api/login",
                &[("username", "sam"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(scripted.status(), StatusCode::OK, "{next:?}");
        assert_eq!(scripted.headers()[LOCATION], *expected, "{next:?}");
        assert!(session_cookie(&scripted).is_some(), "{next:?}");
        // … and as a plain form without JavaScript (a real redirect).
        let plain = portal
            .client
            .post(portal.url("/api/login"))
            .header(reqwest::header::ORIGIN, portal.origin())
            .header(reqwest::header::REFERER, portal.url("/login"))
            .header(ACCEPT, "text/html")
            .form(&[("username", "sam"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(plain.headers()[LOCATION], *expected, "{next:?}");
    }
    // The server is still there after every one of them.
    assert_eq!(portal.get(None, "/healthz").await.status(), StatusCode::OK);
}

/// Removes terminal colour codes from a log line.
fn plain(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(unix)]
#[tokio::test]
async fn a_start_and_its_first_requests_log_no_error() {
    use std::io::{BufRead, BufReader};
    let prepared = Portal::build().users(ONE_PER_ROLE).prepare().await;
    let mut server = Command::new(env!("CARGO_BIN_EXE_bridgekeeper"))
        .arg("serve")
        .env("BRIDGEKEEPER_DATABASE_URL", &prepared.db)
        .env("BRIDGEKEEPER_SECRET_KEY", &prepared.key)
        .env("BRIDGEKEEPER_LISTEN", "127.0.0.1:0")
        .env("BRIDGEKEEPER_SITE_ROOT", prepared.dir.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    for pipe in [
        Box::new(server.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(server.stderr.take().unwrap()),
    ] {
        let lines_tx = lines_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = lines_tx.send(plain(&line));
            }
        });
    }
    drop(lines_tx);
    let mut log = Vec::new();
    let addr = loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(60), lines.recv())
            .await
            .expect("the server starts")
            .expect("the server is running");
        log.push(line.clone());
        if let Some(rest) = line.split("Bridgekeeper listening addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // What a browser asks for first: the sign-in page and the icon (a not-found page).
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/", "/login", "/favicon.ico", "/no/such/file.txt"] {
        let response = client
            .get(format!("http://{addr}{path}"))
            .send()
            .await
            .unwrap();
        assert!(!response.status().is_server_error(), "{path}");
    }
    let cookie = {
        let response = client
            .post(format!("http://{addr}/api/login"))
            .header(reqwest::header::ORIGIN, format!("http://{addr}"))
            .form(&[("username", "root"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        session_cookie(&response).unwrap()
    };
    for path in ["/", "/favicon.ico", "/no/such/page"] {
        let response = client
            .get(format!("http://{addr}{path}"))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert!(!response.status().is_server_error(), "{path}");
    }
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    while let Some(line) = lines.recv().await {
        log.push(line);
    }
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    let errors: Vec<&String> = log
        .iter()
        .filter(|l| l.contains(" ERROR ") || l.contains("panicked"))
        .collect();
    assert!(errors.is_empty(), "errors in the log: {errors:#?}");
    assert!(
        log.iter().any(|l| l.contains("shutting down")),
        "the whole log was read: {log:#?}"
    );
}

/// `n` sign-ins at once with a wrong password: user names and `X-Forwarded-For` as `who` says.
/// Returns every answer's status and body.
async fn wrong_passwords_at_once(
    portal: &Portal,
    n: usize,
    who: impl Fn(usize) -> (String, String),
) -> Vec<(StatusCode, String)> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (username, forwarded_for) = who(i);
        let request = portal
            .client
            .post(portal.url("/api/login"))
            .header(reqwest::header::ORIGIN, portal.origin())
            .header("x-forwarded-for", forwarded_for)
            .form(&[
                ("username", username.as_str()),
                ("password", "a wrong guess"),
            ]);
        tasks.spawn(async move {
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        });
    }
    tasks.join_all().await
}

const INVALID: &str = "Invalid user name or password.";
const THROTTLED: &str = "Too many failed sign-in attempts";
const BUSY: &str = "Try again in a moment";

#[tokio::test]
async fn fifty_parallel_wrong_passwords_are_checked_no_more_than_the_limit() {
    // Patient hashing: every attempt let through is checked, none refused as busy.
    let hashing = HashLimiter::new(2, Duration::from_secs(60));
    let portal = Portal::build()
        .users(ONE_PER_ROLE)
        .password_hashing(hashing.clone())
        .start()
        .await;
    // Without --trusted-proxy, X-Forwarded-For is ignored: all come from 127.0.0.1.
    let answers =
        wrong_passwords_at_once(&portal, 50, |i| ("sam".into(), format!("10.0.0.{i}"))).await;
    let count = |what: &str| answers.iter().filter(|(_, b)| b.contains(what)).count();
    assert_eq!(count(INVALID), 5, "{answers:?}");
    assert_eq!(count(THROTTLED), 45, "{answers:?}");
    assert_eq!(
        hashing.evaluations(),
        5,
        "argon2 ran for the five let through only"
    );
    assert!(hashing.peak() <= 2, "peak {}", hashing.peak());
    assert!(answers.iter().all(|(s, _)| *s == StatusCode::BAD_REQUEST));
    // Even the right password is refused from this address now, and nothing is checked.
    let refused = portal
        .call(
            None,
            "/api/login",
            &[("username", "sam"), ("password", PASSWORD)],
        )
        .await;
    assert!(session_cookie(&refused).is_none());
    assert!(refused.text().await.unwrap().contains(THROTTLED));
    assert_eq!(hashing.evaluations(), 5);
    // Other users are not locked.
    portal.login("hana").await;
}

#[tokio::test]
async fn a_burst_from_many_addresses_is_hashed_a_few_at_a_time_and_locks_no_owner_out() {
    let hashing = HashLimiter::new(2, Duration::from_secs(1));
    let portal = Portal::build()
        .users(ONE_PER_ROLE)
        .throttle(ThrottlePolicy {
            trusted_proxy: true,
            ..ThrottlePolicy::default()
        })
        .password_hashing(hashing.clone())
        .start()
        .await;
    // Fifty user names from fifty addresses: no limit applies, only the cap on hashing at once
    // (each argon2 check holds ~19 MiB: the burst's memory is two checks', not fifty).
    let answers = wrong_passwords_at_once(&portal, 50, |i| {
        (format!("guess{i}"), format!("6.6.6.6, 10.0.1.{i}"))
    })
    .await;
    let count = |what: &str| answers.iter().filter(|(_, b)| b.contains(what)).count();
    assert_eq!(count(INVALID) + count(BUSY), 50, "{answers:?}");
    assert_eq!(count(INVALID) as u64, hashing.evaluations());
    assert!(hashing.peak() <= 2, "peak {}", hashing.peak());
    assert!(hashing.evaluations() >= 2);

    // Five wrong passwords for sam from one address lock sam out from that address only.
    let answers = wrong_passwords_at_once(&portal, 5, |_| ("sam".into(), "10.0.2.1".into())).await;
    assert!(
        answers.iter().all(|(_, b)| !b.contains(THROTTLED)),
        "{answers:?}"
    );
    let sign_in = async |forwarded_for: &str| {
        portal
            .client
            .post(portal.url("/api/login"))
            .header(reqwest::header::ORIGIN, portal.origin())
            .header("x-forwarded-for", forwarded_for)
            .form(&[("username", "sam"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap()
    };
    let attacker = sign_in("10.0.2.1").await;
    assert!(session_cookie(&attacker).is_none());
    let owner = sign_in("10.0.3.1").await;
    assert_eq!(owner.status(), StatusCode::OK);
    assert!(
        session_cookie(&owner).is_some(),
        "the owner signs in from elsewhere"
    );
}

#[tokio::test]
async fn an_active_session_slides_an_idle_one_ends_and_none_outlives_its_lifetime() {
    let clock = Clock::default();
    let portal = Portal::build()
        .users(ONE_PER_ROLE)
        .clock(clock.clone())
        .start()
        .await;
    let minute = Duration::from_secs(60);
    let cookie = portal.login("sam").await;
    // Active every minute for 40 minutes, with a 30-minute idle timeout: still signed in.
    for i in 1..=40 {
        clock.advance(minute);
        if i % 2 == 0 {
            let page = portal.get(Some(&cookie), "/booking").await;
            assert_eq!(page.status(), StatusCode::OK, "minute {i}");
        } else {
            let (status, user) = portal.json(&cookie, "/api/whoami", &[]).await;
            assert_eq!(status, StatusCode::OK, "minute {i}");
            assert_eq!(user["username"], "sam", "minute {i}: {user}");
        }
    }
    // Idle 31 minutes: signed out.
    clock.advance(31 * minute);
    let page = portal.get(Some(&cookie), "/booking").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let (_, user) = portal.json(&cookie, "/api/whoami", &[]).await;
    assert!(user.is_null(), "{user}");

    // Active every 25 minutes: signed out once 12 hours have passed since sign-in.
    let cookie = portal.login("sam").await;
    for i in 1..=40 {
        clock.advance(25 * minute);
        let status = portal.get(Some(&cookie), "/booking").await.status();
        if i * 25 < 12 * 60 {
            assert_eq!(status, StatusCode::OK, "{} minutes in", i * 25);
        } else {
            assert_eq!(status, StatusCode::SEE_OTHER, "{} minutes in", i * 25);
            return;
        }
    }
    panic!("the lifetime never ended the session");
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_is_private_and_holds_no_usable_session_id() {
    use std::os::unix::fs::PermissionsExt;
    let portal = Portal::build().users(ONE_PER_ROLE).start().await;
    let file = portal
        .database_url()
        .trim_start_matches("sqlite://")
        .to_string();
    let files = [file.clone(), format!("{file}-wal"), format!("{file}-shm")];
    // As an older version left them: readable by everyone. A start makes them private.
    for path in &files {
        if std::path::Path::new(path).exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let portal = portal.restart().await;
    let cookie = portal.login("root").await;
    assert_eq!(
        portal.get(Some(&cookie), "/").await.status(),
        StatusCode::OK
    );
    for path in &files {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path}: {mode:o}");
    }
    // A new database is created private too.
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("new.db");
    let store = bridgekeeper::open_store(&format!("sqlite://{}", fresh.display()))
        .await
        .unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", fresh.display());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path}: {mode:o}");
    }
    drop(store);

    let value = cookie.split_once('=').unwrap().1.to_string();
    let id: tower_sessions::session::Id = value.parse().unwrap();
    let bridgekeeper::Database::Sqlite(store) = bridgekeeper::open_store(portal.database_url())
        .await
        .unwrap()
    else {
        panic!("a SQLite portal");
    };
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tower_sessions")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(!ids.is_empty());
    assert!(!ids.contains(&value), "the cookie's id is not stored");
    assert!(
        ids.contains(&bridgekeeper::sessions::stored_id(&id).to_string()),
        "its hash is: {ids:?}"
    );
}

/// On PostgreSQL too, sessions live in the portal's database and under a hash of their id, and
/// a session survives a restart (another node would read it the same way).
#[tokio::test]
async fn postgres_holds_the_sessions_under_hashed_ids() {
    let portal = Portal::build()
        .backend(crate::support::Backend::Postgres)
        .users(ONE_PER_ROLE)
        .start()
        .await;
    let cookie = portal.login("root").await;
    let portal = portal.restart().await;
    assert_eq!(
        portal.get(Some(&cookie), "/").await.status(),
        reqwest::StatusCode::OK,
        "the session outlives the process"
    );
    let value = cookie.split_once('=').unwrap().1.to_string();
    let id: tower_sessions::session::Id = value.parse().unwrap();
    let bridgekeeper::Database::Postgres(store) = bridgekeeper::open_store(portal.database_url())
        .await
        .unwrap()
    else {
        panic!("a PostgreSQL portal");
    };
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tower_sessions.session")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(!ids.is_empty());
    assert!(!ids.contains(&value), "the cookie's id is not stored");
    assert!(
        ids.contains(&bridgekeeper::sessions::stored_id(&id).to_string()),
        "its hash is: {ids:?}"
    );
}

#[tokio::test]
async fn an_unknown_host_is_refused_and_the_origin_must_match_scheme_host_and_port() {
    let portal = Portal::build().users(ONE_PER_ROLE).start().await;
    let port = portal.running.addr.port();
    for host in ["evil.example".to_string(), format!("evil.example:{port}")] {
        let response = portal
            .client
            .get(portal.url("/login"))
            .header(reqwest::header::HOST, &host)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST, "{host}");
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let response = portal
            .client
            .get(portal.url("/login"))
            .header(reqwest::header::HOST, &host)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{host}");
    }
    let sign_in = async |origin: &str| {
        portal
            .client
            .post(portal.url("/api/login"))
            .header(reqwest::header::ORIGIN, origin)
            .form(&[("username", "root"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(sign_in(&portal.origin()).await, StatusCode::OK);
    for origin in [
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        format!("http://localhost:{port}"),
        "http://evil.example".to_string(),
    ] {
        assert_eq!(sign_in(&origin).await, StatusCode::FORBIDDEN, "{origin}");
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_data_is_never_cached() {
    let portal = Portal::build().users(ONE_PER_ROLE).start().await;
    let cookie = portal.login("root").await;
    let page = portal.get(Some(&cookie), "/admin/users").await;
    let api = portal.call(Some(&cookie), "/api/users/list", &[]).await;
    let login = portal.get(None, "/login").await;
    let missing = portal.get(None, "/favicon.ico").await;
    for (what, response) in [
        ("page", &page),
        ("api", &api),
        ("login", &login),
        ("not found", &missing),
    ] {
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{what}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{what}");
    }
    for (what, response) in [("page", &page), ("api", &api), ("login", &login)] {
        assert_eq!(response.headers()["cache-control"], "no-store", "{what}");
    }
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let portal = Portal::build().start().await;
    let mut stream = tokio::net::TcpStream::connect(portal.running.addr)
        .await
        .unwrap();
    stream
        .write_all(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the connection is still open after 20 s");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "closed after {:?}",
        started.elapsed()
    );
    // The server serves others meanwhile and after.
    assert_eq!(portal.get(None, "/healthz").await.status(), StatusCode::OK);
}
