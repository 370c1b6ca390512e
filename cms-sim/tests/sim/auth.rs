//! Basic auth: 401 with the realm and an empty body, configurable credentials, HTTPS.

use crate::common::{Client, start};
use cms_sim::SimConfig;

#[tokio::test]
async fn missing_or_wrong_credentials_get_401() {
    let (cluster, client) = start(SimConfig {
        username: "api".to_owned(),
        password: "s3cret:with:colons".to_owned(),
        ..SimConfig::default()
    })
    .await;
    assert!(client.base.starts_with("https://127.0.0.1:"));
    for credentials in [None, Some(("admin", "admin")), Some(("api", "wrong"))] {
        let reply = client
            .with_credentials(credentials)
            .get("/api/v1/system/status")
            .await;
        assert_eq!(reply.status, 401, "{credentials:?}");
        assert_eq!(reply.body, "");
        assert_eq!(
            reply.www_authenticate.as_deref(),
            Some("Basic realm=\"acano\"")
        );
    }
    let ok = client
        .with_credentials(Some(("api", "s3cret:with:colons")))
        .get("/api/v1/system/status")
        .await;
    assert_eq!(ok.status, 200);
    // The control API needs no CMS credentials.
    let control = client.with_credentials(None).get("/_sim/faults").await;
    assert_eq!(control.status, 200);
    assert!(
        cluster
            .requests()
            .iter()
            .all(|r| !r.path.starts_with("/_sim"))
    );
}

#[tokio::test]
async fn the_certificate_is_self_signed_for_loopback() {
    let (cluster, _client) = start(SimConfig::default()).await;
    let pem = cluster.cert_pem().expect("a certificate when TLS");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    // A client that does not trust the certificate cannot connect.
    let untrusting = reqwest::Client::new();
    let refused = untrusting
        .get(format!("{}/api/v1/system/status", cluster.base_urls()[0]))
        .send()
        .await;
    assert!(refused.is_err());
    // One that pins it can, by name too.
    let port = cluster.base_urls()[0]
        .rsplit(':')
        .next()
        .expect("port")
        .to_owned();
    let mut by_name = Client::for_node(&cluster, 0);
    by_name.base = format!("https://localhost:{port}");
    assert_eq!(by_name.get("/api/v1/system/status").await.status, 200);
}

#[tokio::test]
async fn plain_http_when_asked() {
    let (cluster, client) = start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await;
    assert!(cluster.cert_pem().is_none());
    assert!(client.base.starts_with("http://"));
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);
}

#[tokio::test]
async fn a_certificate_from_an_earlier_run_is_served_again() {
    let (first, _client) = start(SimConfig::default()).await;
    let identity = first.tls_identity().expect("TLS identity");
    first.shutdown().await;
    let (second, client) = start(SimConfig {
        tls_identity: Some(identity.clone()),
        ..SimConfig::default()
    })
    .await;
    assert_eq!(second.cert_pem(), Some(identity.cert_pem));
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);
    let broken = cms_sim::Cluster::start(SimConfig {
        tls_identity: Some(cms_sim::TlsIdentity {
            cert_pem: "garbage".to_owned(),
            key_pem: "garbage".to_owned(),
        }),
        ..SimConfig::default()
    })
    .await;
    assert!(broken.is_err());
}
