//! The store's contract, written once and run on both backends: every test below is instantiated
//! as `store::sqlite::NAME` (a SQLite file in a temporary directory) and `store::postgres::NAME`
//! (a fresh database on the test PostgreSQL server, see [`crate::pg`]). A test takes only the
//! port (`Arc<dyn Store>`), so both implementations answer the same questions.

mod contract;

use domain::store::{PgStore, SqliteStore, Store};
use std::sync::Arc;

/// A store on an empty database, and what keeps that database alive.
pub struct Fresh {
    pub store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
}

impl Fresh {
    pub async fn sqlite() -> Fresh {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        Fresh {
            store: Arc::new(SqliteStore::open(&url).await.unwrap()),
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> Fresh {
        let url = crate::pg::fresh_database().await;
        Fresh {
            store: Arc::new(PgStore::open(&url).await.unwrap()),
            _dir: None,
        }
    }
}

/// Instantiates each contract test for both backends (on a multi-threaded runtime: the racing
/// tests race for real).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let fresh = super::Fresh::sqlite().await;
                    super::contract::$name(fresh.store.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let fresh = super::Fresh::postgres().await;
                    super::contract::$name(fresh.store.clone()).await;
                }
            )*
        }
    };
}

on_both_backends!(
    users_and_the_last_admin_guard,
    racing_demotions_leave_an_administrator,
    systems_are_saved_read_and_changed,
    tickets_are_raised_once_closed_filtered_and_paged,
    hidden_ticket_kinds_are_not_raised,
    access_lists_are_saved_and_read,
    the_audit_lists_what_users_did_newest_first,
    folders_refuse_a_cycle_and_deletion_moves_their_contents,
    monitoring_keeps_settings_polls_and_the_trace,
    the_lease_has_one_holder_and_fences_a_stale_epoch,
    bookings_are_saved_listed_and_changed,
    a_placeholder_claimed_twice_refuses_only_the_second_step,
    racing_bookings_for_the_last_placeholder_leave_one_winner,
    the_engines_doorbell_wakes_a_watcher,
    provisioning_progress_is_kept_per_system,
    a_provisioning_starts_once_over_the_report_it_read,
);
