//! The domain's integration tests: one test binary, one module per area, each against the CMS
//! simulator over HTTPS with a real SQLite file.

mod errors;
mod lease;
mod monitoring;
mod scheduler;
mod steps;
mod systems;
mod upgrade;
