//! Integration tests: the connector against the `cms-sim` simulator over real HTTP(S).

mod common;
mod lifecycle;
mod operations;
mod resilience;
