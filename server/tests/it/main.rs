//! The server's integration tests: one test binary (one link of the whole portal), one module per
//! area, all through the real HTTP server on a real SQLite file (some also on a fresh PostgreSQL
//! database, `support::Backend`) with the CMS simulator.

mod access;
mod audit;
mod booking;
mod calendar;
mod cluster;
mod hostile;
mod http;
#[cfg(unix)]
mod lease;
#[cfg(unix)]
mod nodes;
mod plain_forms;
mod security;
#[cfg(unix)]
mod shutdown;
mod sinks;
mod support;
mod systems;
mod tickets;
