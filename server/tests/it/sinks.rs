//! Hostile text in the page's raw-text sinks (`<textarea>`, `<title>`) and attributes, and the
//! Content-Security-Policy with its per-response nonce: the real server, the raw HTML as each
//! role receives it.

use crate::support::{ONE_PER_ROLE, Portal, form, tomorrow};
use reqwest::StatusCode;
use reqwest::header::CONTENT_SECURITY_POLICY;

/// A system name that would close the `<title>` and break out of a double-quoted attribute.
const NAME: &str = "Evil\" onfocus=\"alert(2)</title><script>alert(1)</script>";
/// A booking note that would close the edit form's `<textarea>` (and an `&` that must stay one).
const NOTE: &str = "R&D </textarea><img src=x onerror=alert(3)>";

/// The page's HTML, after checking that nothing of the payloads is live markup and that its CSP
/// header's nonce is the one every inline script carries.
async fn inert_page(portal: &Portal, cookie: Option<&str>, path: &str) -> String {
    let response = portal.get(cookie, path).await;
    let status = response.status();
    let policy = response
        .headers()
        .get(CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"))
        .to_str()
        .unwrap()
        .to_string();
    let html = response.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status}");
    for live in [
        "<script>alert(",
        "<img src=x",
        "=\"Evil\"",
        "</textarea><img",
        "</title><script",
    ] {
        assert!(!html.contains(live), "{path} holds live markup {live:?}");
    }
    assert_nonce_matches(path, &policy, &html);
    html
}

/// `script-src` allows one nonce, and every `<script` in the page carries exactly it.
fn assert_nonce_matches(path: &str, policy: &str, html: &str) {
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(policy.contains(directive), "{path}: {policy}");
    }
    assert!(!policy.contains("'unsafe-inline' 'nonce"), "{policy}");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("{path}: no nonce in {policy}"));
    assert!(nonce.len() >= 22, "{path}: a short nonce {nonce:?}");
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "{path}: no scripts at all?");
    for script in scripts {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: a script without this response's nonce: <script{tag}>"
        );
    }
}

#[tokio::test]
async fn hostile_text_reaches_every_role_inert_under_a_nonce_policy() {
    let portal = Portal::build()
        .users(ONE_PER_ROLE)
        .system(1)
        .named(NAME)
        .start()
        .await;
    let sam = portal.login("sam").await;
    let root = portal.login("root").await;
    let hana = portal.login("hana").await;
    let system = portal.system().to_string();
    let date = tomorrow();
    let mut booking = form("Review", &date, "10:00", "30", &system, "desk@example.com");
    booking.retain(|(k, _)| *k != "notes");
    booking.push(("notes", NOTE));
    let (status, booked) = portal.json(&sam, "/api/bookings/create", &booking).await;
    assert_eq!(status, StatusCode::OK, "{booked}");
    let meeting = format!("/booking/meetings/{}", booked["meeting"]);

    let escaped_note = "\nR&amp;D &lt;/textarea&gt;&lt;img src=x onerror=alert(3)&gt;</textarea>";
    let escaped_title = "<title>Evil\" onfocus=\"alert(2)&lt;/title&gt;&lt;script&gt;alert(1)\
                         &lt;/script&gt; — Bridgekeeper</title>";
    for (who, cookie) in [("root", &root), ("sam", &sam), ("hana", &hana)] {
        let page = inert_page(&portal, Some(cookie), &meeting).await;
        if who != "hana" {
            // The edit form shows the note: escaped, the parser's dropped newline first.
            assert!(page.contains(escaped_note), "{who}: {page}");
        }
        let detail = inert_page(&portal, Some(cookie), &format!("/systems/{system}")).await;
        assert!(detail.contains(escaped_title), "{who}: {detail}");
        for path in ["/", "/booking", "/booking/new", "/systems", "/monitoring"] {
            let response = portal.get(Some(cookie), path).await;
            if response.status() == StatusCode::OK {
                inert_page(&portal, Some(cookie), path).await;
            }
        }
    }
    // The name in an attribute: quotes as references, the tag intact.
    let settings = inert_page(
        &portal,
        Some(&root),
        &format!("/systems/{system}?tab=settings"),
    )
    .await;
    assert!(
        settings.contains("value=\"Evil&quot; onfocus=&quot;alert(2)&lt;/title&gt;"),
        "{settings}"
    );
    // Signed out, and a page that does not exist, carry the policy too; nonces never repeat.
    let login = inert_page(&portal, None, "/login").await;
    let again = inert_page(&portal, None, "/login").await;
    let nonce = |html: &str| html.split("nonce=\"").nth(1).map(|n| n[..16].to_string());
    assert_ne!(nonce(&login), nonce(&again));
    let missing = portal.get(Some(&root), "/no/such/page").await;
    assert!(missing.headers().get(CONTENT_SECURITY_POLICY).is_some());
}
