//! Passwords: the policy a new one must meet, and argon2id hashing kept off the async executor.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::fmt;

/// What a new password must satisfy. The minimum length is configurable (default 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_length: 12 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("must be at least {0} characters long")]
    TooShort(usize),
    #[error("must be at most 256 characters long")]
    TooLong,
    #[error("must not be only spaces")]
    Blank,
}

/// A password that meets the policy. Its `Debug` never shows it.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(input: String, policy: &PasswordPolicy) -> Result<Self, PasswordError> {
        let length = input.chars().count();
        if length < policy.min_length {
            return Err(PasswordError::TooShort(policy.min_length));
        }
        if length > 256 {
            return Err(PasswordError::TooLong);
        }
        if input.trim().is_empty() {
            return Err(PasswordError::Blank);
        }
        Ok(Self(input))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(*****)")
    }
}

/// An argon2id PHC string, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHashString(pub String);

impl fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHashString(*****)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// Hashes with argon2id on a blocking thread: hashing takes tens of milliseconds of CPU.
pub async fn hash(password: &NewPassword) -> Result<PasswordHashString, HashError> {
    let plain = password.0.clone();
    tokio::task::spawn_blocking(move || hash_blocking(&plain)).await?
}

fn hash_blocking(plain: &str) -> Result<PasswordHashString, HashError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(plain.as_bytes(), &salt)
        .map(|h| PasswordHashString(h.to_string()))
        .map_err(|e| HashError::Hash(e.to_string()))
}

/// Verifies on a blocking thread. With no stored hash (unknown user) it verifies against a fixed
/// dummy hash so that a wrong user name takes as long as a wrong password.
pub async fn verify(plain: String, stored: Option<PasswordHashString>) -> Result<bool, HashError> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = match stored {
            Some(h) => h,
            None => dummy_hash().clone(),
        };
        let parsed = PasswordHash::new(&stored.0).map_err(|e| HashError::Hash(e.to_string()))?;
        let matches = Argon2::default()
            .verify_password(plain.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await?
}

fn dummy_hash() -> &'static PasswordHashString {
    static DUMMY: std::sync::OnceLock<PasswordHashString> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking("bridgekeeper-timing-equaliser").expect("hashing a constant cannot fail")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_enforces_length() {
        let policy = PasswordPolicy { min_length: 12 };
        assert_eq!(
            NewPassword::parse("short".into(), &policy).unwrap_err(),
            PasswordError::TooShort(12)
        );
        assert_eq!(
            NewPassword::parse(" ".repeat(12), &policy).unwrap_err(),
            PasswordError::Blank
        );
        assert!(NewPassword::parse("correct horse battery".into(), &policy).is_ok());
        let debug = format!(
            "{:?}",
            NewPassword::parse("correct horse battery".into(), &policy)
        );
        assert!(!debug.contains("horse"), "{debug}");
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let policy = PasswordPolicy::default();
        let password = NewPassword::parse("correct horse battery".into(), &policy).unwrap();
        let hashed = hash(&password).await.unwrap();
        assert!(hashed.0.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery".into(), Some(hashed.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("wrong horse battery".into(), Some(hashed))
                .await
                .unwrap()
        );
        assert!(
            !verify("bridgekeeper-timing-equaliser".into(), None)
                .await
                .unwrap()
        );
    }
}
