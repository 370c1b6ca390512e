//! The Content-Security-Policy: every response carries one, with a fresh nonce that is the only
//! way an inline script runs (Leptos's hydration scripts and the shell's zone script carry it).
//! An injected `<script>` or `onerror=` attribute in a page is refused by the browser even if it
//! ever slipped past escaping.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;
use std::sync::Arc;

/// This request's nonce, in the request's extensions for the page renderer.
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

/// 128 random bits from the thread's CSPRNG, hex (a valid nonce and header value as it is).
fn new_nonce() -> Arc<str> {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into()
}

/// The policy for a response whose inline scripts carry `nonce`. Styles: the stylesheet, plus
/// `style` attributes (the calendar positions its blocks with them), never `<style>` elements.
pub fn policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'self'; object-src 'none'"
    )
}

/// Middleware: makes the nonce, hands it to the renderer, sets the policy on the response.
pub async fn content_security_policy(mut request: Request, next: Next) -> Response {
    let nonce = new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&policy(&nonce)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// In a page's render context: the request's nonce as Leptos's [`leptos::nonce::Nonce`], so
/// `HydrationScripts`, the streamed resource scripts and `use_nonce()` all use the one the
/// header allows (replacing the random one leptos_axum provides on its own).
pub fn provide_request_nonce() {
    let nonce = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        leptos::prelude::provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_fresh_and_header_safe() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(HeaderValue::from_str(&policy(&a)).is_ok());
        assert!(policy(&a).contains(&format!("'nonce-{a}'")));
    }
}
