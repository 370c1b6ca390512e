//! HTTPS the way a CMS ships it: a self-signed certificate, generated at start for
//! `127.0.0.1` and `localhost` (plus the bind address), or one given back from an earlier run
//! so that clients that pinned it keep trusting the simulator.

use anyhow::Context;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::IpAddr;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// A certificate and its private key, both PEM.
#[derive(Clone)]
pub struct TlsIdentity {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"*****")
            .finish()
    }
}

impl TlsIdentity {
    /// A fresh self-signed certificate for loopback (and `bind` when it is a real address).
    pub fn self_signed(bind: IpAddr) -> anyhow::Result<Self> {
        let mut names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        if !bind.is_unspecified() && !bind.is_loopback() {
            names.push(bind.to_string());
        }
        let certified = rcgen::generate_simple_self_signed(names)
            .context("generating the self-signed certificate")?;
        Ok(TlsIdentity {
            cert_pem: certified.cert.pem(),
            key_pem: certified.key_pair.serialize_pem(),
        })
    }

    pub(crate) fn acceptor(&self) -> anyhow::Result<TlsAcceptor> {
        let cert = CertificateDer::from_pem_slice(self.cert_pem.as_bytes())
            .context("reading the certificate PEM")?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .context("reading the private key PEM")?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("choosing TLS versions")?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .context("loading the certificate and its key")?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_identity_loads() {
        let identity = TlsIdentity::self_signed(IpAddr::from([127, 0, 0, 1])).expect("generated");
        assert!(identity.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(identity.acceptor().is_ok());
        assert!(!format!("{identity:?}").contains("PRIVATE KEY"));
    }

    #[test]
    fn a_broken_identity_is_an_error() {
        let identity = TlsIdentity {
            cert_pem: "not a certificate".to_owned(),
            key_pem: String::new(),
        };
        assert!(identity.acceptor().is_err());
    }
}
