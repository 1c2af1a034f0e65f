//! The weekly REST changelog check, run as a user would: the real binary on a seeded database,
//! reading the fixtures under tests/fixtures/changelog/ (written for these tests in the format of
//! the official docs: `en/` and `ru/` are small documentation checkouts, `hostile.md` a changelog
//! with bad dates, unknown links and terminal escapes).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

use b24ops::store::doc_lists::CHANGELOG;
use common::{backends, empty_on, now};

const BIN: &str = env!("CARGO_BIN_EXE_b24ops");
const NOW: &str = "2026-11-24T12:00:00Z";

fn fixture(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/changelog").join(rel).display().to_string()
}

fn run(dir: &Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["--database-url", url, "--now", NOW])
        .args(args)
        .env("B24OPS_LOG__FILE", dir.join("b24ops.log"))
        .env("HOME", dir)
        .env_remove("B24OPS_DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn seeded(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("cl.db").display());
    let out = run(dir, &url, &["seed", "--calls", "3000", "--portals", "30"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    url
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn text(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn dates(doc: &serde_json::Value) -> Vec<String> {
    doc["entries"].as_array().unwrap().iter().map(|e| e["entry"]["date"].as_str().unwrap().to_owned()).collect()
}

fn weekly(dir: &Path, url: &str) -> serde_json::Value {
    let doc = json(&run(dir, url, &["maintenance", "--json"], &[]));
    doc.as_array().unwrap().iter().find(|c| c["name"] == "deprecations").unwrap().clone()
}

#[test]
fn a_checkout_lists_entries_touching_the_app_first_and_marking_done_moves_since() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let before = weekly(dir.path(), &url);
    assert!(before["context"][0].as_str().unwrap().contains("changelog not read yet"), "{before}");

    let doc = json(&run(dir.path(), &url, &["maintenance", "changelog", "--from", &fixture("en"), "--json"], &[]));
    assert_eq!(doc["newest"], "2026-11-20");
    assert!(doc["since"].is_null(), "never marked done: everything");
    assert!(doc["problems"].as_array().unwrap().is_empty(), "{}", doc["problems"]);
    let entries = doc["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 8);
    let touching: Vec<&serde_json::Value> =
        entries.iter().take_while(|e| !e["touches"].as_array().unwrap().is_empty()).collect();
    assert!(
        entries[touching.len()..].iter().all(|e| e["touches"].as_array().unwrap().is_empty()),
        "touching ones first"
    );
    let kinds: Vec<&str> = touching.iter().map(|e| e["entry"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["removed", "deprecated", "other", "other"], "{touching:#?}");
    assert_eq!(touching[0]["touches"][0][0], "im.search.last.get");
    assert_eq!(touching[1]["entry"]["date"], "2026-11-18");
    // The Deals overview names no method: the checkout's pages under crm/deals/ make it touch.
    assert_eq!(touching[2]["entry"]["date"], "2026-11-20");
    assert_eq!(touching[2]["entry"]["section_names"][0], "crm.deal.*");
    assert!(touching[2]["touches"].as_array().unwrap().iter().any(|t| t[0] == "crm.deal.list"));
    assert!(touching[3]["entry"]["names"][0] == "crm.item.*");

    let weekly_before = weekly(dir.path(), &url);
    let findings: Vec<&str> =
        weekly_before["findings"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(findings[0].starts_with("changelog 2026-11-03 REMOVED [app calls im.search.last.get"), "{findings:#?}");
    assert!(findings.iter().any(|f| f.starts_with("crm.deal.list (") && f.ends_with("→ crm.item.list")));
    assert!(findings.iter().any(|f| f.contains("more new entries touch none")));

    let done = run(dir.path(), &url, &["maintenance", "--done", "deprecations", "--note", "read the changelog"], &[]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let after = weekly(dir.path(), &url);
    assert_eq!(after["last_done"]["changelog_through"], "2026-11-20");
    assert!(after["context"][0].as_str().unwrap().contains("since 2026-11-20; 0 new"), "{}", after["context"]);
    assert!(!after["findings"].as_array().unwrap().iter().any(|f| f.as_str().unwrap().starts_with("changelog")));
    let again = json(&run(dir.path(), &url, &["maintenance", "changelog", "--from", &fixture("en"), "--json"], &[]));
    assert_eq!(again["since"], "2026-11-20");
    assert!(again["entries"].as_array().unwrap().is_empty(), "since moved forward");
    let since = json(&run(
        dir.path(),
        &url,
        &["maintenance", "changelog", "--from", &fixture("en"), "--since", "2026-11-15", "--json"],
        &[],
    ));
    assert_eq!(dates(&since).len(), 4);
    assert!(dates(&since).iter().all(|d| d.as_str() > "2026-11-15"));
    let bad =
        run(dir.path(), &url, &["maintenance", "changelog", "--from", &fixture("en"), "--since", "last week"], &[]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));
    let audit = json(&run(dir.path(), &url, &["audit", "--json"], &[]));
    assert!(audit.as_array().unwrap().iter().any(|a| a["action"] == "docs.changelog"));
}

#[test]
fn the_russian_changelog_reads_the_same_and_lines_name_the_app_calls() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let file = fixture("ru/whats-new.md");
    let doc = json(&run(dir.path(), &url, &["maintenance", "changelog", "--from", &file, "--json"], &[]));
    assert!(doc["problems"].as_array().unwrap().is_empty(), "{}", doc["problems"]);
    let mut all = dates(&doc);
    all.sort();
    assert_eq!(all, ["2026-10-01", "2026-11-03", "2026-11-12", "2026-11-18", "2026-11-18", "2026-11-20", "2026-11-20"]);
    let kinds: Vec<&str> =
        doc["entries"].as_array().unwrap().iter().map(|e| e["entry"]["kind"].as_str().unwrap()).collect();
    assert_eq!(&kinds[..2], ["removed", "deprecated"], "«Удалили» and «Развитие … остановлено»");
    let lines = text(&run(dir.path(), &url, &["maintenance", "changelog", "--from", &file], &[]));
    assert!(lines.contains("touching the app:\n  2026-11-03 REMOVED [app calls im.search.last.get"), "{lines}");
    assert!(
        lines.contains("2026-11-18 DEPRECATED [app calls crm.item.list ×") && lines.contains(", crm.company.list ×"),
        "{lines}"
    );
    assert!(lines.contains("(kept for the weekly check"));
}

#[test]
fn a_hostile_changelog_names_its_bad_entries_and_keeps_the_rest_clean() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let file = fixture("hostile.md");
    let out = run(dir.path(), &url, &["maintenance", "changelog", "--from", &file, "--json"], &[]);
    let raw = String::from_utf8_lossy(&out.stdout).into_owned();
    for bad in ['\x1b', '\x07', '\u{202e}', '\u{200b}'] {
        assert!(!raw.contains(bad), "{bad:?} reached the output");
    }
    let doc = json(&out);
    assert_eq!(dates(&doc).len(), 4, "three on the 19th and the last good one");
    let problems: Vec<String> =
        doc["problems"].as_array().unwrap().iter().map(|p| format!("{}: {}", p["line"], p["reason"])).collect();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems.iter().any(|p| p.starts_with("13:") && p.contains("not a date (Novembruary 40, 2026)")));
    assert!(problems.iter().any(|p| p.starts_with("17:") && p.contains("November 31, 2026")));
    assert_eq!(problems.iter().filter(|p| p.contains("unknown link target")).count(), 2);
    let lines =
        text(&run(dir.path(), &url, &["maintenance", "changelog", "--from", &file, "--since", "2026-01-01"], &[]));
    assert!(lines.contains("4 not read as they stand:") && lines.contains("line 13: under a heading"), "{lines}");
    assert!(!lines.contains('\x1b'));
}

#[test]
fn offline_the_default_address_fails_in_one_line_naming_from() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    // No network for the test: every request goes to a proxy port nothing listens on.
    let closed = common::process::free_port();
    let proxy = format!("http://127.0.0.1:{closed}");
    let env = [("HTTPS_PROXY", proxy.as_str()), ("https_proxy", proxy.as_str()), ("NO_PROXY", ""), ("no_proxy", "")];
    let out = run(dir.path(), &url, &["maintenance", "changelog"], &env);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("raw.githubusercontent.com/bitrix24/b24restdocs") && err.contains("--from PATH"), "{err}");
    assert_eq!(err.trim().lines().filter(|l| l.contains("--from")).count(), 1, "{err}");
    let local = format!("http://127.0.0.1:{closed}/whats-new.md");
    let out = run(dir.path(), &url, &["maintenance", "changelog", "--from", &local], &[]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--from PATH"));
    let missing = run(dir.path(), &url, &["maintenance", "changelog", "--from", "/nonexistent/whats-new.md"], &[]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read /nonexistent/whats-new.md"));
}

#[test]
fn a_rebuilt_deprecation_list_shows_its_diff_and_the_weekly_check_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let shipped = text(&run(dir.path(), &url, &["maintenance", "deprecations"], &[]));
    assert!(shipped.starts_with("248 deprecated, the list shipped"), "{shipped}");
    let out =
        text(&run(dir.path(), &url, &["maintenance", "deprecations", "--refresh", "--from", &fixture("en")], &[]));
    assert!(out.contains("5 pages read, 2 deprecated methods and events marked"), "{out}");
    assert!(out.contains("0 new, 246 no longer marked, 1 with other replacements"), "{out}");
    assert!(out.contains("~ crm.deal.list: crm.item.list → crm.item.list, crm.item.get"), "{out}");
    assert!(out.contains("stored: the weekly check reads this list now"));
    let dep = weekly(dir.path(), &url);
    let findings: Vec<&str> = dep["findings"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(findings.iter().any(|f| f.starts_with("crm.deal.list (") && f.ends_with("→ crm.item.list, crm.item.get")));
    assert!(!findings.iter().any(|f| f.starts_with("crm.contact.get")), "not marked in this checkout: {findings:#?}");
    assert!(dep["context"].as_array().unwrap().iter().any(|c| c.as_str().unwrap().contains("2 deprecated, rebuilt")));
    let not_checkout =
        run(dir.path(), &url, &["maintenance", "deprecations", "--refresh", "--from", &fixture("hostile.md")], &[]);
    assert!(String::from_utf8_lossy(&not_checkout.stderr).contains("is not a documentation checkout"));
    let ro = run(
        dir.path(),
        &url,
        &["maintenance", "deprecations", "--refresh", "--from", &fixture("en")],
        &[("B24OPS_READ_ONLY", "true")],
    );
    assert!(!ro.status.success(), "read-only refuses the rebuild");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documentation_lists_and_the_date_read_keep_on_every_backend() {
    for b in backends() {
        let db = empty_on(&b).await;
        let big = "x".repeat(300_000);
        db.store.put_doc_list(CHANGELOG, "checkout /tmp/docs", &big, "tester", "1 entry", now()).await.unwrap();
        db.store.put_doc_list(CHANGELOG, "checkout /tmp/docs2", "{}", "tester", "again", now()).await.unwrap();
        let got = db.store.doc_list(CHANGELOG).await.unwrap().unwrap();
        assert_eq!((got.source.as_str(), got.body.as_str()), ("checkout /tmp/docs2", "{}"), "the newer read replaces");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 20);
        db.store.mark_check_done("deprecations", now(), "tester", None, day, now()).await.unwrap();
        assert_eq!(db.store.last_done("deprecations").await.unwrap().unwrap().changelog_through, day);
        db.store.put_doc_list("deprecations", "c", &big, "tester", "s", now()).await.unwrap();
        assert_eq!(
            db.store.doc_list("deprecations").await.unwrap().unwrap().body.len(),
            300_000,
            "no cut on any backend"
        );
    }
}
