//! Secrets at rest (CMS passwords): sealed with XChaCha20-Poly1305 under the portal's key, which
//! comes from configuration or a key file created at first run.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::fmt;
use std::path::Path;

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox(*****)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretBoxError {
    #[error("the secret key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("a stored secret cannot be opened (wrong key or damaged data)")]
    Unreadable,
}

impl SecretBox {
    /// From a base64-encoded 32-byte key.
    pub fn from_base64(key: &str) -> Result<Self, SecretBoxError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| SecretBoxError::BadKey)?;
        let cipher =
            XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| SecretBoxError::BadKey)?;
        Ok(Self { cipher })
    }

    /// A fresh random key (tests, first run).
    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    /// Reads the key file, creating it (readable by the owner only) when it does not exist.
    pub fn from_key_file(path: &Path) -> Result<Self, SecretBoxError> {
        let io = |source| SecretBoxError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(key) => Self::from_base64(&key),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate_key();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(io)?;
                std::io::Write::write_all(&mut file, key.as_bytes()).map_err(io)?;
                Self::from_base64(&key)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// `base64(nonce ‖ ciphertext)`.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    pub fn open(&self, sealed: &str) -> Result<String, SecretBoxError> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| SecretBoxError::Unreadable)?;
        if bytes.len() < 24 {
            return Err(SecretBoxError::Unreadable);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretBoxError::Unreadable)?;
        String::from_utf8(plain).map_err(|_| SecretBoxError::Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_and_tamper_detection() {
        let secrets = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        let sealed = secrets.seal("cms password");
        assert!(!sealed.contains("cms password"));
        assert_ne!(
            sealed,
            secrets.seal("cms password"),
            "a fresh nonce each time"
        );
        assert_eq!(secrets.open(&sealed).unwrap(), "cms password");
        let other = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        assert!(other.open(&sealed).is_err());
        assert!(secrets.open("AAAA").is_err());
        assert!(SecretBox::from_base64("short").is_err());
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        let first = SecretBox::from_key_file(&path).unwrap();
        let sealed = first.seal("x");
        let second = SecretBox::from_key_file(&path).unwrap();
        assert_eq!(second.open(&sealed).unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
