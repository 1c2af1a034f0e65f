//! The headless verbs, run as a user would: the real binary, JSON out.

use std::path::Path;
use std::process::{Command, Output};

use crate::common;

use common::process::{Child, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_b24ops");
const NOW: &str = "2026-11-24T12:00:00Z";

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("B24OPS_LOG__FILE", dir.join("b24ops.log")).env("HOME", dir).env_remove("B24OPS_DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn seeded(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("cli.db").display());
    let out = run(dir, &["--database-url", &url, "--now", NOW, "seed", "--calls", "2000", "--portals", "30"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    url
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn calls_json_filters_by_member_and_is_newest_last() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let all = json(&run(dir.path(), &["calls", "--limit", "20", "--json"], &[("B24OPS_DATABASE_URL", &url)]));
    let rows = all.as_array().unwrap();
    assert_eq!(rows.len(), 20);
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let member = rows[0]["member_id"].as_str().unwrap().to_owned();
    let mine = json(&run(dir.path(), &["--database-url", &url, "calls", "--member-id", &member, "--json"], &[]));
    assert!(mine.as_array().unwrap().iter().all(|r| r["member_id"] == member.as_str()));
    let bad = run(dir.path(), &["--database-url", &url, "calls", "--member-id", "x y"], &[]);
    assert!(!bad.status.success());
}

#[test]
fn errors_json_follows_the_window_and_config_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let base = ["--database-url", url.as_str(), "--now", NOW, "errors", "--json"];
    let doc = json(&run(dir.path(), &base, &[]));
    assert_eq!(doc["threshold_15m"], 10);
    let groups = doc["groups"].as_array().unwrap();
    assert!(groups.iter().any(|g| g["over_threshold"] == true));
    let raised = json(&run(dir.path(), &base, &[("B24OPS_ERRORS__THRESHOLD_15M", "100")]));
    assert_eq!(raised["threshold_15m"], 100, "a B24OPS_ variable overrides a config key");
    assert!(raised["groups"].as_array().unwrap().iter().all(|g| g["over_threshold"] == false));
    let day = json(&run(
        dir.path(),
        &["--database-url", &url, "--now", NOW, "errors", "--window", "24h", "--by-type", "--json"],
        &[],
    ));
    assert!(day["groups"].as_array().unwrap().iter().all(|g| g["member_id"].is_null()));
    let bad = run(dir.path(), &["--database-url", &url, "errors", "--window", "soon"], &[]);
    assert!(!bad.status.success());
}

#[test]
fn a_config_file_is_read_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let cfg = dir.path().join("b24ops.toml");
    std::fs::write(&cfg, format!("database_url = \"{url}\"\n[errors]\nthreshold_15m = 3\n")).unwrap();
    let doc = json(&run(dir.path(), &["--config", cfg.to_str().unwrap(), "--now", NOW, "errors", "--json"], &[]));
    assert_eq!(doc["threshold_15m"], 3);
    std::fs::write(&cfg, "[errors]\nthreshold_fifteen = 3\n").unwrap();
    let out = run(dir.path(), &["--config", cfg.to_str().unwrap(), "errors"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("threshold_fifteen"));
}

#[test]
fn portal_json_has_the_whole_picture() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let calls = json(&run(dir.path(), &["--database-url", &url, "calls", "--limit", "1", "--json"], &[]));
    let domain = calls[0]["domain"].as_str().unwrap().to_owned();
    let p = json(&run(dir.path(), &["--database-url", &url, "--now", NOW, "portal", &domain, "--json"], &[]));
    assert_eq!(p["portal"]["domain"], domain.as_str());
    assert!(p["token"]["class"].is_string());
    assert!(!p["calls"].as_array().unwrap().is_empty());
    assert!(p.get("access_token").is_none() && !p.to_string().contains("refresh_token\":\""), "no secrets");
}

#[test]
fn unrelated_b24ops_variables_are_not_configuration_but_typos_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let ok = run(dir.path(), &["--database-url", &url, "calls", "--limit", "1"], &[("B24OPS_SOMETHING_ELSE", "x")]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let typo = run(dir.path(), &["--database-url", &url, "calls"], &[("B24OPS_ERRORS__THRESHOLD", "5")]);
    assert!(!typo.status.success());
    assert!(String::from_utf8_lossy(&typo.stderr).contains("threshold"));
    // Every section is reachable from the environment, the newer ones too.
    for (var, value) in
        [("B24OPS_WATCH__INTERVAL", "zz"), ("B24OPS_SLA__NEAR_SHARE", "x"), ("B24OPS_BITRIX__TIMEOUT_SECS", "x")]
    {
        let bad = run(dir.path(), &["--database-url", &url, "watch", "--once"], &[(var, value)]);
        assert!(!bad.status.success(), "{var} is read");
    }
}

#[test]
fn tasks_restart_discard_and_audit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let db = ["--database-url", url.as_str()];
    let list = json(&run(dir.path(), &[&db[..], &["tasks", "list", "--limit", "3", "--json"]].concat(), &[]));
    let id = list[0]["id"].as_i64().unwrap().to_string();
    assert!(list.as_array().unwrap().iter().all(|t| t["status"] == "failed"));

    let ro = run(dir.path(), &[&db[..], &["--read-only", "tasks", "restart", &id]].concat(), &[]);
    assert!(!ro.status.success());
    assert!(String::from_utf8_lossy(&ro.stderr).contains("read-only"));
    let ro_env = run(dir.path(), &[&db[..], &["tasks", "restart", &id]].concat(), &[("B24OPS_READ_ONLY", "true")]);
    assert!(!ro_env.status.success(), "B24OPS_READ_ONLY is honoured");

    let ok = run(dir.path(), &[&db[..], &["tasks", "restart", &id]].concat(), &[("B24OPS_OPERATOR", "carol")]);
    assert!(ok.status.success());
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), format!("restarted #{id}"));
    let again = run(dir.path(), &[&db[..], &["tasks", "restart", &id]].concat(), &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("no longer failed"));

    let bulk = run(dir.path(), &[&db[..], &["tasks", "restart", "--all-failed", "--kind", "sync.deals"]].concat(), &[]);
    assert!(!bulk.status.success(), "bulk needs --yes");
    assert!(String::from_utf8_lossy(&bulk.stderr).contains("--yes"));
    let bulk = run(
        dir.path(),
        &[&db[..], &["tasks", "discard", "--all-failed", "--kind", "sync.deals", "--yes"]].concat(),
        &[],
    );
    assert!(bulk.status.success(), "{}", String::from_utf8_lossy(&bulk.stderr));
    let left = json(&run(dir.path(), &[&db[..], &["tasks", "list", "--kind", "sync.deals", "--json"]].concat(), &[]));
    assert!(left.as_array().unwrap().is_empty());

    let audit = json(&run(dir.path(), &[&db[..], &["audit", "--json"]].concat(), &[]));
    let rows = audit.as_array().unwrap();
    assert!(rows.iter().any(|r| r["operator"] == "carol" && r["target"] == format!("task #{id}").as_str()));
    assert!(rows.iter().any(|r| r["action"] == "task.discard"));
}

#[test]
fn ingest_keeps_good_lines_and_names_bad_ones() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ingest.db").display());
    assert!(run(dir.path(), &["--database-url", &url, "migrate"], &[]).status.success());
    let input = [
        r#"{"ts":"2026-11-24T11:00:00Z","member_id":"feedfeedfeedfeedfeedfeedfeedfeed","method":"crm.item.list","http_status":200,"duration_ms":120}"#,
        "this is not json",
        r#"{"ts":1795521600000,"member_id":"feedfeedfeedfeedfeedfeedfeedfeed","method":"crm.item.get","http_status":503,"error_code":"QUERY_LIMIT_EXCEEDED"}"#,
        "",
        r#"{"ts":"2026-11-24T11:00:00Z","member_id":"bad id","method":"x"}"#,
    ]
    .join("\n");
    let mut child = Command::new(BIN)
        .args(["--database-url", &url, "ingest-calls", "--batch", "1"])
        .env("B24OPS_LOG__FILE", dir.path().join("b24ops.log"))
        .env("HOME", dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "bad lines make the exit status non-zero");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2:") && err.contains("line 5:"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("ingested 2 calls"));
    let calls = json(&run(dir.path(), &["--database-url", &url, "calls", "--json"], &[]));
    assert_eq!(calls.as_array().unwrap().len(), 2, "the good lines were kept");

    let pruned = run(
        dir.path(),
        &["--database-url", &url, "--now", "2026-11-24T12:00:00Z", "prune", "--older-than", "30m"],
        &[],
    );
    assert!(pruned.status.success(), "{}", String::from_utf8_lossy(&pruned.stderr));
    let calls = json(&run(dir.path(), &["--database-url", &url, "calls", "--json"], &[]));
    assert_eq!(calls.as_array().unwrap().len(), 1, "the 11:00 call is older than 30 minutes at 12:00");
}

#[test]
fn read_only_refuses_every_writing_verb() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    for verb in [
        &["migrate"][..],
        &["seed", "--calls", "10"],
        &["prune", "--older-than", "1d"],
        &["partition"],
        &["ingest-calls"],
        &["bench"],
    ] {
        let out = run(dir.path(), &[&["--database-url", url.as_str(), "--read-only"][..], verb].concat(), &[]);
        assert!(!out.status.success(), "{verb:?} must be refused");
        assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"), "{verb:?}");
    }
}

#[test]
fn reviews_import_list_draft_and_mark_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let db = [("B24OPS_DATABASE_URL", url.as_str()), ("B24OPS_NOW", NOW), ("B24OPS_OPERATOR", "carol")];
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/examples/reviews.csv");
    let out = run(dir.path(), &["reviews", "import", example], &db);
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 added"), "{out:?}");
    let out = run(dir.path(), &["reviews", "import", example], &db);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 added, 0 updated"), "re-import changes nothing");

    let list = json(&run(dir.path(), &["reviews", "list", "--json"], &db));
    let rows = list.as_array().unwrap();
    let dues: Vec<&str> = rows.iter().map(|r| r["clock"]["reply_due"].as_str().unwrap()).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "deadline order");
    let olga = rows.iter().find(|r| r["source_id"] == "mp-90121").expect("imported review listed");
    let id = olga["id"].as_i64().unwrap().to_string();
    let hostile = rows.iter().find(|r| r["source_id"] == "mp-90123").unwrap();
    assert!(!hostile.to_string().contains("\\u001b"), "escapes never reach the JSON: {hostile}");

    let none = run(dir.path(), &["reviews", "draft", &id, "--print"], &db);
    assert!(!none.status.success() && String::from_utf8_lossy(&none.stderr).contains("no reply draft"));
    // A draft written elsewhere (the console), then printed for a pipe and marked.
    let draft = "Hello Olga,\n\nsorry — fixed in ticket #4711.";
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = b24ops::store::Store::connect(&url, b24ops::store::OpenMode::Existing).await.unwrap();
        let now = NOW.parse().unwrap();
        store.save_review_draft(id.parse().unwrap(), None, draft, "carol", now).await.unwrap();
        store.close().await;
    });
    let printed = run(dir.path(), &["reviews", "draft", &id, "--print"], &db);
    assert_eq!(String::from_utf8_lossy(&printed.stdout), draft, "--print gives the draft exactly");
    let marked = run(dir.path(), &["reviews", "mark", &id, "published"], &db);
    assert!(String::from_utf8_lossy(&marked.stdout).contains("draft → published"), "{marked:?}");
    let again = run(dir.path(), &["reviews", "mark", &id, "published"], &db);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("already published"));
    let ro = run(dir.path(), &["--read-only", "reviews", "import", example], &db);
    assert!(!ro.status.success() && String::from_utf8_lossy(&ro.stderr).contains("read-only"));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    let out = run(dir.path(), &["reviews", "import", bad.to_str().unwrap()], &db);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("cannot read the file as JSON"));
    let audit = json(&run(dir.path(), &["audit", "--json"], &db));
    assert!(audit.as_array().unwrap().iter().any(|a| a["action"] == "reviews.import" && a["operator"] == "carol"));
}

/// A free loopback port (bound, then released for the child to take).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_verbs_against_the_emulator_keep_secrets_out_of_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let log = dir.path().join("b24ops.log");
    let secret = "cli-test-secret-9f8e7d";
    let env = [
        ("B24OPS_DATABASE_URL", url.as_str()),
        ("B24OPS_CLIENT_ID", "app.cli.test"),
        ("B24OPS_CLIENT_SECRET", secret),
        ("B24OPS_LOG__LEVEL", "debug"),
        ("B24OPS_BITRIX__EXPECTED_PLACEMENTS", "[\"CRM_DEAL_DETAIL_TAB\"]"),
    ];
    let mut emu = Command::new(BIN);
    emu.args(["--now", NOW, "emulator", "--listen", &listen, "--point-db"])
        .env("B24OPS_LOG__FILE", &log)
        .env("HOME", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        emu.env(k, v);
    }
    let _emu = Child(emu.spawn().unwrap());
    let store = b24ops::store::Store::connect(&url, b24ops::store::OpenMode::Existing).await.unwrap();
    // Ready once the emulator answers and the database points at it.
    let mut ready = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let pointed = store.portals_after("", 1).await.unwrap()[0]
            .client_endpoint
            .as_ref()
            .is_some_and(|e| e.as_str().contains(&listen));
        if pointed {
            ready = true;
            break;
        }
    }
    assert!(ready, "the emulator came up and pointed the database at itself");

    let list = json(&run(dir.path(), &["--now", NOW, "tokens", "list", "--json"], &env));
    let rows = list["rows"].as_array().unwrap();
    let days: Vec<i64> = rows.iter().map(|r| r["state"]["days_left"].as_i64().unwrap()).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "sorted by days left: {days:?}");
    let near = rows.iter().find(|r| (1..=30).contains(&r["state"]["days_left"].as_i64().unwrap())).unwrap();
    let member = near["portal"]["member_id"].as_str().unwrap().to_owned();
    let m = b24ops::model::MemberId::parse(&member).unwrap();
    let old = store.portal_credentials(&m).await.unwrap().unwrap();

    let out = run(dir.path(), &["--now", NOW, "tokens", "refresh", &member], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("refreshed"));
    let new = store.portal_credentials(&m).await.unwrap().unwrap();
    assert_ne!(new.refresh_token, old.refresh_token);

    let diag = run(dir.path(), &["--now", NOW, "tokens", "diagnose", &member, "--json"], &env);
    let d = json(&diag);
    assert!(d["app"]["ok"]["status"].is_string(), "{d}");
    assert!(d["methods"]["ok"].as_array().unwrap().iter().any(|x| x["deprecated"] == true), "{d}");

    // A notice only for what an admin can fix: none for a healthy portal, ...
    let nothing = run(dir.path(), &["--now", NOW, "tokens", "notify", &member], &env);
    assert!(
        !nothing.status.success()
            && String::from_utf8_lossy(&nothing.stderr).contains("nothing on this portal needs its admin")
    );
    // ... and one, shown before it is sent, when a method waits for the admin's confirmation.
    let now: chrono::DateTime<chrono::Utc> = NOW.parse().unwrap();
    let waiting = b24ops::model::NewApiCall {
        ts: now - chrono::Duration::minutes(5),
        member_id: member.clone(),
        method: "crm.deal.delete".into(),
        http_status: Some(401),
        error_code: Some("METHOD_CONFIRM_WAITING".into()),
        error_description: Some("Waiting for confirmation".into()),
        duration_ms: Some(5),
        operating: None,
        request_id: None,
        task_id: None,
        source: "app".into(),
    };
    store.insert_call(&waiting).await.unwrap();
    let preview = run(dir.path(), &["--now", NOW, "tokens", "notify", &member], &env);
    assert!(preview.status.success(), "{}", String::from_utf8_lossy(&preview.stderr));
    assert!(
        String::from_utf8_lossy(&preview.stdout).contains("confirmation")
            && String::from_utf8_lossy(&preview.stdout).contains("not sent")
    );
    let notify = run(dir.path(), &["--now", NOW, "tokens", "notify", &member, "--send"], &env);
    assert!(notify.status.success(), "{}", String::from_utf8_lossy(&notify.stderr));
    let sent: serde_json::Value =
        reqwest_get(&format!("http://{listen}/_emulator/notifications?member_id={member}")).await;
    assert_eq!(sent.as_array().unwrap().len(), 1);

    // A wrong secret is refused by the OAuth server and changes nothing.
    let bad_env: Vec<(&str, &str)> =
        env.iter().map(|(k, v)| if *k == "B24OPS_CLIENT_SECRET" { (*k, "wrong") } else { (*k, *v) }).collect();
    let bad = run(dir.path(), &["--now", NOW, "tokens", "refresh", &member], &bad_env);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("invalid_client"));
    assert_eq!(store.portal_credentials(&m).await.unwrap().unwrap().refresh_token, new.refresh_token);

    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(log_text.contains("tokens refreshed"), "the log file holds the story");
    for text in [
        log_text.as_str(),
        &String::from_utf8_lossy(&list_output(dir.path(), &env)),
        &String::from_utf8_lossy(&diag.stdout),
        &String::from_utf8_lossy(&notify.stdout),
        &String::from_utf8_lossy(&notify.stderr),
    ] {
        for s in [secret, old.refresh_token.expose(), new.refresh_token.expose(), new.access_token.expose()] {
            assert!(!text.contains(s), "a secret leaked into an output");
        }
    }
    store.close().await;
}

fn list_output(dir: &Path, env: &[(&str, &str)]) -> Vec<u8> {
    run(dir, &["--now", NOW, "tokens", "list", "--json"], env).stdout
}

async fn reqwest_get(url: &str) -> serde_json::Value {
    b24ops::bitrix::client::install_crypto();
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

#[test]
fn check_exits_by_severity_and_names_the_portal() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    // The seeded data holds error bursts from single portals within the last 15 minutes.
    let out = run(dir.path(), &["--database-url", &url, "--now", NOW, "check"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.starts_with("CRITICAL"), "{text}");
    let json_out = run(dir.path(), &["--database-url", &url, "--now", NOW, "check", "--json"], &[]);
    assert_eq!(json_out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&json_out.stdout).unwrap();
    let firing = doc["evaluation"]["firing"].as_array().unwrap();
    let burst = firing.iter().find(|f| f["rule"] == "error burst on one portal").expect("a burst fires");
    let portal = burst["figure"]["portals"][0].as_str().unwrap();
    assert!(text.contains(portal), "the portal is named");
    assert!(burst["figure"]["value"].as_i64().unwrap() > 10);

    // An empty database: nothing fires.
    let empty = format!("sqlite://{}", dir.path().join("empty.db").display());
    assert!(run(dir.path(), &["--database-url", &empty, "migrate"], &[]).status.success());
    let ok = run(dir.path(), &["--database-url", &empty, "--now", NOW, "check"], &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    // No database at all: unknown.
    let gone = format!("sqlite://{}", dir.path().join("missing.db").display());
    assert_eq!(run(dir.path(), &["--database-url", &gone, "check"], &[]).status.code(), Some(3));
    // A warning-only configuration exits 1.
    let cfg = dir.path().join("warn.toml");
    std::fs::write(
        &cfg,
        "[[alerts.rules]]\nname = \"any failed task\"\nkind = \"failed_tasks\"\nover = 0\nseverity = \"warning\"\n",
    )
    .unwrap();
    let warn =
        run(dir.path(), &["--database-url", &url, "--config", cfg.to_str().unwrap(), "--now", NOW, "check"], &[]);
    assert_eq!(warn.status.code(), Some(1), "{}", String::from_utf8_lossy(&warn.stdout));
}

#[test]
fn maintenance_finds_deprecated_methods_and_marks_a_check_done() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let doc = json(&run(dir.path(), &["--database-url", &url, "--now", NOW, "maintenance", "--json"], &[]));
    let checks = doc.as_array().unwrap();
    let dep = checks.iter().find(|c| c["name"] == "deprecations").unwrap();
    let found: Vec<&str> = dep["findings"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(found.iter().any(|f| f.starts_with("crm.deal.list") && f.contains("→ crm.item.list")), "{found:?}");
    assert_eq!(dep["standing"]["overdue"], true, "never done");
    let done = run(
        dir.path(),
        &["--database-url", &url, "--now", NOW, "maintenance", "--done", "deprecations", "--note", "told the team"],
        &[],
    );
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let doc = json(&run(dir.path(), &["--database-url", &url, "--now", NOW, "maintenance", "--json"], &[]));
    let dep = doc.as_array().unwrap().iter().find(|c| c["name"] == "deprecations").unwrap().clone();
    assert_eq!(dep["standing"]["done"], true);
    assert_eq!(dep["last_done"]["notes"], "told the team");
    let bad = run(dir.path(), &["--database-url", &url, "maintenance", "--done", "nonsense"], &[]);
    assert!(!bad.status.success());
    let audit = json(&run(dir.path(), &["--database-url", &url, "audit", "--json"], &[]));
    assert!(audit.as_array().unwrap().iter().any(|a| a["action"] == "maintenance.done"));
}

#[test]
fn an_incident_declared_friday_evening_is_due_monday_and_its_record_holds_the_actions() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let friday = "2026-11-27T17:00:00Z";
    // Mon–Fri 09:00–18:00 UTC: one business hour left on Friday, the second on Monday morning.
    let cfg = dir.path().join("utc.toml");
    std::fs::write(&cfg, "[sla]\ntimezone = \"UTC\"\n").unwrap();
    let c = cfg.to_str().unwrap();
    let declared = run(
        dir.path(),
        &[
            "--database-url",
            &url,
            "--config",
            c,
            "--now",
            friday,
            "incident",
            "declare",
            "App does not open for anyone",
        ],
        &[],
    );
    assert!(declared.status.success(), "{}", String::from_utf8_lossy(&declared.stderr));
    assert!(
        String::from_utf8_lossy(&declared.stdout).contains("respond by 2026-11-30 10:00 UTC"),
        "{}",
        String::from_utf8_lossy(&declared.stdout)
    );
    let again = run(
        dir.path(),
        &["--database-url", &url, "--config", c, "--now", friday, "incident", "declare", "another"],
        &[],
    );
    assert!(!again.status.success(), "one incident at a time");

    // Actions taken during the incident land on its timeline.
    let later = "2026-11-27T17:20:00Z";
    let tasks = json(&run(dir.path(), &["--database-url", &url, "tasks", "list", "--json"], &[]));
    let id = tasks.as_array().unwrap()[0]["id"].as_i64().unwrap().to_string();
    assert!(run(dir.path(), &["--database-url", &url, "--now", later, "tasks", "restart", &id], &[]).status.success());
    assert!(
        run(
            dir.path(),
            &["--database-url", &url, "--config", c, "--now", later, "incident", "note", "rolled back release 4.2"],
            &[]
        )
        .status
        .success()
    );
    let md_path = dir.path().join("incident.md");
    let resolved = run(
        dir.path(),
        &[
            "--database-url",
            &url,
            "--config",
            c,
            "--now",
            "2026-11-27T18:00:00Z",
            "incident",
            "resolve",
            "--summary",
            "fixed by the rollback",
            "--out",
            md_path.to_str().unwrap(),
        ],
        &[],
    );
    assert!(resolved.status.success(), "{}", String::from_utf8_lossy(&resolved.stderr));
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert!(md.starts_with("# Incident #1: App does not open for anyone"), "{md}");
    assert!(md.contains("Respond by: 2026-11-30 10:00 UTC"));
    assert!(md.contains(&format!("task.restart task #{id}")), "{md}");
    assert!(md.contains("note: rolled back release 4.2"));
    assert!(md.contains("resolved: fixed by the rollback"));
}

#[test]
fn an_incident_for_some_portals_keeps_only_their_actions() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let tasks = json(&run(dir.path(), &["--database-url", &url, "tasks", "list", "--json"], &[]));
    let rows = tasks.as_array().unwrap();
    let mine = rows.iter().find(|t| t["member_id"].is_string()).unwrap();
    let member = mine["member_id"].as_str().unwrap().to_owned();
    let other = rows.iter().find(|t| t["member_id"].is_string() && t["member_id"] != mine["member_id"]).unwrap();
    let declared = run(
        dir.path(),
        &[
            "--database-url",
            &url,
            "--now",
            NOW,
            "incident",
            "declare",
            "--severity",
            "major",
            "--member-id",
            &member,
            "--member-id",
            "ffffffffffffffffffffffffffffffff",
            "Sync broken",
        ],
        &[],
    );
    assert!(declared.status.success(), "{}", String::from_utf8_lossy(&declared.stderr));
    let later = "2026-11-24T12:05:00Z";
    for t in [mine, other] {
        let id = t["id"].as_i64().unwrap().to_string();
        assert!(
            run(dir.path(), &["--database-url", &url, "--now", later, "tasks", "restart", &id], &[]).status.success()
        );
    }
    let doc = json(&run(dir.path(), &["--database-url", &url, "--now", later, "incident", "show", "--json"], &[]));
    assert_eq!(doc["portals"].as_array().unwrap().len(), 2);
    let whats: Vec<&str> = doc["timeline"].as_array().unwrap().iter().map(|e| e["what"].as_str().unwrap()).collect();
    assert!(whats.iter().any(|w| w.contains(&format!("task #{}", mine["id"]))), "{whats:?}");
    assert!(
        !whats.iter().any(|w| w.contains(&format!("task #{}", other["id"]))),
        "another portal's action stays out: {whats:?}"
    );
}

#[test]
fn bench_prints_every_figure_including_the_real_consoles_idle_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let args = [
        "--database-url",
        url.as_str(),
        "bench",
        "--iterations",
        "10",
        "--tail-secs",
        "1",
        "--tail-rates",
        "100",
        "--ingest-rows",
        "1000",
        "--idle-secs",
        "2",
    ];
    let out = run(dir.path(), &args, &[]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}\n{}", String::from_utf8_lossy(&out.stderr));
    for figure in [
        "time to first frame",
        "RSS",
        "member filter, newest 200",
        "Errors tab, first 100 groups",
        "groups over threshold (header)",
        "ingest (2,000-row transactions)",
        "tail lag at 100 inserts/s",
        "one frame, Calls tab, 200×50",
    ] {
        assert!(report.lines().any(|l| l.starts_with(figure) && l.contains("target")), "{figure} missing:\n{report}");
    }
    let idle = report.lines().find(|l| l.starts_with("idle CPU")).unwrap_or_else(|| panic!("no idle CPU:\n{report}"));
    assert!(idle.contains("ms of CPU in 2 s") && idle.contains("% of one core"), "{idle}");
    let calls = json(&run(dir.path(), &["--database-url", &url, "calls", "--filter", "method:bench.", "--json"], &[]));
    assert_eq!(calls.as_array().unwrap().len(), 0, "the bench removes the rows it added");
}
