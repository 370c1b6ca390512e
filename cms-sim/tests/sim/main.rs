//! Integration tests: real HTTP(S) against a running simulator.

mod common;

mod auth;
mod bulk;
mod calls;
mod cluster;
mod control;
mod errors;
mod faults;
mod lists;
mod trace;
