//! Per-system permissions in SQLite.

use super::SqliteStore;
use crate::UserId;
use crate::store::StoreError;
use crate::store::access::AccessStore;
use crate::system::SystemId;
use crate::system_access::{AccessList, Scope};
use sqlx::Row;
use std::collections::HashMap;

fn scope(text: &str) -> Result<Scope, StoreError> {
    Scope::parse(text).ok_or_else(|| StoreError::corrupt("access scope", text))
}

impl SqliteStore {
    /// The list of `system`, or (`None`) of every system that restricts something.
    async fn access_lists(
        &self,
        system: Option<SystemId>,
    ) -> Result<HashMap<SystemId, AccessList>, StoreError> {
        const FILTER: &str = "(a.system_id = ?1 OR (?1 IS NULL AND \
             (a.booking <> 'everyone' OR a.editing <> 'everyone')))";
        let mut lists = HashMap::new();
        let heads = sqlx::query(&format!(
            "SELECT a.system_id, a.booking, a.editing FROM system_access a WHERE {FILTER}"
        ))
        .bind(system.map(|s| s.0))
        .fetch_all(self.pool())
        .await?;
        for row in &heads {
            let id = SystemId(row.try_get("system_id")?);
            let list = AccessList {
                booking: scope(row.try_get("booking")?)?,
                editing: scope(row.try_get("editing")?)?,
                ..AccessList::default()
            };
            lists.insert(id, list);
        }
        let members = sqlx::query(&format!(
            "SELECT u.system_id, u.user_id, u.may_book, u.may_edit FROM system_access_users u \
             JOIN system_access a ON a.system_id = u.system_id WHERE {FILTER}"
        ))
        .bind(system.map(|s| s.0))
        .fetch_all(self.pool())
        .await?;
        for row in &members {
            let id = SystemId(row.try_get("system_id")?);
            let user = UserId(row.try_get("user_id")?);
            if let Some(list) = lists.get_mut(&id) {
                if row.try_get::<bool, _>("may_book")? {
                    list.bookers.insert(user);
                }
                if row.try_get::<bool, _>("may_edit")? {
                    list.editors.insert(user);
                }
            }
        }
        Ok(lists)
    }
}

#[async_trait::async_trait]
impl AccessStore for SqliteStore {
    async fn access_list(&self, system: SystemId) -> Result<AccessList, StoreError> {
        Ok(self
            .access_lists(Some(system))
            .await?
            .remove(&system)
            .unwrap_or_default())
    }

    async fn restricted_access_lists(&self) -> Result<HashMap<SystemId, AccessList>, StoreError> {
        self.access_lists(None).await
    }

    async fn access_changed_by(&self, system: SystemId) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT changed_by FROM system_access WHERE system_id = ?")
            .bind(system.0)
            .fetch_optional(self.pool())
            .await
            .map_err(StoreError::from)
    }

    async fn set_access_list(
        &self,
        system: SystemId,
        list: &AccessList,
        by: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM systems WHERE id = ?")
            .bind(system.0)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO system_access (system_id, booking, editing, changed_by, changed_ms) \
             VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (system_id) DO UPDATE SET booking = excluded.booking, \
             editing = excluded.editing, changed_by = excluded.changed_by, \
             changed_ms = excluded.changed_ms",
        )
        .bind(system.0)
        .bind(list.booking.as_str())
        .bind(list.editing.as_str())
        .bind(by)
        .bind(crate::store::millis::now_ms())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM system_access_users WHERE system_id = ?")
            .bind(system.0)
            .execute(&mut *tx)
            .await?;
        for user in list.bookers.union(&list.editors) {
            sqlx::query(
                "INSERT INTO system_access_users (system_id, user_id, may_book, may_edit) \
                 VALUES (?, ?, ?, ?)",
            )
            .bind(system.0)
            .bind(user.0)
            .bind(list.bookers.contains(user))
            .bind(list.editors.contains(user))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
