//! A fresh PostgreSQL database per test, on the server `BRIDGEKEEPER_TEST_PG` names (a superuser
//! URL; `scripts/test.sh` starts that server with `scripts/postgres.sh`). Without the variable,
//! the first test to ask starts a server itself through the same script, stopped once this test
//! process has ended: a PostgreSQL test never silently skips. Shared by the domain's and the
//! server's test binaries (the server's includes this file).

use std::sync::OnceLock;

/// The test server's superuser URL.
fn server() -> &'static str {
    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("BRIDGEKEEPER_TEST_PG")
            && !url.trim().is_empty()
        {
            return url.trim().to_string();
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/postgres.sh");
        let pid = std::process::id().to_string();
        let dir = std::env::temp_dir().join(format!("bridgekeeper-test-pg-{pid}"));
        let out = std::process::Command::new(script)
            .arg("start")
            .arg(&dir)
            .args(["--watch", &pid])
            .output()
            .unwrap_or_else(|e| panic!("running {script}: {e}"));
        assert!(
            out.status.success(),
            "{script} start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("a URL")
            .trim()
            .to_string()
    })
}

/// Creates an empty database (`bk_` and random hex) on the test server; its URL.
pub async fn fresh_database() -> String {
    let server = tokio::task::spawn_blocking(server)
        .await
        .expect("starting the test PostgreSQL");
    fresh_database_on(server).await
}

/// Creates an empty database (`bk_` and random hex) on the server `server` (a superuser URL); its
/// URL.
pub async fn fresh_database_on(server: &str) -> String {
    let name = format!("bk_{:016x}", rand::random::<u64>());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(server)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test PostgreSQL at {server}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let (base, _) = server
        .split('?')
        .next()
        .unwrap_or(server)
        .rsplit_once('/')
        .expect("a database URL ends in /DATABASE");
    format!("{base}/{name}")
}

/// A PostgreSQL server of one test's own, which the test may stop and start again (a database
/// outage) without disturbing the other tests; stopped and removed when dropped.
#[allow(dead_code)] // the server's tests use it, the domain's do not
pub struct PrivateServer {
    dir: std::path::PathBuf,
    url: String,
}

#[allow(dead_code)]
fn script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/postgres.sh")
}

#[allow(dead_code)]
fn run(args: &[&std::ffi::OsStr]) -> String {
    let out = std::process::Command::new(script())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script()));
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}",
        script(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("text")
        .trim()
        .to_string()
}

#[allow(dead_code)]
impl PrivateServer {
    pub async fn start() -> PrivateServer {
        let dir = std::env::temp_dir().join(format!(
            "bridgekeeper-test-pg-own-{:016x}",
            rand::random::<u64>()
        ));
        let pid = std::process::id().to_string();
        let url = {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || {
                run(&[
                    "start".as_ref(),
                    dir.as_os_str(),
                    "--watch".as_ref(),
                    pid.as_ref(),
                ])
            })
            .await
            .expect("starting a PostgreSQL")
        };
        PrivateServer { dir, url }
    }

    /// A fresh database on this server; its URL.
    pub async fn fresh_database(&self) -> String {
        fresh_database_on(&self.url).await
    }

    /// Stops the server, keeping its data (the database is unreachable until [`Self::resume`]).
    pub fn pause(&self) {
        run(&["pause".as_ref(), self.dir.as_os_str()]);
    }

    /// Starts the paused server again, on the same port.
    pub fn resume(&self) {
        run(&["resume".as_ref(), self.dir.as_os_str()]);
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script())
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}
