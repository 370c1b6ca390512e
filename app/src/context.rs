//! What the server hands to every server function and page render.

use domain::users::UserService;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppContext {
    pub users: Arc<UserService>,
}
