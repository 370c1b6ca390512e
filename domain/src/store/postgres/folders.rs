//! Folders in PostgreSQL.

use super::{Lock, PgStore};
use crate::folders::FolderError;
use crate::navigator::{Folder, FolderId};
use crate::store::StoreError;
use crate::store::folders::{FolderCheck, FolderStore};
use crate::system::SystemId;
use sqlx::{PgConnection, Row};

async fn read_folders(conn: &mut PgConnection) -> Result<Vec<Folder>, StoreError> {
    sqlx::query("SELECT id, parent_id, name FROM folders ORDER BY name COLLATE \"C\"")
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

#[async_trait::async_trait]
impl FolderStore for PgStore {
    async fn folders(&self) -> Result<Vec<Folder>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        read_folders(&mut conn).await
    }

    async fn create_folder(
        &self,
        parent: Option<FolderId>,
        name: &str,
    ) -> Result<FolderId, StoreError> {
        sqlx::query_scalar("INSERT INTO folders (parent_id, name) VALUES ($1, $2) RETURNING id")
            .bind(parent.map(|p| p.0))
            .bind(name)
            .fetch_one(self.pool())
            .await
            .map(FolderId)
            .map_err(StoreError::from)
    }

    async fn rename_folder(&self, id: FolderId, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE folders SET name = $1 WHERE id = $2")
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
        let mut tx = self.locked(Lock::Folders).await?;
        if let Err(refused) = check(&read_folders(&mut tx).await?) {
            return Ok(Err(refused));
        }
        let done = sqlx::query("UPDATE folders SET parent_id = $1 WHERE id = $2")
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
        let mut tx = self.locked(Lock::Folders).await?;
        if let Err(refused) = check(&read_folders(&mut tx).await?) {
            return Ok(Err(refused));
        }
        match target {
            Some(target) => {
                sqlx::query("UPDATE folder_systems SET folder_id = $1 WHERE folder_id = $2")
                    .bind(target.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM folder_systems WHERE folder_id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("UPDATE folders SET parent_id = $1 WHERE parent_id = $2")
            .bind(target.map(|t| t.0))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM folders WHERE id = $1")
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
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT system_id, folder_id FROM folder_systems")
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(s, f)| (SystemId(s), FolderId(f)))
            .collect())
    }

    async fn place_system(
        &self,
        system: SystemId,
        folder: Option<FolderId>,
    ) -> Result<(), StoreError> {
        let query = match folder {
            Some(folder) => sqlx::query(
                "INSERT INTO folder_systems (system_id, folder_id) VALUES ($1, $2) \
                 ON CONFLICT (system_id) DO UPDATE SET folder_id = excluded.folder_id",
            )
            .bind(system.0)
            .bind(folder.0),
            None => sqlx::query("DELETE FROM folder_systems WHERE system_id = $1").bind(system.0),
        };
        query.execute(self.pool()).await?;
        Ok(())
    }
}
