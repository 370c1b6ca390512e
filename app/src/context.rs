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
    /// The Navigator's folders and system list.
    pub folders: Arc<domain::folders::FolderService>,
    /// Polls systems now (Test connection, Force Refresh); also runs in the background.
    pub monitor: Arc<domain::monitoring::Monitor>,
    /// Edit Settings, Ticket Filters, the Connection and Logs tabs.
    pub settings: Arc<domain::system_settings::SettingsService>,
    /// Booking: conferences, their meetings and the rules (the scheduler engine runs them).
    pub bookings: Arc<domain::bookings::BookingService>,
    /// Who is connected to a running meeting, read from its call bridge.
    pub live_participants: Arc<domain::live_participants::LiveParticipantService>,
    /// Per-system permissions: who may book on and edit each system.
    pub access: Arc<domain::system_access::SystemAccessService>,
    /// In demo mode, the simulated CMS cluster running beside the portal.
    pub demo_cms: Option<DemoCluster>,
    /// This node, and the engine's lease as the database has it (Administrative Tools → Engine).
    pub node: Arc<domain::lease::Node>,
}
