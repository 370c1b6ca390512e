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
