//! The full-screen console.

pub mod app;
pub mod clipboard;
pub mod commands;
pub mod editor;
pub mod effect;
pub mod external;
pub mod limits;
pub mod list_tab;
pub mod loadable;
pub mod msg;
pub mod palette;
pub mod prompt;
pub mod runner;
pub mod screen;
pub mod setup;
pub mod state;
pub mod tab_filter;
pub mod tab_state;
pub mod terminal;
pub mod theme;
pub mod ticket_editor;
pub mod update;
pub mod views;
pub mod zone;
