//! `chorus init`, `run`, `status` and `completions`: a new project from nothing to a report,
//! stages skipped when nothing changed and rerun when an input did.

use std::path::Path;

use crate::common::*;

fn states(dir: &Path) -> Vec<String> {
    let r = chorus_in(dir, &["status", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn init_run_status_from_nothing_to_a_report() {
    let tmp = tempdir();
    let dir = tmp.path().join("project");
    let r = chorus_in(tmp.path(), &["init", "project"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let toml = std::fs::read_to_string(dir.join("chorus.toml")).unwrap();
    assert!(toml.contains("inputs = [\"events\"]") && toml.contains("seed = 42"));
    // a second init does not overwrite
    assert_eq!(chorus_in(tmp.path(), &["init", "project"]).code, 2);

    std::fs::create_dir_all(dir.join("events/lisbon-digital")).unwrap();
    for f in ["event.toml", "session.vtt", "survey.csv"] {
        std::fs::copy(
            demo().join("lisbon-digital").join(f),
            dir.join("events/lisbon-digital").join(f),
        )
        .unwrap();
    }
    assert_eq!(states(&dir), ["never_run"; 5]);
    let r = chorus_in(&dir, &["run", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["action"] == "ran"));
    assert!(dir.join("out/report/index.html").is_file());
    assert_eq!(states(&dir), ["fresh"; 5]);
    // nothing changed: nothing runs
    let r = chorus_in(&dir, &["run", "--json"]);
    assert!(
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["action"] == "up to date"),
        "{}",
        r.stdout
    );
    // a codebook edit: themes and what follows are stale, ingest and embed are not
    std::fs::write(
        dir.join(".chorus/themes/codebook.toml"),
        "[[theme]]\nid = \"t-1\"\nlabel = \"Renamed\"\n",
    )
    .unwrap();
    assert_eq!(states(&dir), ["fresh", "fresh", "stale", "stale", "stale"]);
    let r = chorus_in(&dir, &["run", "--json"]);
    let actions: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions[..3], ["up to date", "up to date", "ran"]);
    assert!(std::fs::read_to_string(dir.join("out/report/report.md"))
        .unwrap()
        .contains("Renamed"));
    assert_eq!(states(&dir), ["fresh"; 5]);
    // the human status names the workspace and its stages
    let r = chorus_in(&dir, &["status"]);
    assert!(
        r.stdout.contains("1 events") && r.stdout.contains("report   up to date"),
        "{}",
        r.stdout
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    let tmp = tempdir();
    for shell in ["bash", "zsh", "fish"] {
        let r = chorus_in(tmp.path(), &["completions", shell]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains("serve") && r.stdout.contains("workspace"),
            "{shell}"
        );
    }
    assert_eq!(chorus_in(tmp.path(), &["completions", "cmd.exe"]).code, 2);
}
