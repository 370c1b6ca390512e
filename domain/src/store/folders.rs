//! The Navigator's folders in the store.

use super::StoreError;
use crate::navigator::{Folder, FolderId};
use crate::system::SystemId;

#[async_trait::async_trait]
pub trait FolderStore: Send + Sync {
    async fn folders(&self) -> Result<Vec<Folder>, StoreError>;
    async fn create_folder(
        &self,
        parent: Option<FolderId>,
        name: &str,
    ) -> Result<FolderId, StoreError>;
    async fn rename_folder(&self, id: FolderId, name: &str) -> Result<bool, StoreError>;
    async fn move_folder(&self, id: FolderId, parent: Option<FolderId>)
    -> Result<bool, StoreError>;
    /// Deletes a folder in one transaction, first moving its systems and sub-folders to `target`
    /// (`None`: the top of the Navigator).
    async fn delete_folder(
        &self,
        id: FolderId,
        target: Option<FolderId>,
    ) -> Result<bool, StoreError>;
    /// Every system that is in a folder, with its folder.
    async fn folder_members(&self) -> Result<Vec<(SystemId, FolderId)>, StoreError>;
    /// Puts a system in a folder (`None`: at the top).
    async fn place_system(
        &self,
        system: SystemId,
        folder: Option<FolderId>,
    ) -> Result<(), StoreError>;
}
