//! The Navigator's folders in the store.

use super::StoreError;
use crate::folders::FolderError;
use crate::navigator::{Folder, FolderId};
use crate::system::SystemId;

/// A folder rule applied inside the store's write transaction, on the folders read there.
pub type FolderCheck<'a> = dyn Fn(&[Folder]) -> Result<(), FolderError> + Send + Sync + 'a;

#[async_trait::async_trait]
pub trait FolderStore: Send + Sync {
    async fn folders(&self) -> Result<Vec<Folder>, StoreError>;
    async fn create_folder(
        &self,
        parent: Option<FolderId>,
        name: &str,
    ) -> Result<FolderId, StoreError>;
    async fn rename_folder(&self, id: FolderId, name: &str) -> Result<bool, StoreError>;
    /// Moves a folder under `parent` (`None`: the top) if `check`, given the folders as they are
    /// in the same write transaction (under the write lock), allows it: racing moves cannot
    /// both pass a check made on what the other is about to change.
    async fn move_folder(
        &self,
        id: FolderId,
        parent: Option<FolderId>,
        check: &FolderCheck<'_>,
    ) -> Result<Result<(), FolderError>, StoreError>;
    /// Deletes a folder in one transaction, first moving its systems and sub-folders to `target`
    /// (`None`: the top of the Navigator), if `check` allows it on the folders as they are in
    /// that transaction.
    async fn delete_folder(
        &self,
        id: FolderId,
        target: Option<FolderId>,
        check: &FolderCheck<'_>,
    ) -> Result<Result<(), FolderError>, StoreError>;
    /// Every system that is in a folder, with its folder.
    async fn folder_members(&self) -> Result<Vec<(SystemId, FolderId)>, StoreError>;
    /// Puts a system in a folder (`None`: at the top).
    async fn place_system(
        &self,
        system: SystemId,
        folder: Option<FolderId>,
    ) -> Result<(), StoreError>;
}
