//! `/system/status` and `/callBridges`.

use super::API;
use crate::client::{ApiRequest, Connector};
use crate::error::CmsError;
use crate::ids::CallBridgeId;
use crate::model::{CallBridge, SystemStatus};

impl Connector {
    pub async fn system_status(&self) -> Result<SystemStatus, CmsError> {
        self.execute(ApiRequest::get(format!("{API}/system/status")))
            .await?
            .decode()
    }

    /// Every call bridge of the cluster (none when not clustered); names only.
    pub async fn call_bridges(&self) -> Result<Vec<CallBridge>, CmsError> {
        self.all(&format!("{API}/callBridges"), &[]).await
    }

    /// One call bridge with its address and SIP domain.
    pub async fn call_bridge(&self, id: &CallBridgeId) -> Result<CallBridge, CmsError> {
        self.execute(ApiRequest::get(format!("{API}/callBridges/{id}")))
            .await?
            .decode()
    }
}
