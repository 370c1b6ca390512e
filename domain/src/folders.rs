//! The folder service: the Navigator's rules (names, no cycles, where a deleted folder's systems
//! go) and the system list of a folder.

use crate::FieldErrors;
use crate::navigator::{self, Folder, FolderId, ListQuery, SystemPage};
use crate::store::{Store, StoreError};
use crate::system::SystemId;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("no such folder")]
    NotFound,
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for FolderError {
    fn from(e: StoreError) -> Self {
        FolderError::Internal(e.to_string())
    }
}

pub struct FolderService {
    store: Arc<dyn Store>,
}

impl FolderService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    pub async fn tree(&self) -> Result<Vec<Folder>, StoreError> {
        self.store.folders().await
    }

    /// One page of a folder's systems (or of every system matching the search).
    pub async fn list(&self, query: &ListQuery) -> Result<SystemPage, StoreError> {
        let members: HashMap<SystemId, FolderId> =
            self.store.folder_members().await?.into_iter().collect();
        let systems = self.store.list_systems().await?;
        Ok(navigator::select(
            systems,
            |id| members.get(&id).copied(),
            query,
        ))
    }

    pub async fn create(
        &self,
        parent: Option<FolderId>,
        name: &str,
    ) -> Result<FolderId, FolderError> {
        let folders = self.store.folders().await?;
        if let Some(parent) = parent {
            find(&folders, parent)?;
        }
        let name = checked_name(&folders, parent, None, name)?;
        Ok(self.store.create_folder(parent, &name).await?)
    }

    pub async fn rename(&self, id: FolderId, name: &str) -> Result<(), FolderError> {
        let folders = self.store.folders().await?;
        let parent = find(&folders, id)?.parent;
        let name = checked_name(&folders, parent, Some(id), name)?;
        self.store.rename_folder(id, &name).await?;
        Ok(())
    }

    /// Moves a folder under another (or to the top); never into itself or its own sub-folders.
    /// The rules are checked on the folders as they are in the store's write transaction, so
    /// two racing moves (A under B, B under A) cannot both pass.
    pub async fn move_to(&self, id: FolderId, parent: Option<FolderId>) -> Result<(), FolderError> {
        let check = move |folders: &[Folder]| -> Result<(), FolderError> {
            let name = find(folders, id)?.name.clone();
            if let Some(parent) = parent {
                find(folders, parent)?;
                if is_within(folders, parent, id) {
                    return Err(FolderError::Invalid(FieldErrors::single(
                        "parent",
                        "a folder cannot be moved into itself or one of its sub-folders",
                    )));
                }
            }
            checked_name(folders, parent, Some(id), &name).map(|_| ())
        };
        self.store.move_folder(id, parent, &check).await?
    }

    /// Deletes a folder; its systems and sub-folders go to `target` (the top when `None`),
    /// which must not be the folder itself or inside it (checked in the deleting transaction).
    pub async fn delete(&self, id: FolderId, target: Option<FolderId>) -> Result<(), FolderError> {
        let check = move |folders: &[Folder]| -> Result<(), FolderError> {
            find(folders, id)?;
            if let Some(target) = target {
                find(folders, target)?;
                if is_within(folders, target, id) {
                    return Err(FolderError::Invalid(FieldErrors::single(
                        "target",
                        "choose a folder outside the one being deleted",
                    )));
                }
            }
            Ok(())
        };
        self.store.delete_folder(id, target, &check).await?
    }

    pub async fn place_system(
        &self,
        system: SystemId,
        folder: Option<FolderId>,
    ) -> Result<(), FolderError> {
        if self.store.system(system).await?.is_none() {
            return Err(FolderError::Invalid(FieldErrors::single(
                "system",
                "no such system",
            )));
        }
        if let Some(folder) = folder {
            find(&self.store.folders().await?, folder)?;
        }
        Ok(self.store.place_system(system, folder).await?)
    }

    /// How many systems are directly in each folder (the delete dialog asks where they go).
    pub async fn counts(&self) -> Result<HashMap<FolderId, usize>, StoreError> {
        let mut counts = HashMap::new();
        for (_, folder) in self.store.folder_members().await? {
            *counts.entry(folder).or_default() += 1;
        }
        Ok(counts)
    }
}

fn find(folders: &[Folder], id: FolderId) -> Result<&Folder, FolderError> {
    folders
        .iter()
        .find(|f| f.id == id)
        .ok_or(FolderError::NotFound)
}

/// Whether `candidate` is `ancestor` or below it.
fn is_within(folders: &[Folder], candidate: FolderId, ancestor: FolderId) -> bool {
    let mut current = Some(candidate);
    let mut steps = 0;
    while let Some(id) = current {
        if id == ancestor {
            return true;
        }
        current = folders.iter().find(|f| f.id == id).and_then(|f| f.parent);
        steps += 1;
        if steps > folders.len() {
            return true; // a loop in stored data: refuse rather than spin
        }
    }
    false
}

/// 1–100 characters, unique (case-insensitively) among the folder's siblings.
fn checked_name(
    folders: &[Folder],
    parent: Option<FolderId>,
    renaming: Option<FolderId>,
    name: &str,
) -> Result<String, FolderError> {
    let name = name.trim();
    let problem = if name.is_empty() {
        Some("is required".to_string())
    } else if name.chars().count() > 100 {
        Some("must be at most 100 characters long".to_string())
    } else if folders
        .iter()
        .any(|f| f.parent == parent && Some(f.id) != renaming && f.name.eq_ignore_ascii_case(name))
    {
        Some(format!("a folder named `{name}` is already there"))
    } else {
        None
    };
    match problem {
        Some(message) => Err(FolderError::Invalid(FieldErrors::single("name", message))),
        None => Ok(name.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    async fn service(dir: &tempfile::TempDir) -> FolderService {
        let url = format!("sqlite://{}", dir.path().join("f.db").display());
        FolderService::new(Arc::new(SqliteStore::open(&url).await.unwrap()))
    }

    #[tokio::test]
    async fn folders_are_named_nested_moved_and_deleted_safely() {
        let dir = tempfile::tempdir().unwrap();
        let folders = service(&dir).await;
        let europe = folders.create(None, "Europe").await.unwrap();
        let paris = folders.create(Some(europe), "Paris").await.unwrap();
        assert!(matches!(
            folders.create(None, " europe ").await,
            Err(FolderError::Invalid(_))
        ));
        assert!(matches!(
            folders.create(None, "").await,
            Err(FolderError::Invalid(_))
        ));
        assert!(
            matches!(
                folders.move_to(europe, Some(paris)).await,
                Err(FolderError::Invalid(_))
            ),
            "no cycles"
        );
        folders.move_to(paris, None).await.unwrap();
        folders.rename(paris, "Paris DC").await.unwrap();
        assert!(matches!(
            folders.delete(europe, Some(europe)).await,
            Err(FolderError::Invalid(_))
        ));
        folders.delete(europe, Some(paris)).await.unwrap();
        let tree = folders.tree().await.unwrap();
        assert_eq!(tree.len(), 1);
        assert_eq!(tree[0].name, "Paris DC");
        assert!(matches!(
            folders.rename(FolderId(999), "x").await,
            Err(FolderError::NotFound)
        ));
    }
}
