//! `chorus index` and `chorus search`: real tantivy indexes over the demo corpus and the shared
//! data, checked against polars counts of the same frames.

use std::collections::BTreeMap;
use std::path::Path;

use chorus_core::model::{col, Table};
use polars::prelude::*;

use crate::common::*;

fn ingest_and_index(ws: &Path, input: &Path) {
    let run = chorus(ws, &["ingest", input.to_str().unwrap()]);
    assert!(run.code <= 1, "{}", run.stderr);
    let run = chorus(ws, &["index"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

fn search(ws: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    let run = chorus(ws, &all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

#[test]
fn demo_search_phrases_filters_facets_and_errors() {
    let ws = tempdir();
    ingest_and_index(ws.path(), &demo());
    let units = frame(ws.path(), Table::Units);

    // a phrase matches exactly the units that contain it (case-insensitively)
    let r = search(ws.path(), &["\"paper forms\"", "--limit", "1000"]);
    let expected = units
        .column(col::TEXT)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .filter(|t| t.to_lowercase().contains("paper forms"))
        .count();
    assert!(expected > 0);
    assert_eq!(r["total"].as_u64().unwrap() as usize, expected);
    for h in r["hits"].as_array().unwrap() {
        assert!(
            h["text"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("paper forms"),
            "{h}"
        );
        assert!(!h["snippet"]["highlights"].as_array().unwrap().is_empty());
        assert!(h["event"].as_str().is_some() && h["unit_id"].as_str().is_some());
    }

    // facet counts for `*` with a frame filter equal polars counts over the frames
    let r = search(ws.path(), &["*", "--frame", "keep", "--limit", "1"]);
    let questions = frame(ws.path(), Table::Questions);
    let keep = units
        .clone()
        .lazy()
        .join(
            questions.lazy(),
            [col(col::QUESTION_ID)],
            [col(col::QUESTION_ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col(col::FRAME).eq(lit("keep")))
        .group_by([col(col::EVENT_ID)])
        .agg([len().alias("n")])
        .collect()
        .unwrap();
    let polars_counts: BTreeMap<String, u64> = keep
        .column(col::EVENT_ID)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .zip(
            keep.column("n")
                .unwrap()
                .cast(&DataType::UInt64)
                .unwrap()
                .u64()
                .unwrap()
                .iter(),
        )
        .map(|(e, n)| (e.unwrap().to_string(), n.unwrap()))
        .collect();
    let index_counts: BTreeMap<String, u64> = r["facets"]["event"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(index_counts, polars_counts);
    assert_eq!(
        r["total"].as_u64().unwrap(),
        polars_counts.values().sum::<u64>()
    );

    // filters combine; pagination pages through the same ranking
    let all = search(ws.path(), &["remote OR home", "--limit", "6"]);
    let page2 = search(
        ws.path(),
        &["remote OR home", "--limit", "3", "--offset", "3"],
    );
    let ids = |v: &serde_json::Value| {
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["unit_id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&all)[3..].to_vec(), ids(&page2));
    let canada = search(
        ws.path(),
        &["remote OR home", "--country", "Canada", "--limit", "50"],
    );
    assert!(canada["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["event"] == "ottawa-health"));

    // bad queries: exit code 2 and a message, never a panic
    for (args, needle) in [
        (
            vec!["search", "\"unclosed phrase"],
            "could not parse the query",
        ),
        (
            vec!["search", "nosuchfield:x"],
            "unknown field `nosuchfield`",
        ),
        (vec!["search", "  "], "the query is empty"),
        (
            vec!["search", "forms", "--country", "Atlantis"],
            "no unit has country `Atlantis`",
        ),
        (
            vec!["search", "forms", "--from", "yesterday"],
            "is not a date",
        ),
        (vec!["search", "forms", "--offset", "20000"], "deepest page"),
    ] {
        let run = chorus(ws.path(), &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"));
    }
    let long = "word ".repeat(400);
    assert_eq!(chorus(ws.path(), &["search", &long]).code, 2);

    // the human output shows the snippet with its highlight and the facets
    let run = chorus(ws.path(), &["search", "paper forms", "--limit", "2"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("[paper]") || run.stdout.contains("[forms]"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("facets:"), "{}", run.stdout);
}

#[test]
fn index_is_incremental() {
    let ws = tempdir();
    ingest_and_index(ws.path(), &demo());
    let again = chorus(ws.path(), &["index", "--json"]);
    let j = again.json();
    assert_eq!(j["events_indexed"].as_array().unwrap().len(), 0);
    assert_eq!(
        j["documents"].as_u64().unwrap() as usize,
        frame(ws.path(), Table::Units).height()
    );
    // re-ingest one event with a different unit length: only it is re-indexed
    assert!(
        chorus(
            ws.path(),
            &[
                "ingest",
                "--max-unit-chars",
                "120",
                demo().join("tallinn-estonia").to_str().unwrap()
            ]
        )
        .code
            <= 1
    );
    let j = chorus(ws.path(), &["index", "--json"]).json();
    assert_eq!(j["events_indexed"], serde_json::json!(["tallinn-estonia"]));
    assert_eq!(
        j["documents"].as_u64().unwrap() as usize,
        frame(ws.path(), Table::Units).height()
    );
    // the replaced documents are merged away: no segment keeps deletes for searches to skip
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join("index/meta.json")).unwrap())
            .unwrap();
    let segments = meta["segments"].as_array().unwrap();
    assert!(segments.iter().all(|s| s["deletes"].is_null()), "{meta}");
    assert!(
        !meta["payload"].is_null(),
        "the merge kept the commit's payload"
    );
}

#[test]
fn killed_indexing_leaves_a_usable_index_and_the_next_run_completes() {
    let Some(shared) = shared_data() else { return };
    let ws = tempdir();
    assert!(chorus(ws.path(), &["ingest", shared.to_str().unwrap()]).code <= 1);
    let units = frame(ws.path(), Table::Units).height() as u64;
    let meta = ws.path().join("index/meta.json");
    let mut killed_after = None;
    for _attempt in 0..5 {
        let _ = std::fs::remove_dir_all(ws.path().join("index"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chorus"))
            .arg("--workspace")
            .arg(ws.path())
            .args(["index", "--commit-every", "200"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let committed = loop {
            if let Some(st) = child.try_wait().unwrap() {
                assert!(st.success());
                break None;
            }
            let n = std::fs::read_to_string(&meta)
                .ok()
                .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
                .and_then(|m| {
                    m["payload"]
                        .as_str()
                        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                })
                .map(|p| p["events"].as_object().map_or(0, |e| e.len()))
                .unwrap_or(0);
            if (1..30).contains(&n) {
                child.kill().unwrap();
                child.wait().unwrap();
                break Some(n);
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        if committed.is_some() {
            killed_after = committed;
            break;
        }
    }
    let Some(done) = killed_after else {
        panic!("indexing finished before it could be killed, five times")
    };
    // the last commit is searchable
    let r = search(ws.path(), &["*", "--limit", "1"]);
    assert!(r["total"].as_u64().unwrap() > 0);
    assert!(r["total"].as_u64().unwrap() < units);
    // the next run indexes only what is missing and ends complete
    let j = chorus(ws.path(), &["index", "--json"]).json();
    assert_eq!(j["events_unchanged"].as_u64().unwrap() as usize, done);
    assert_eq!(j["events_indexed"].as_array().unwrap().len(), 41 - done);
    assert_eq!(j["documents"].as_u64().unwrap(), units);
}

#[test]
fn shared_data_minimum_wage_and_german_word_forms() {
    let Some(shared) = shared_data() else { return };
    let ws = tempdir();
    ingest_and_index(ws.path(), &shared);
    let r = search(ws.path(), &["minimum wage", "--limit", "5"]);
    assert_eq!(r["hits"][0]["event"], "15-per-hour-seattle");
    // German stemming: the plural finds units that only have the singular
    let r = search(ws.path(), &["Gemeinden", "--lang", "de", "--limit", "200"]);
    let texts: Vec<String> = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["text"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("gemeinde") && !t.contains("gemeinden")),
        "no singular-only hit among {}",
        texts.len()
    );
    assert!(texts.iter().all(|t| t.contains("gemeinde")));
}
