//! `chorus serve --review`: an analyst's edits in the browser reach the codebook, the audit
//! log, the rerun themes and the report; without the token nothing is written; an edit made on
//! an older page is refused and loses nothing.

use std::time::{Duration, Instant};

use crate::browser::{chromium, dump_dom};
use crate::serve::{http, json, send, start_with, workspace};

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        b' ' => "+".into(),
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn review_edits_reach_codebook_audit_log_themes_and_report() {
    let (ws, report) = workspace();
    let srv = start_with(ws.path(), &report, &["--review", "--reviewer", "analyst-a"]);
    let link = srv.said[0]
        .split_whitespace()
        .find(|w| w.contains("/review?token="))
        .unwrap_or_else(|| panic!("no review link in {:?}", srv.said))
        .to_string();
    let token = link.split("token=").nth(1).unwrap().to_string();
    let base = &srv.base;
    let codebook = ws.path().join("themes/codebook.toml");
    let audit = ws.path().join("themes/audit.jsonl");
    let on_disk = || {
        (
            std::fs::read_to_string(&codebook).ok(),
            std::fs::read_to_string(&audit).ok(),
        )
    };
    let before = on_disk();

    let (_, themes) = json(base, "/api/themes");
    let ids: Vec<String> = themes
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() >= 3, "{themes}");
    let (a, b) = (&ids[0], &ids[2]);
    let (_, state) = json(base, &format!("/api/review?token={token}"));
    let version = state["version"].as_str().unwrap().to_string();

    // without the token (or with a wrong one) every write is refused and nothing changes
    let rename = |tok: &str, v: &str, label: &str| {
        form(&[
            ("token", tok),
            ("version", v),
            ("action", "rename"),
            ("theme", a),
            ("label", label),
        ])
    };
    assert_eq!(
        send(base, "POST", "/review", &rename("", &version, "X")).0,
        403
    );
    assert_eq!(
        send(base, "POST", "/api/review", &rename("0123", &version, "X")).0,
        403
    );
    assert_eq!(http(base, "GET", "/review").0, 403);
    assert_eq!(on_disk(), before, "a refused write changed the workspace");

    // rename from the page's form: a redirect back to the review page
    let (status, _) = send(
        base,
        "POST",
        "/review",
        &rename(&token, &version, "Reviewed label for the test"),
    );
    assert_eq!(status, 303);
    // a second tab still on the old version is refused; the first edit stays
    let (status, body) = send(
        base,
        "POST",
        "/api/review",
        &rename(&token, &version, "Lost edit"),
    );
    assert_eq!(status, 409, "{body}");
    let book = std::fs::read_to_string(&codebook).unwrap();
    assert!(
        book.contains("Reviewed label for the test") && !book.contains("Lost edit"),
        "{book}"
    );

    // merge, pin a quote, sign off: each on the version the last one left
    let (_, theme_a) = json(base, &format!("/api/themes/{a}"));
    let quotes = theme_a["quotes"].as_array().unwrap();
    let pinned = quotes.last().unwrap()["unit_id"]
        .as_str()
        .unwrap()
        .to_string();
    for action in [
        vec![
            ("action", "merge"),
            ("theme", b.as_str()),
            ("into", a.as_str()),
        ],
        vec![
            ("action", "pin_quote"),
            ("theme", a.as_str()),
            ("unit", pinned.as_str()),
        ],
        vec![
            ("action", "review"),
            ("theme", a.as_str()),
            ("reviewed", "true"),
        ],
        vec![
            ("action", "pin_quote"),
            ("theme", a.as_str()),
            ("unit", "no/such#unit"),
        ],
    ] {
        let (_, state) = json(base, &format!("/api/review?token={token}"));
        let v = state["version"].as_str().unwrap().to_string();
        let mut pairs = vec![("token", token.as_str()), ("version", v.as_str())];
        pairs.extend(action.iter().copied());
        let (status, body) = send(base, "POST", "/api/review", &form(&pairs));
        let bad = action.contains(&("unit", "no/such#unit"));
        assert_eq!(status, if bad { 400 } else { 200 }, "{action:?}: {body}");
    }

    // the rerun finishes and the server reloads the new themes without a restart
    let started = Instant::now();
    loop {
        let (_, t) = json(base, &format!("/api/themes/{a}"));
        let (_, gone) = json(base, &format!("/api/themes/{b}"));
        let (_, state) = json(base, &format!("/api/review?token={token}"));
        let idle = state["rerun"]["running"] == false && state["rerun"]["pending"] == false;
        if idle && state["rerun"]["last"]["ok"] == false {
            panic!("the rerun failed: {}", state["rerun"]);
        }
        if idle
            && t["theme"]["label"] == "Reviewed label for the test"
            && gone["error"] == "not_found"
            && t["quotes"][0]["unit_id"] == pinned.as_str()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "the server did not show the edits: {t} / {gone} / {state}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(
        html.contains("Reviewed label for the test"),
        "the report kept the old label"
    );

    // the audit log: one line per accepted action, who, what, before and after
    let log: Vec<serde_json::Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = log
        .iter()
        .map(|e| e["action"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["rename", "merge", "pin_quote", "review"]);
    assert!(log
        .iter()
        .all(|e| e["who"] == "analyst-a" && e["at"].as_str().unwrap().ends_with('Z')));
    assert!(log[0]["after"]
        .as_str()
        .unwrap()
        .contains("Reviewed label for the test"));
    assert_eq!(log[1]["version_before"], log[0]["version_after"]);

    // the review page in a browser: the new label, the sign-off and the log
    if let Some(browser) = chromium() {
        let dom = dump_dom(&browser, &format!("{base}/review?token={token}"));
        assert!(dom.contains("Reviewed label for the test"));
        assert!(
            dom.contains("class=\"badge\">reviewed"),
            "no reviewed badge"
        );
        assert!(dom.contains("Audit log") && dom.contains("analyst-a"));
        assert!(dom.contains("name=\"version\""));
    }
}

#[test]
fn review_mode_listens_on_loopback_only() {
    let ws = crate::common::tempdir();
    let out = crate::common::chorus(
        ws.path(),
        &["serve", "--review", "--public", "--addr", "0.0.0.0:0"],
    );
    assert_eq!(out.code, 2);
    let err = &out.stderr;
    assert!(err.contains("loopback only"), "{err}");
}
