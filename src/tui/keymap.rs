//! The keys each command runs on: the registry's own, or those a `[keys]` section of the
//! configuration gives it by the registry's name (`refresh = "R"`). Lookup, the hint bar and help
//! all read keys through a [`Keymap`], so a remapped key acts and is listed where the old one was.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::commands::{Command, Key, REGISTRY, Scope, Spec, key_label, scopes};
use super::screen::Screen;

/// Every screen, for the conflict check.
const SCREENS: [Screen; 12] = [
    Screen::Calls,
    Screen::Errors,
    Screen::Tasks,
    Screen::Audit,
    Screen::Portal,
    Screen::Reviews,
    Screen::Tokens,
    Screen::Tickets,
    Screen::Alerts,
    Screen::Maintenance,
    Screen::Incident,
    Screen::Messages,
];

/// The registry's keys with the configuration's replacements (by command name).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keymap {
    replaced: BTreeMap<&'static str, Vec<Key>>,
}

impl Keymap {
    /// The keymap `[keys]` asks for: each name is a registry name, each value one key or several
    /// separated by spaces (`"R"`, `"ctrl-r F5"`). An unknown name, a key that is not one, or a
    /// key two commands would then share on one screen is refused with one line saying which.
    pub fn from_config(keys: &BTreeMap<String, String>) -> Result<Keymap, String> {
        let mut replaced = BTreeMap::new();
        for (name, text) in keys {
            let Some(spec) = REGISTRY.iter().find(|s| s.name == name) else {
                return Err(format!("[keys] {name}: no such command (help `?` and the palette `:` list the names)"));
            };
            let parsed = text.split_whitespace().map(parse_key).collect::<Result<Vec<_>, _>>();
            let parsed = parsed.map_err(|why| format!("[keys] {name} = {text:?}: {why}"))?;
            if parsed.is_empty() {
                return Err(format!("[keys] {name}: give at least one key"));
            }
            replaced.insert(spec.name, parsed);
        }
        let map = Keymap { replaced };
        map.check_conflicts()?;
        Ok(map)
    }

    /// A replaced key must not be one another command takes on a screen where both apply.
    fn check_conflicts(&self) -> Result<(), String> {
        for screen in SCREENS {
            let here = scopes(screen);
            let specs: Vec<&Spec> = REGISTRY.iter().filter(|s| here.contains(&s.scope)).collect();
            for a in &specs {
                if !self.replaced.contains_key(a.name) {
                    continue;
                }
                for b in specs.iter().filter(|b| b.name != a.name) {
                    if let Some(k) = self.keys(a).iter().find(|k| self.keys(b).contains(k)) {
                        return Err(format!(
                            "[keys] {} and {} would both take {} on the {screen:?} screen",
                            a.name,
                            b.name,
                            key_label(k)
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The keys `spec` runs on; the first is the one hints show.
    pub fn keys<'a>(&'a self, spec: &'a Spec) -> &'a [Key] {
        self.replaced.get(spec.name).map_or(spec.keys, Vec::as_slice)
    }

    /// The command `key` runs in `scopes` (searched in order), honouring read-only mode.
    pub fn lookup(&self, key: &KeyEvent, scopes: &[Scope], read_only: bool) -> Option<Command> {
        scopes.iter().find_map(|scope| {
            REGISTRY
                .iter()
                .filter(|s| s.scope == *scope && !(read_only && s.writes))
                .find(|s| self.keys(s).iter().any(|k| matches(k, key)))
                .map(|s| s.command)
        })
    }

    /// Entries for the hint bar in `scopes`, in registry order (view-specific first).
    pub fn hints(&self, scopes: &[Scope], read_only: bool) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for scope in scopes {
            for s in REGISTRY.iter().filter(|s| s.scope == *scope && !(read_only && s.writes)) {
                if let (Some(h), Some(k)) = (s.hint, self.keys(s).first()) {
                    out.push((key_label(k), h));
                }
            }
        }
        out
    }
}

/// True when `key` is what the registry spells as `k`. Shifted letters arrive as upper-case chars.
fn matches(k: &Key, key: &KeyEvent) -> bool {
    let mods = key.modifiers - KeyModifiers::SHIFT;
    k.code == key.code && k.mods == mods
}

/// One key as the configuration writes it: a character (`R`, `?`), `ctrl-x`, or a name (`enter`,
/// `esc`, `tab`, `backtab`, `space`, `up`, `down`, `left`, `right`, `pgup`, `pgdn`, `home`, `end`,
/// `f1`…`f12`).
pub fn parse_key(text: &str) -> Result<Key, String> {
    let (mods, rest) = match text.split_once('-') {
        Some((m, r)) if m.eq_ignore_ascii_case("ctrl") && !r.is_empty() => (KeyModifiers::CONTROL, r),
        _ => (KeyModifiers::NONE, text),
    };
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(if mods == KeyModifiers::CONTROL { c.to_ascii_lowercase() } else { c }),
        _ => match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            f if f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                return Err(format!(
                    "{text:?} is not a key (a character, ctrl-x, enter, esc, tab, space, up, pgdn, f5 …)"
                ));
            }
        },
    };
    Ok(Key { code, mods })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> Result<Keymap, String> {
        Keymap::from_config(&pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect())
    }

    #[test]
    fn keys_resolve_by_scope() {
        let keys = Keymap::default();
        let e = KeyEvent::new(KeyCode::Char('e'), KeyModifiers::NONE);
        assert_eq!(
            keys.lookup(&e, &[Scope::Screen(Screen::Calls), Scope::List, Scope::Global], false),
            Some(Command::ToggleErrorsOnly)
        );
        assert_eq!(keys.lookup(&e, &[Scope::Screen(Screen::Errors), Scope::List, Scope::Global], false), None);
        let big_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(keys.lookup(&big_g, &[Scope::List], false), Some(Command::Bottom));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(keys.lookup(&ctrl_c, &[Scope::Screen(Screen::Portal), Scope::Global], false), Some(Command::Quit));
    }

    #[test]
    fn hints_come_from_the_registry() {
        let h = Keymap::default().hints(&[Scope::Screen(Screen::Calls), Scope::Global], false);
        assert!(h.iter().any(|(k, l)| k == "f" && *l == "follow"));
        assert!(h.iter().any(|(k, l)| k == "q" && *l == "quit"));
    }

    #[test]
    fn a_remapped_key_runs_its_command_and_the_old_one_does_not() {
        let keys = map(&[("follow", "F")]).unwrap();
        let on_calls = scopes(Screen::Calls);
        let big_f = KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT);
        let f = KeyEvent::new(KeyCode::Char('f'), KeyModifiers::NONE);
        assert_eq!(keys.lookup(&big_f, &on_calls, false), Some(Command::ToggleFollow));
        assert_eq!(keys.lookup(&f, &on_calls, false), None);
        assert!(keys.hints(&on_calls, false).iter().any(|(k, l)| k == "F" && *l == "follow"));
    }

    #[test]
    fn keys_parse_as_written() {
        assert_eq!(parse_key("R"), Ok(Key { code: KeyCode::Char('R'), mods: KeyModifiers::NONE }));
        assert_eq!(parse_key("ctrl-R"), Ok(Key { code: KeyCode::Char('r'), mods: KeyModifiers::CONTROL }));
        assert_eq!(parse_key("F5"), Ok(Key { code: KeyCode::F(5), mods: KeyModifiers::NONE }));
        assert_eq!(parse_key("pgdn"), Ok(Key { code: KeyCode::PageDown, mods: KeyModifiers::NONE }));
        assert_eq!(parse_key("-"), Ok(Key { code: KeyCode::Char('-'), mods: KeyModifiers::NONE }));
        assert!(parse_key("f13").is_err());
        assert!(parse_key("hyper-x").is_err());
    }

    #[test]
    fn unknown_names_bad_keys_and_conflicts_are_refused_in_one_line() {
        let e = map(&[("reload", "R")]).unwrap_err();
        assert!(e.contains("reload: no such command"), "{e}");
        let e = map(&[("refresh", "meta-r")]).unwrap_err();
        assert!(e.contains("is not a key"), "{e}");
        // `e` is errors-only on Calls: a global refresh on it would shadow it there.
        let e = map(&[("refresh", "e")]).unwrap_err();
        assert!(e.contains("refresh and errors-only would both take e on the Calls screen"), "{e}");
        assert!(!e.contains('\n'));
        // Two remapped commands may swap keys.
        assert!(map(&[("follow", "d"), ("detail", "f")]).is_ok());
    }
}
