//! Folders in SQLite.

use super::SqliteStore;
use crate::folders::FolderError;
use crate::navigator::{Folder, FolderId};
use crate::store::StoreError;
use crate::store::folders::{FolderCheck, FolderStore};
use crate::system::SystemId;
use sqlx::{Row, Sqlite, SqliteConnection, Transaction};

async fn read_folders(conn: &mut SqliteConnection) -> Result<Vec<Folder>, StoreError> {
    sqlx::query("SELECT id, parent_id, name FROM folders ORDER BY name")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Folder {
                id: FolderId(r.try_get("id")?),
                parent: r.try_get::<Option<i64>, _>("parent_id")?.map(FolderId),
                name: r.try_get("name")?,
            })
        })
        .collect()
}

impl SqliteStore {
    /// A transaction that holds the write lock from its first statement (`BEGIN IMMEDIATE`).
    async fn immediate_tx(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::from)
    }
}

#[async_trait::async_trait]
impl FolderStore for SqliteStore {
    async fn folders(&self) -> Result<Vec<Folder>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        read_folders(&mut conn).await
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
            .await?;
        Ok(FolderId(done.last_insert_rowid()))
    }

    async fn rename_folder(&self, id: FolderId, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE folders SET name = ? WHERE id = ?")
            .bind(name)
            .bind(id.0)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn move_folder(
        &self,
        id: FolderId,
        parent: Option<FolderId>,
        check: &FolderCheck<'_>,
    ) -> Result<Result<(), FolderError>, StoreError> {
        let mut tx = self.immediate_tx().await?;
        if let Err(refused) = check(&read_folders(&mut tx).await?) {
            return Ok(Err(refused));
        }
        let done = sqlx::query("UPDATE folders SET parent_id = ? WHERE id = ?")
            .bind(parent.map(|p| p.0))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(FolderError::NotFound)
        })
    }

    async fn delete_folder(
        &self,
        id: FolderId,
        target: Option<FolderId>,
        check: &FolderCheck<'_>,
    ) -> Result<Result<(), FolderError>, StoreError> {
        let mut tx = self.immediate_tx().await?;
        if let Err(refused) = check(&read_folders(&mut tx).await?) {
            return Ok(Err(refused));
        }
        match target {
            Some(target) => {
                sqlx::query("UPDATE folder_systems SET folder_id = ? WHERE folder_id = ?")
                    .bind(target.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM folder_systems WHERE folder_id = ?")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("UPDATE folders SET parent_id = ? WHERE parent_id = ?")
            .bind(target.map(|t| t.0))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM folders WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(FolderError::NotFound)
        })
    }

    async fn folder_members(&self) -> Result<Vec<(SystemId, FolderId)>, StoreError> {
        sqlx::query("SELECT system_id, folder_id FROM folder_systems")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok((
                    SystemId(r.try_get("system_id")?),
                    FolderId(r.try_get("folder_id")?),
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
        query.execute(self.pool()).await?;
        Ok(())
    }
}
