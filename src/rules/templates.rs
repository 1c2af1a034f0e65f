//! Reply templates for reviews: chosen by star rating, with `{placeholders}` filled from what is
//! known about the review. A placeholder nobody could fill stays visible, so a reply never goes
//! out with a blank where a ticket number should be.

use serde::Deserialize;

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 6] = ["reviewer", "app", "rating", "ticket", "portal", "operator"];

/// The templates shipped in `assets/review-templates.toml`.
const SHIPPED: &str = include_str!("../../assets/review-templates.toml");

/// One template.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyTemplate {
    /// Its name, shown while cycling through templates.
    pub name: String,
    /// The star ratings it suits, inclusive: `[1, 2]`.
    pub stars: [i64; 2],
    /// The text, with placeholders.
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    template: Vec<ReplyTemplate>,
}

/// A template file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    /// Not TOML of the right shape.
    #[error("not a template file: {0}")]
    Parse(String),
    /// A template that makes no sense.
    #[error("template {name:?}: {reason}")]
    Invalid {
        /// Which.
        name: String,
        /// Why.
        reason: String,
    },
}

/// Parses a template file (the shipped one's shape).
pub fn parse(toml_text: &str) -> Result<Vec<ReplyTemplate>, TemplateError> {
    let file: TemplateFile = toml::from_str(toml_text).map_err(|e| TemplateError::Parse(e.message().to_owned()))?;
    for t in &file.template {
        let invalid = |reason: &str| TemplateError::Invalid { name: t.name.clone(), reason: reason.into() };
        if t.name.trim().is_empty() {
            return Err(invalid("needs a name"));
        }
        let [lo, hi] = t.stars;
        if !(1..=5).contains(&lo) || !(1..=5).contains(&hi) || lo > hi {
            return Err(invalid("stars must be [low, high] within 1–5"));
        }
        if t.text.trim().is_empty() {
            return Err(invalid("has no text"));
        }
    }
    Ok(file.template)
}

/// The shipped templates.
pub fn shipped() -> Vec<ReplyTemplate> {
    // The file is part of the binary and covered by a test; an error here is a build mistake.
    parse(SHIPPED).unwrap_or_default()
}

/// The templates that suit `rating`, in order.
pub fn for_rating(all: &[ReplyTemplate], rating: i64) -> Vec<&ReplyTemplate> {
    all.iter().filter(|t| (t.stars[0]..=t.stars[1]).contains(&rating)).collect()
}

/// What fills the placeholders; `None` leaves a placeholder in place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vars {
    /// `{reviewer}`
    pub reviewer: Option<String>,
    /// `{app}`
    pub app: Option<String>,
    /// `{rating}`
    pub rating: Option<i64>,
    /// `{ticket}`, e.g. `#123`.
    pub ticket: Option<String>,
    /// `{portal}`
    pub portal: Option<String>,
    /// `{operator}`
    pub operator: Option<String>,
}

impl Vars {
    fn value(&self, name: &str) -> Option<String> {
        match name {
            "reviewer" => self.reviewer.clone(),
            "app" => self.app.clone(),
            "rating" => self.rating.map(|r| r.to_string()),
            "ticket" => self.ticket.clone(),
            "portal" => self.portal.clone(),
            "operator" => self.operator.clone(),
            _ => None,
        }
        .filter(|v| !v.trim().is_empty())
    }
}

/// `text` with every fillable placeholder filled; leading and trailing blank lines dropped.
pub fn render(text: &str, vars: &Vars) -> String {
    let mut out = text.trim_matches('\n').to_owned();
    for name in PLACEHOLDERS {
        if let Some(v) = vars.value(name) {
            out = out.replace(&format!("{{{name}}}"), &v);
        }
    }
    out
}

/// The placeholders still in `text`, each once, in the order they first appear.
pub fn unfilled(text: &str) -> Vec<&'static str> {
    let mut found: Vec<(usize, &'static str)> =
        PLACEHOLDERS.iter().filter_map(|p| text.find(&format!("{{{p}}}")).map(|i| (i, *p))).collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_parses_and_covers_every_rating() {
        let all = parse(SHIPPED).unwrap();
        for r in 1..=5 {
            assert!(!for_rating(&all, r).is_empty(), "no template for {r} stars");
        }
        assert_eq!(for_rating(&all, 2)[0].name, "apology");
    }

    #[test]
    fn render_fills_what_is_known_and_leaves_the_rest_visible() {
        let vars = Vars {
            reviewer: Some("Anna".into()),
            app: Some("Deal Sync".into()),
            rating: Some(2),
            ticket: None,
            portal: Some("acme.bitrix24.com".into()),
            operator: Some("alice".into()),
        };
        let out = render("\nHello {reviewer}, ticket {ticket} for {app} ({rating}★, {portal}) — {operator}\n", &vars);
        assert_eq!(out, "Hello Anna, ticket {ticket} for Deal Sync (2★, acme.bitrix24.com) — alice");
        assert_eq!(unfilled(&out), vec!["ticket"]);
        assert!(unfilled("a {curly} brace is fine").is_empty());
    }

    #[test]
    fn bad_template_files_are_refused() {
        assert!(matches!(parse("template = 3"), Err(TemplateError::Parse(_))));
        let bad = "[[template]]\nname = \"x\"\nstars = [4, 2]\ntext = \"hi\"\n";
        assert!(matches!(parse(bad), Err(TemplateError::Invalid { .. })));
        let empty = "[[template]]\nname = \"x\"\nstars = [1, 2]\ntext = \"  \"\n";
        assert!(matches!(parse(empty), Err(TemplateError::Invalid { .. })));
    }
}
