//! A database made by the versions before the store became persistence only, with rows in it,
//! upgrades in place: every moment becomes Unix milliseconds (the text columns converted, their
//! instants kept), and the schema keeps no rule of its own (no trigger).

use domain::store::{MonitoringStore, SqliteStore, TicketFilter, TicketStore, UserStore};
use domain::system::SystemId;
use domain::system_status::TraceQuery;
use domain::ticket::TicketKind;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::borrow::Cow;
use std::str::FromStr;

/// The first migration of this change: the ones before it made the databases in use.
const FIRST_NEW: i64 = 20261205000000;

#[tokio::test]
async fn a_database_of_the_previous_version_upgrades_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                SqliteConnectOptions::from_str(&url)
                    .unwrap()
                    .create_if_missing(true)
                    .foreign_keys(true),
            )
            .await
            .unwrap();
        let mut old = sqlx::migrate::Migrator::new(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../migrations/sqlite"
        )))
        .await
        .unwrap();
        let before: Vec<_> = old
            .migrations
            .iter()
            .filter(|m| m.version < FIRST_NEW)
            .cloned()
            .collect();
        assert!(
            before.len() < old.migrations.len(),
            "the new migrations exist"
        );
        old.migrations = Cow::Owned(before);
        old.run(&pool).await.unwrap();
        // Rows as the previous version wrote them: its text times, in each of the forms it used.
        for sql in [
            "INSERT INTO users (username, role, password_hash, created_at) \
             VALUES ('ada', 'admin', 'x', '2026-11-24T08:00:00Z')",
            "INSERT INTO systems (address, username, password_sealed, tls_mode, connectivity, created_at) \
             VALUES ('https://cms.example.com', 'api', 's', 'insecure', 'reachable', '2026-11-24T08:30:00Z')",
            "INSERT INTO tickets (system_id, kind, severity, message, state, raised_at) \
             VALUES (1, 'connection_error', 'major', 'fractions', 'open', '2026-12-04T10:00:00.123456789Z')",
            "INSERT INTO tickets (system_id, kind, severity, message, state, raised_at, closed_at) \
             VALUES (1, 'blank_system_name', 'warning', 'seconds', 'closed', '2026-12-04T09:00:00Z', \
             '2026-12-04T09:30:00Z')",
            "INSERT INTO system_status (system_id, polled_at) VALUES (1, '2026-12-04T11:00:00.5Z')",
            "INSERT INTO api_trace (at, endpoint, method, path, status, duration_ms, response_excerpt) \
             VALUES ('2020-01-01T00:00:00Z', 'https://cms.example.com', 'GET', '/old', 200, 1, '')",
            "INSERT INTO api_trace (at, endpoint, method, path, status, duration_ms, response_excerpt) \
             VALUES ('2026-12-04T12:00:00Z', 'https://cms.example.com', 'GET', '/new', 200, 1, '')",
            "INSERT INTO system_access (system_id, booking, editing, changed_by, changed_at) \
             VALUES (1, 'listed', 'everyone', 'ada', '2026-12-01T00:00:00Z')",
            "INSERT INTO ticket_filters (system_id, kind) VALUES (1, 'dial_number_configuration_error')",
        ] {
            sqlx::query(sql)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        pool.close().await;
    }

    let store = SqliteStore::open(&url).await.unwrap();
    let system = SystemId(1);
    let tickets = store.tickets(&TicketFilter::default()).await.unwrap();
    let raised: Vec<(&str, &str)> = tickets
        .iter()
        .map(|t| (t.message.as_str(), t.raised_at.as_str()))
        .collect();
    assert_eq!(
        raised,
        vec![
            ("seconds", "2026-12-04T09:00:00Z"),
            ("fractions", "2026-12-04T10:00:00.123Z"),
        ]
    );
    let status = store.status_snapshot(system).await.unwrap().unwrap();
    assert_eq!(status.polled_at, "2026-12-04T11:00:00.5Z");
    assert_eq!(store.list_users().await.unwrap().len(), 1);

    // Moments compare as moments: the old trace row goes, the newer one stays.
    let cutoff = time::macros::datetime!(2026-01-01 00:00 UTC);
    assert_eq!(store.prune_trace(cutoff).await.unwrap(), 1);
    let (rows, _) = store
        .trace_page(
            &["https://cms.example.com".to_string()],
            &TraceQuery {
                page: 1,
                ..TraceQuery::default()
            },
            10,
        )
        .await
        .unwrap();
    let kept: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.path.as_str(), r.at.as_str()))
        .collect();
    assert_eq!(kept, vec![("/new", "2026-12-04T12:00:00Z")]);

    // Every time column is milliseconds; no trigger holds a rule.
    let text_times: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND p.type <> 'INTEGER' \
         AND (p.name = 'at' OR p.name LIKE '%\\_at' ESCAPE '\\')",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(text_times.is_empty(), "{text_times:?}");
    let triggers: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(triggers, 0);

    // The hidden kind stays hidden (by the rule in Rust now); others are raised, with the time
    // of their raising as milliseconds like the rest.
    store
        .raise_ticket(system, TicketKind::DialNumberConfigurationError, "hidden")
        .await
        .unwrap();
    store
        .raise_ticket(system, TicketKind::BlankSystemName, "raised")
        .await
        .unwrap();
    let messages: Vec<String> = store
        .tickets(&TicketFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.message)
        .collect();
    assert_eq!(messages, vec!["raised", "seconds", "fractions"]);
    let raised_ms: i64 =
        sqlx::query_scalar("SELECT raised_ms FROM tickets WHERE message = 'raised'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let now = domain::store::millis::now_ms();
    assert!(
        (now - 60_000..=now).contains(&raised_ms),
        "{raised_ms} vs {now}"
    );
}
