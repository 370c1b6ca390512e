//! The store's errors keep what caused them: the database's own error as the source, with what
//! the store was doing, so logs show the cause and callers can tell the kinds apart.

use domain::store::{SqliteStore, StoreError, UserStore};
use std::error::Error as _;

fn source_is_sqlx(e: &StoreError) -> bool {
    e.source()
        .and_then(|s| s.downcast_ref::<sqlx::Error>())
        .is_some()
}

#[tokio::test]
async fn a_database_that_cannot_be_opened_says_so_with_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        dir.path().join("missing-dir").join("x.db").display()
    );
    let e = SqliteStore::open(&url).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Protect { .. } | StoreError::Database { .. }),
        "{e:?}"
    );
    assert!(e.source().is_some(), "the cause is kept: {e:?}");
}

#[tokio::test]
async fn a_failed_query_keeps_the_database_error_as_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("errors.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    sqlx::query("PRAGMA foreign_keys = OFF; DROP TABLE users")
        .execute(&mut *conn)
        .await
        .unwrap();
    let e = store.list_users().await.unwrap_err();
    assert!(matches!(e, StoreError::Database { .. }), "{e:?}");
    assert!(source_is_sqlx(&e), "the sqlx error is the source: {e:?}");
    let sqlx::Error::Database(db) = e.source().unwrap().downcast_ref::<sqlx::Error>().unwrap()
    else {
        panic!("not a database error: {e:?}");
    };
    assert!(db.message().contains("users"), "{}", db.message());
    // What the logs show (`%e`) names the cause as well as what the store was doing.
    let shown = e.to_string();
    assert!(
        shown.starts_with("database: ") && shown.contains(db.message()),
        "{shown}"
    );
}

#[tokio::test]
async fn an_unknown_stored_value_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("corrupt.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    // A value no version of the portal writes (edited by hand, or from a newer version).
    let mut conn = store.pool().acquire().await.unwrap();
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO users (username, role, password_hash) VALUES ('mallory', 'emperor', 'x')",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    match store.list_users().await.unwrap_err() {
        StoreError::Corrupt { what, value } => {
            assert_eq!((what, value.as_str()), ("role", "emperor"));
        }
        other => panic!("{other:?}"),
    }
}
