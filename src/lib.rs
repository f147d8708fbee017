//! Truce: a multiplayer policy-simulation game server about guarding a ceasefire.
//!
//! Each domain is one module with one Bevy plugin:
//! - [`scenario`]: the RON scenario format, its loader and validator;
//! - [`world`]: the ECS components, spawning a scenario and reading it back;
//! - [`cli`]: the `truce` command line.

pub mod bots;
pub mod cli;
pub mod institutions;
pub mod record;
pub mod rng;
pub mod rules;
pub mod scenario;
pub mod sim;
pub mod world;
