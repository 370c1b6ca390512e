//! Security of the server as shipped (issue 11): where sign-in may lead, the log at start, the
//! login throttle, sessions, the database file, Host and Origin checks, response headers,
//! timeouts and refused arguments. Real server, real SQLite file, real HTTP.

use crate::support::{ONE_PER_ROLE, PASSWORD, Portal, session_cookie};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, LOCATION};
use std::process::{Command, Stdio};

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
        assert_eq!(plain.status(), StatusCode::FOUND, "{next:?}");
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
