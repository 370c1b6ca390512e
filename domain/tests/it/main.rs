//! The domain's integration tests: one test binary, one module per area, each against the CMS
//! simulator over HTTPS with a real SQLite file; `store` is the port's contract, run on SQLite
//! and on PostgreSQL.

mod errors;
mod lease;
mod monitoring;
mod pg;
mod scheduler;
mod steps;
mod store;
mod systems;
mod upgrade;
