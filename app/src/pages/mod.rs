//! One module per page, each with the server functions it calls.

pub mod admin;
pub mod booking;
pub mod home;
pub mod login;
pub mod monitoring;
pub mod not_found;
pub mod systems;
pub mod users;
