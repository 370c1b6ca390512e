//! A real `bridgekeeper serve` process on a prepared database, spoken to over HTTP as a browser
//! behind a load balancer would: the harness of the tests with several nodes.

use super::{PASSWORD, Prepared, session_cookie};
use crate::support::process::{exited, signal};
use reqwest::header::{COOKIE, ORIGIN};
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One `bridgekeeper serve` process and the address it listens at.
pub struct Node {
    pub child: Child,
    pub base: String,
    pub client: Client,
    /// Every line it has logged so far, colour codes removed.
    log: Arc<Mutex<Vec<String>>>,
}

/// Starts a node on the prepared database at a port of its choosing, with a 3-second lease, and
/// reads the address from its log.
pub async fn node(prepared: &Prepared) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bridgekeeper"))
        .arg("serve")
        .env("BRIDGEKEEPER_DATABASE_URL", &prepared.db)
        .env("BRIDGEKEEPER_SECRET_KEY", &prepared.key)
        .env("BRIDGEKEEPER_LISTEN", "127.0.0.1:0")
        .env("BRIDGEKEEPER_SITE_ROOT", prepared.dir.path())
        .env("BRIDGEKEEPER_LEASE_SECONDS", "3")
        .env("RUST_LOG", "info,sqlx=warn")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (found, mut listening) = tokio::sync::mpsc::unbounded_channel();
    let log = Arc::new(Mutex::new(Vec::new()));
    let lines = log.clone();
    // Reads the log to its end, so the node never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let line = plain(&line);
            if line.contains("Bridgekeeper listening")
                && let Some(addr) = line.split("addr=").nth(1)
            {
                let _ = found.send(addr.split_whitespace().next().unwrap_or("").to_string());
            }
            lines.lock().unwrap().push(line);
        }
    });
    let addr = tokio::time::timeout(Duration::from_secs(60), listening.recv())
        .await
        .expect("the node logs its address")
        .expect("the node logs its address");
    Node {
        child,
        base: format!("http://{addr}"),
        client: Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .unwrap(),
        log,
    }
}

/// The line without terminal colour codes.
fn plain(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Node {
    /// What the node has logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub async fn get(&self, cookie: Option<&str>, path: &str) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    pub async fn call(
        &self,
        cookie: Option<&str>,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(ORIGIN, &self.base)
            .form(form);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn login(&self, username: &str) -> String {
        let response = self
            .client
            .post(format!("{}/api/login", self.base))
            .header(ORIGIN, &self.base)
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        session_cookie(&response).expect("a session cookie")
    }

    pub async fn ready(&self) -> (StatusCode, Value) {
        let response = self.get(None, "/readyz").await;
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn stop(self) {
        signal(&self.child, "-TERM");
        assert!(exited(self.child).await.success());
    }
}
