//! Folders in SQLite.

use super::folders::FolderStore;
use super::sqlite::db_err;
use super::{SqliteStore, StoreError};
use crate::navigator::{Folder, FolderId};
use crate::system::SystemId;
use sqlx::Row;

#[async_trait::async_trait]
impl FolderStore for SqliteStore {
    async fn folders(&self) -> Result<Vec<Folder>, StoreError> {
        sqlx::query("SELECT id, parent_id, name FROM folders ORDER BY name")
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                Ok(Folder {
                    id: FolderId(r.try_get("id").map_err(db_err)?),
                    parent: r
                        .try_get::<Option<i64>, _>("parent_id")
                        .map_err(db_err)?
                        .map(FolderId),
                    name: r.try_get("name").map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn create_folder(
        &self,
        parent: Option<FolderId>,
        name: &str,
    ) -> Result<FolderId, StoreError> {
        let done = sqlx::query("INSERT INTO folders (parent_id, name) VALUES (?, ?)")
            .bind(parent.map(|p| p.0))
            .bind(name)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(FolderId(done.last_insert_rowid()))
    }

    async fn rename_folder(&self, id: FolderId, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE folders SET name = ? WHERE id = ?")
            .bind(name)
            .bind(id.0)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn move_folder(
        &self,
        id: FolderId,
        parent: Option<FolderId>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE folders SET parent_id = ? WHERE id = ?")
            .bind(parent.map(|p| p.0))
            .bind(id.0)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_folder(
        &self,
        id: FolderId,
        target: Option<FolderId>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(db_err)?;
        match target {
            Some(target) => {
                sqlx::query("UPDATE folder_systems SET folder_id = ? WHERE folder_id = ?")
                    .bind(target.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            None => {
                sqlx::query("DELETE FROM folder_systems WHERE folder_id = ?")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
        }
        sqlx::query("UPDATE folders SET parent_id = ? WHERE parent_id = ?")
            .bind(target.map(|t| t.0))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let done = sqlx::query("DELETE FROM folders WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn folder_members(&self) -> Result<Vec<(SystemId, FolderId)>, StoreError> {
        sqlx::query("SELECT system_id, folder_id FROM folder_systems")
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                Ok((
                    SystemId(r.try_get("system_id").map_err(db_err)?),
                    FolderId(r.try_get("folder_id").map_err(db_err)?),
                ))
            })
            .collect()
    }

    async fn place_system(
        &self,
        system: SystemId,
        folder: Option<FolderId>,
    ) -> Result<(), StoreError> {
        let query = match folder {
            Some(folder) => sqlx::query(
                "INSERT INTO folder_systems (system_id, folder_id) VALUES (?, ?) \
                 ON CONFLICT (system_id) DO UPDATE SET folder_id = excluded.folder_id",
            )
            .bind(system.0)
            .bind(folder.0),
            None => sqlx::query("DELETE FROM folder_systems WHERE system_id = ?").bind(system.0),
        };
        query.execute(self.pool()).await.map_err(db_err)?;
        Ok(())
    }
}
