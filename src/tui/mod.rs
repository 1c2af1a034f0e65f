//! The full-screen console.

pub mod app;
pub mod clipboard;
pub mod commands;
pub mod editor;
pub mod external;
pub mod prompt;
pub mod runner;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod ticket_editor;
pub mod update;
pub mod views;
pub mod zone;
