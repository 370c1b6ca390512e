//! The Leptos UI: the shell, the pages and the server functions next to the pages that use them.
//! Server functions stay thin: check who is asking, parse input, call a domain service.

pub mod auth;
mod codec;
pub mod error;
pub mod flash;
pub mod navigation;
pub mod pages;
pub mod shell;
mod widgets;

#[cfg(feature = "ssr")]
pub mod context;

pub use shell::{App, shell};
