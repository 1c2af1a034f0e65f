use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn english_and_russian_dates_with_and_without_a_day() {
    assert_eq!(parse_date("August 20, 2026"), Some(day(2026, 8, 20)));
    assert_eq!(parse_date("July 09, 2026"), Some(day(2026, 7, 9)));
    assert_eq!(parse_date("August 2024"), Some(day(2024, 8, 1)));
    assert_eq!(parse_date("20 августа, 2026"), Some(day(2026, 8, 20)));
    assert_eq!(parse_date("07 мая, 2025"), Some(day(2025, 5, 7)));
    assert_eq!(parse_date("Август, 2024"), Some(day(2024, 8, 1)));
    assert_eq!(parse_date("Май, 2025"), Some(day(2025, 5, 1)));
    assert_eq!(parse_date("February 30, 2026"), None, "no such day");
    assert_eq!(parse_date("Smarch 3, 2026"), None);
    assert_eq!(parse_date("August 3, 20266"), None);
    assert_eq!(parse_date("Updates"), None);
}

#[test]
fn names_are_methods_families_and_events() {
    for ok in ["crm.item.list", "crm.item.*", "imbot.v2.Chat.add", "ONIMBOTJOINCHAT", "onCrmTypeUserField*", "OnSignX"]
    {
        assert!(is_api_name(ok), "{ok}");
    }
    for no in ["Webhooks", "one", "crm..list", "1c.thing", "crm.item.list(", "Online", "", "a b.c"] {
        assert!(!is_api_name(no), "{no}");
    }
}

#[test]
fn link_targets_stay_inside_the_docs() {
    assert_eq!(normalize_target("./api-reference/crm/x.md#part").as_deref(), Some("api-reference/crm/x.md"));
    assert_eq!(normalize_target("api-reference/a/../b/c.md").as_deref(), Some("api-reference/b/c.md"));
    assert_eq!(normalize_target("https://github.com/x").as_deref(), Some("https://github.com/x"));
    for bad in ["javascript:alert(1)", "../../etc/passwd.md", "/etc/x.md", "./image.png", "data:text/html,x", ""] {
        assert_eq!(normalize_target(bad), None, "{bad}");
    }
}

const SAMPLE: &str = "# What's New?\n\n## 2026\n\n### August 20, 2026\n\n\
    - Added the methods [crm.quote.contact.*](./api-reference/crm/quote/contacts/index.md) for contacts\n\
    - Updated the [Webhooks](./local-integrations/local-webhooks.md) page: described `event.bind` limits\n\
    \x20 and a second line\n\n\
    ### Sometime soon\n\n- Lost entry [crm.deal.list](./x.md)\n\n\
    ### August 2, 2026\n\n- Deprecated [crm.vat.add](./api-reference/crm/outdated/vat/crm-vat-add.md)\n\
    - Removed the method `task.item.list` from the docs\n- See [evil](javascript:alert(1)) and [crm.lead.add](./a/crm-lead-add.md)\n\n\
    ### August 2024\n\nWe revamped the documentation.\n";

#[test]
fn entries_keep_their_date_links_and_names_and_bad_ones_are_named() {
    let log = parse(SAMPLE);
    let texts: Vec<&str> = log.entries.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(log.entries.len(), 6, "{texts:#?}");
    let first = &log.entries[0];
    assert_eq!((first.date, first.line), (day(2026, 8, 20), 7));
    assert_eq!(first.names, vec!["crm.quote.contact.*"]);
    assert_eq!(first.links[0].target, "api-reference/crm/quote/contacts/index.md");
    assert_eq!(first.text, "Added the methods crm.quote.contact.* for contacts");
    assert!(log.entries[1].text.ends_with("limits and a second line"), "{}", log.entries[1].text);
    assert_eq!(log.entries[1].names, vec!["event.bind"]);
    assert_eq!(log.entries[2].kind, EntryKind::Deprecated);
    assert_eq!(log.entries[3].kind, EntryKind::Removed);
    assert_eq!(log.entries[3].names, vec!["task.item.list"]);
    let evil = &log.entries[4];
    assert_eq!(evil.links.len(), 1, "the javascript: link is dropped, the good one kept");
    assert_eq!(evil.names, vec!["crm.lead.add"]);
    assert_eq!(
        (log.entries[5].date, log.entries[5].text.as_str()),
        (day(2024, 8, 1), "We revamped the documentation.")
    );
    assert_eq!(log.problems.len(), 2, "{:#?}", log.problems);
    assert!(log.problems[0].reason.contains("not a date (Sometime soon)") && log.problems[0].line == 13);
    assert!(log.problems[0].text.contains("Lost entry"));
    assert!(log.problems[1].reason.contains("unknown link target"));
    assert_eq!(log.newest(), Some(day(2026, 8, 20)));
}

#[test]
fn hostile_text_is_sanitized_and_nothing_else_lost() {
    let text = "### August 3, 2026\n\n- Added \x1b[31mred\x1b[0m [crm.item.\u{202e}list](./a.md) \u{200b}\n\
                - A second, fine entry\n\n### \x1b]0;title\x07 March 99, 2026\n\n- under a hostile heading\n";
    let log = parse(text);
    assert_eq!(log.entries.len(), 2);
    let all: String = log
        .entries
        .iter()
        .map(|e| e.text.clone())
        .chain(log.problems.iter().map(|p| p.text.clone() + &p.reason))
        .collect();
    assert!(
        !all.contains('\x1b') && !all.contains('\u{202e}') && !all.contains('\u{200b}') && !all.contains('\x07'),
        "{all:?}"
    );
    assert!(log.entries[0].names.is_empty(), "a bidi override does not make a method name");
    assert_eq!(log.problems.len(), 1);
    assert_eq!(log.problems[0].line, 8);
}

#[test]
fn a_huge_changelog_is_cut_and_says_so() {
    let mut text = String::from("### August 3, 2026\n\n");
    while text.len() <= MAX_BYTES {
        text.push_str("- Updated [crm.item.list](./a.md) ünïcode\n");
    }
    let log = parse(&text);
    assert!(log.entries.len() > 10_000);
    assert!(log.problems.iter().any(|p| p.reason.contains("was not read")));
}
