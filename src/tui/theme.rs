//! Semantic styles. Views ask for a meaning (`danger`, `muted`, `selection`), never a colour.
//!
//! Under `NO_COLOR` the mono theme sets no colour at all: crossterm 0.29 answers a colour with a
//! reset sequence there, which would wipe the REVERSED selection. The selection is always REVERSED
//! plus a `▶` marker, so it stays visible without colour.

use ratatui::style::{Color, Modifier, Style};

use crate::rules::deadline::Urgency;

/// The console's styles.
#[derive(Clone, Debug)]
pub struct Theme {
    /// Ordinary text.
    pub text: Style,
    /// Secondary text (timestamps, hints).
    pub muted: Style,
    /// Titles and the active tab.
    pub title: Style,
    /// The selected row.
    pub selection: Style,
    /// Keys in the hint bar and help.
    pub key: Style,
    /// Success (HTTP 2xx, healthy).
    pub ok: Style,
    /// Warning (4xx, near a threshold).
    pub warn: Style,
    /// Danger (5xx, over threshold, database down).
    pub danger: Style,
    /// The header bar.
    pub header: Style,
    /// The read-only badge.
    pub badge: Style,
    /// True for the colourless theme.
    pub mono: bool,
}

impl Theme {
    /// The theme for this terminal: mono when `NO_COLOR` is set (to anything non-empty).
    pub fn detect() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::mono(),
            _ => Theme::color(),
        }
    }

    /// 16-colour theme: uses only the terminal's own palette, so it suits every terminal and ssh.
    pub fn color() -> Theme {
        Theme {
            text: Style::default(),
            muted: Style::default().fg(Color::DarkGray),
            title: Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            selection: Style::default().add_modifier(Modifier::REVERSED),
            key: Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ok: Style::default().fg(Color::Green),
            warn: Style::default().fg(Color::Yellow),
            danger: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            header: Style::default().fg(Color::White).bg(Color::Blue),
            badge: Style::default().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD),
            mono: false,
        }
    }

    /// No colours at all; meaning is carried by bold, underline, reverse and markers.
    pub fn mono() -> Theme {
        Theme {
            text: Style::default(),
            muted: Style::default().add_modifier(Modifier::DIM),
            title: Style::default().add_modifier(Modifier::BOLD),
            selection: Style::default().add_modifier(Modifier::REVERSED),
            key: Style::default().add_modifier(Modifier::BOLD),
            ok: Style::default(),
            warn: Style::default().add_modifier(Modifier::UNDERLINED),
            danger: Style::default().add_modifier(Modifier::BOLD),
            header: Style::default().add_modifier(Modifier::REVERSED),
            badge: Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
            mono: true,
        }
    }

    /// The style of a countdown: ok, near, breached, or done (muted).
    pub fn urgency(&self, u: Urgency) -> Style {
        match u {
            Urgency::Ok => self.ok,
            Urgency::Near => self.warn,
            Urgency::Breached => self.danger,
            Urgency::Done => self.muted,
        }
    }

    /// The style of a star rating: red at 1–2, amber at 3, green at 4–5.
    pub fn stars(&self, rating: i64) -> Style {
        match rating {
            ..=2 => self.danger,
            3 => self.warn,
            _ => self.ok,
        }
    }

    /// The style of an HTTP status.
    pub fn http_status(&self, status: Option<i64>) -> Style {
        match status {
            Some(s) if s >= 500 => self.danger,
            Some(s) if s >= 400 => self.warn,
            Some(_) => self.ok,
            None => self.muted,
        }
    }
}
