//! Truce: a multiplayer policy-simulation game server about guarding a ceasefire.
//!
//! Each domain is one module with one Bevy plugin:
//! - [`access`]: the join codes, barred codes and the tokens issued for them;
//! - [`scenario`]: the RON scenario format, its loader and validator, and changes by path;
//! - [`world`]: the ECS components, spawning a scenario and reading it back;
//! - [`game`]: the state every domain shares (phase, clock, escalation, scores, the steps of a turn);
//! - [`rules`], [`institutions`], [`bots`]: the turn cycle, decisions and the bots' doctrine;
//! - [`negotiation`]: press between seats, delivered at once, and the deals the rules settle;
//! - [`record`]: the explanation trace, briefings, and the journal of a hosted game;
//! - [`protocol`]: the messages between server and clients;
//! - [`host`]: a hosted game's seats, inputs, clock and views;
//! - [`net`]: the screened UDP transport and the HTTP side (the join endpoint);
//! - [`server`]: all of it put together for `truce serve`;
//! - [`client`]: the terminal client and the network bot;
//! - [`text`]: what may stand in a text shown to people;
//! - [`analysis`]: the analyst's workbench (batches, recorded games forked and compared, research
//!   bundles, reports, adjudicator cases);
//! - [`cli`]: the `truce` command line.

pub mod access;
pub mod analysis;
pub mod bots;
pub mod cli;
pub mod client;
pub mod game;
pub mod host;
pub mod institutions;
pub mod negotiation;
pub mod net;
pub mod protocol;
pub mod record;
pub mod rng;
pub mod rules;
pub mod scenario;
pub mod server;
pub mod sim;
pub mod text;
pub mod world;
