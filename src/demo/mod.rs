//! The newcomer's path: a seeded dataset and simulated live traffic.

pub mod catalog;
pub mod seed;
pub mod simulator;
