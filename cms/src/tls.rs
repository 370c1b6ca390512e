//! Per-system TLS trust: system roots (default), one pinned certificate, or none (explicit).
//!
//! CMS ships self-signed certificates, so "trust exactly this certificate" is the common case.
//! Pinning compares the server's certificate byte for byte with the uploaded one; the handshake
//! signatures are still checked, so only the holder of that certificate's key gets through.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TlsMode {
    /// Verify the chain and host name against the operating system's and Mozilla's roots.
    #[default]
    VerifySystemRoots,
    /// Accept exactly this certificate (typically CMS's self-signed one).
    PinnedCertificate(PinnedCertificate),
    /// Do not verify the server at all. Only when an administrator says so.
    NoVerification,
}

/// A certificate parsed from PEM at configuration time, so a bad upload fails early.
#[derive(Clone, PartialEq, Eq)]
pub struct PinnedCertificate {
    der: CertificateDer<'static>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a PEM certificate: {0}")]
pub struct CertificateError(String);

impl PinnedCertificate {
    /// Reads the first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(pem: &str) -> Result<PinnedCertificate, CertificateError> {
        let der = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|err| CertificateError(err.to_string()))?;
        Ok(PinnedCertificate { der })
    }
}

impl fmt::Debug for PinnedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PinnedCertificate({} bytes DER)", self.der.len())
    }
}

/// The rustls configuration for modes reqwest cannot express itself; `None` means reqwest's
/// own root-verifying configuration.
pub(crate) fn client_config(mode: &TlsMode) -> Result<Option<rustls::ClientConfig>, rustls::Error> {
    let expected = match mode {
        TlsMode::VerifySystemRoots => return Ok(None),
        TlsMode::PinnedCertificate(pinned) => Some(pinned.der.clone()),
        TlsMode::NoVerification => None,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(PinnedOrAny {
        expected,
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(config))
}

/// Accepts the pinned certificate only (or, with `expected: None`, any certificate).
#[derive(Debug)]
struct PinnedOrAny {
    expected: Option<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedOrAny {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.expected {
            Some(expected) if expected.as_ref() != end_entity.as_ref() => Err(
                rustls::Error::General("the server's certificate is not the pinned one".into()),
            ),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(PinnedCertificate::from_pem("").is_err());
        assert!(PinnedCertificate::from_pem("-----BEGIN CERTIFICATE-----\n%%%\n").is_err());
        assert!(
            PinnedCertificate::from_pem(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            )
            .is_err()
        );
    }

    #[test]
    fn a_pem_block_is_read_and_debug_shows_no_bytes() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAECAw==\n-----END CERTIFICATE-----\n";
        let pinned = PinnedCertificate::from_pem(pem).unwrap();
        assert_eq!(pinned.der.as_ref(), &[0, 1, 2, 3]);
        assert_eq!(format!("{pinned:?}"), "PinnedCertificate(4 bytes DER)");
    }

    #[test]
    fn only_modes_reqwest_lacks_get_a_custom_config() {
        assert!(
            client_config(&TlsMode::VerifySystemRoots)
                .unwrap()
                .is_none()
        );
        assert!(client_config(&TlsMode::NoVerification).unwrap().is_some());
    }
}
