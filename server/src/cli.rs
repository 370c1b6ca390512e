//! The command line: `bridgekeeper serve` and `bridgekeeper user add`. Every flag can also come
//! from a `BRIDGEKEEPER_…` environment variable.

use crate::{DEFAULT_DATABASE_URL, ServerConfig};
use clap::{Args, Parser, Subcommand};
use domain::login_throttle::{HashLimiter, ThrottlePolicy};
use domain::password::PasswordPolicy;
use domain::secret_box::SecretBox;
use std::net::SocketAddr;

#[derive(Debug, Parser)]
#[command(
    name = "bridgekeeper",
    version,
    about = "Scheduling portal for Cisco Meeting Server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web portal.
    Serve(ServeArgs),
    /// Manage portal users from the command line (first-run set-up).
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE` (the default, a file in the working directory, created if
    /// missing) or `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (an existing database;
    /// several portal nodes may share it).
    #[arg(long, env = "BRIDGEKEEPER_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "BRIDGEKEEPER_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Directory holding the built site (`pkg/` with the wasm bundle and stylesheet).
    #[arg(long, env = "BRIDGEKEEPER_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// Demo mode: create the demo users (passwords printed once at start).
    #[arg(long, env = "BRIDGEKEEPER_DEMO")]
    pub demo: bool,
    /// Demo mode: ports of the two simulated CMS call bridges started beside the portal.
    #[arg(long, env = "BRIDGEKEEPER_DEMO_CMS_PORTS", value_delimiter = ',', default_values_t = [4443, 4444])]
    pub demo_cms_ports: Vec<u16>,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "BRIDGEKEEPER_IDLE_TIMEOUT_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=10080))]
    pub idle_timeout_minutes: u32,
    /// Minimum length of a new password.
    #[arg(long, env = "BRIDGEKEEPER_MIN_PASSWORD_LENGTH", default_value_t = 12, value_parser = clap::value_parser!(u16).range(8..=128))]
    pub min_password_length: u16,
    /// Hours after sign-in at which a session ends, however active.
    #[arg(long, env = "BRIDGEKEEPER_SESSION_LIFETIME_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=720))]
    pub session_lifetime_hours: u32,
    /// Failed sign-ins allowed per user name from one client address within 15 minutes.
    #[arg(long, env = "BRIDGEKEEPER_LOGIN_ATTEMPTS_PER_USER", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub login_attempts_per_user: u32,
    /// Failed sign-ins allowed per user name from all addresses together within 15 minutes
    /// (reaching it locks the account for everyone until then: keep it well above the former).
    #[arg(long, env = "BRIDGEKEEPER_LOGIN_ATTEMPTS_PER_USER_ALL_ADDRESSES", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub login_attempts_per_user_all_addresses: u32,
    /// Failed sign-ins allowed per client address within 15 minutes.
    #[arg(long, env = "BRIDGEKEEPER_LOGIN_ATTEMPTS_PER_ADDRESS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub login_attempts_per_address: u32,
    /// The portal is behind a reverse proxy that sets X-Forwarded-For: the last address in it
    /// is the client's (for the sign-in limits). Never set it without such a proxy.
    #[arg(long, env = "BRIDGEKEEPER_TRUSTED_PROXY")]
    pub trusted_proxy: bool,
    /// Password checks (argon2, ~19 MiB each) computed at once; further sign-ins wait up to a
    /// second, then are asked to try again.
    #[arg(long, env = "BRIDGEKEEPER_CONCURRENT_PASSWORD_CHECKS", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrent_password_checks: u16,
    /// File holding the key that seals CMS passwords at rest (created at first run, mode 0600).
    #[arg(
        long,
        env = "BRIDGEKEEPER_SECRET_KEY_FILE",
        default_value = "bridgekeeper.key"
    )]
    pub secret_key_file: std::path::PathBuf,
    /// The key itself (32 bytes, base64), instead of the key file.
    #[arg(long, env = "BRIDGEKEEPER_SECRET_KEY", hide_env_values = true, value_parser = secret)]
    pub secret_key: Option<domain::Redacted>,
    /// The origin users reach the portal at, e.g. https://portal.example.com (behind a reverse
    /// proxy, or when listening on 0.0.0.0): only that Host is served and only pages from it may
    /// post. Without it: the listen address (and localhost names on loopback).
    #[arg(long, env = "BRIDGEKEEPER_PUBLIC_URL", value_parser = crate::origins::Origin::parse_public_url)]
    pub public_url: Option<crate::origins::Origin>,
    /// Mark the session cookie Secure. Set this when users reach the portal over HTTPS
    /// (for example behind a TLS-terminating reverse proxy).
    #[arg(long, env = "BRIDGEKEEPER_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Seconds between two reads of every system's status (monitoring).
    #[arg(long, env = "BRIDGEKEEPER_MONITOR_INTERVAL_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..=86_400))]
    pub monitor_interval_seconds: u64,
    /// Systems monitoring polls at once, at most.
    #[arg(long, env = "BRIDGEKEEPER_MONITOR_CONCURRENCY", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub monitor_concurrency: u16,
    /// Days the CMS API trace (each system's Logs tab) is kept.
    #[arg(long, env = "BRIDGEKEEPER_TRACE_RETENTION_DAYS", default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub trace_retention_days: u32,
    /// Seconds the engine's lease lasts unrenewed: another process serving the same database
    /// takes the engine over this long after this one dies.
    #[arg(long, env = "BRIDGEKEEPER_LEASE_SECONDS", default_value_t = 8, value_parser = clap::value_parser!(u64).range(2..=300))]
    pub lease_seconds: u64,
}

/// A secret flag's value: masked in `Debug`.
fn secret(text: &str) -> Result<domain::Redacted, std::convert::Infallible> {
    Ok(domain::Redacted::new(text))
}

impl ServeArgs {
    /// Monitoring and API trace retention.
    pub fn background(&self) -> crate::background::Background {
        crate::background::Background {
            monitor_interval: std::time::Duration::from_secs(self.monitor_interval_seconds),
            monitor_concurrency: usize::from(self.monitor_concurrency),
            trace_retention: std::time::Duration::from_secs(
                u64::from(self.trace_retention_days) * 86_400,
            ),
            lease_ttl: std::time::Duration::from_secs(self.lease_seconds),
        }
    }

    pub fn config(&self) -> anyhow::Result<ServerConfig> {
        let secrets = match &self.secret_key {
            Some(key) => SecretBox::from_base64(key.expose())?,
            None => SecretBox::from_key_file(&self.secret_key_file)?,
        };
        Ok(ServerConfig {
            listen: self.listen,
            database_url: self.database.database_url.clone(),
            site_root: self.site_root.clone(),
            idle_timeout: time::Duration::minutes(i64::from(self.idle_timeout_minutes)),
            session_lifetime: time::Duration::hours(i64::from(self.session_lifetime_hours)),
            clock: domain::session::Clock::default(),
            password_policy: PasswordPolicy {
                min_length: usize::from(self.min_password_length),
            },
            throttle: ThrottlePolicy {
                per_user_and_address: self.login_attempts_per_user,
                per_username: self.login_attempts_per_user_all_addresses,
                per_address: self.login_attempts_per_address,
                trusted_proxy: self.trusted_proxy,
                ..ThrottlePolicy::default()
            },
            password_hashing: HashLimiter::new(
                usize::from(self.concurrent_password_checks),
                domain::login_throttle::DEFAULT_HASH_WAIT,
            ),
            public_url: self.public_url.clone(),
            secure_cookies: self.secure_cookies,
            secrets,
            demo_cms: None,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from standard input (prompted for on a terminal).
    Add {
        #[arg(long)]
        username: String,
        /// admin, scheduler or helpdesk.
        #[arg(long)]
        role: String,
        /// Minimum password length, as for the portal.
        #[arg(long, env = "BRIDGEKEEPER_MIN_PASSWORD_LENGTH", default_value_t = 12)]
        min_password_length: u16,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_have_sane_defaults() {
        let key = SecretBox::generate_key();
        let cli = Cli::try_parse_from(["bridgekeeper", "serve", "--secret-key", &key]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve expected")
        };
        let config = args.config().unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.password_policy.min_length, 12);
        assert!(!config.secure_cookies);
        let background = args.background();
        assert_eq!(background.monitor_interval.as_secs(), 60);
        assert_eq!(background.trace_retention.as_secs(), 14 * 86_400);
    }

    #[test]
    fn bad_values_are_refused_with_the_flag_named() {
        let err =
            Cli::try_parse_from(["bridgekeeper", "serve", "--listen", "nowhere"]).unwrap_err();
        assert!(err.to_string().contains("--listen"), "{err}");
        let err = Cli::try_parse_from(["bridgekeeper", "serve", "--min-password-length", "3"])
            .unwrap_err();
        assert!(err.to_string().contains("--min-password-length"), "{err}");
    }
}
