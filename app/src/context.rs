//! What the server hands to every server function and page render.

use crate::pages::systems::DemoCluster;
use domain::systems::SystemService;
use domain::tickets::TicketService;
use domain::users::UserService;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppContext {
    pub users: Arc<UserService>,
    pub systems: Arc<SystemService>,
    pub tickets: Arc<TicketService>,
    /// In demo mode, the simulated CMS cluster running beside the portal.
    pub demo_cms: Option<DemoCluster>,
}
