//! The redaction suite: planted personal data (`tests/fixtures/planted-pii/items.csv`, 81 items
//! in 13 categories, one an id `chorus.toml` adds) written into survey answers and transcript
//! lines; recall per category and overall, and nothing planted reaches the corpus, the index or
//! the report.

use std::collections::BTreeMap;

use chorus_core::model::{col, Table};
use chorus_core::store::str_column;

use crate::common::*;

struct Planted {
    category: String,
    item: String,
    secret: String,
}

fn planted() -> Vec<Planted> {
    let mut r = csv::Reader::from_path(fixtures().join("planted-pii/items.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            Planted {
                category: rec[0].to_string(),
                item: rec[1].to_string(),
                secret: rec[2].to_string(),
            }
        })
        .collect()
}

#[test]
fn planted_personal_data_never_reaches_the_corpus_index_or_report() {
    let items = planted();
    assert!(items.len() >= 60);
    let root = tempdir();
    let event = root.path().join("consultation");
    std::fs::create_dir_all(&event).unwrap();
    std::fs::write(
        event.join("event.toml"),
        "title = \"Consultation\"\nlanguage = \"en\"\n[speakers]\n\"Ruth Ellis\" = \"chair\"\n",
    )
    .unwrap();
    let mut survey = String::from("respondent,What should we do differently?\n");
    let mut transcript = String::new();
    for (i, p) in items.iter().enumerate() {
        let answer = format!(
            "Please fix the bus service, {} can tell you more about it",
            p.item
        );
        survey += &format!("R{i},\"{}\"\n", answer.replace('"', "\"\""));
        transcript += &format!(
            "Speaker {}: I wanted to add that {} knows the forms well.\n",
            i % 5,
            p.item
        );
    }
    std::fs::write(event.join("survey.csv"), survey).unwrap();
    std::fs::write(event.join("session.txt"), transcript).unwrap();
    // an id of the project's own, added in chorus.toml
    std::fs::write(
        root.path().join("chorus.toml"),
        "[ingest.ids]\n\"Staff number\" = 'STF-\\d{6}'\n",
    )
    .unwrap();
    let ws = root.path().join("ws");
    let run = chorus_in(
        root.path(),
        &[
            "--workspace",
            ws.to_str().unwrap(),
            "ingest",
            event.to_str().unwrap(),
        ],
    );
    assert!(run.code <= 1, "{}", run.stderr);
    let units = frame(&ws, Table::Units);
    let texts: Vec<String> = str_column(&units, col::TEXT)
        .unwrap()
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    assert!(
        texts.len() >= 2 * items.len(),
        "every answer and line is a unit"
    );
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut leaked = Vec::new();
    for p in &items {
        let hits = texts.iter().filter(|t| t.contains(&p.secret)).count();
        let e = per.entry(&p.category).or_default();
        e.0 += 2 - hits.min(2);
        e.1 += 2;
        if hits > 0 {
            leaked.push(format!("{}: {}", p.category, p.item));
        }
    }
    let (caught, all) = per.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    for (c, (k, n)) in &per {
        eprintln!("recall {c:<12} {k}/{n}");
    }
    let recall = caught as f64 / all as f64;
    eprintln!("recall overall {caught}/{all} = {recall:.3}; leaked: {leaked:?}");
    assert!(recall >= 0.95, "recall {recall:.3}; leaked: {leaked:?}");

    // and the index holds none of it
    ok(&ws, &["index"]);
    for p in items
        .iter()
        .filter(|p| p.secret.len() >= 6 && !p.secret.contains(' '))
    {
        let r = chorus(&ws, &["--json", "search", &format!("\"{}\"", p.secret)]);
        if r.code == 0 {
            assert_eq!(r.json()["total"], 0, "{} is searchable", p.secret);
        }
    }

    // nor the report: its page, Markdown, JSON and tables
    ok(&ws, &["embed"]);
    ok(&ws, &["themes"]);
    let report = root.path().join("report");
    ok(&ws, &["report", "--out", report.to_str().unwrap()]);
    let mut published = String::new();
    for entry in walkdir::WalkDir::new(&report) {
        let path = entry.unwrap().into_path();
        if path
            .extension()
            .is_some_and(|x| ["html", "md", "json", "csv"].iter().any(|e| x == *e))
        {
            published += &std::fs::read_to_string(&path).unwrap();
        }
    }
    // the report quotes the planted answers (so a leak would show)
    assert!(
        published.contains("What should we do differently?") && published.contains("bus service")
    );
    for p in &items {
        assert!(
            !has_word(&published, &p.secret),
            "{} ({}) is in the report",
            p.secret,
            p.category
        );
    }
}

/// `needle` in `hay` as whole words (not "Tom" in "Tomorrow").
fn has_word(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[test]
fn a_broken_id_pattern_in_chorus_toml_is_named() {
    let root = tempdir();
    std::fs::write(
        root.path().join("chorus.toml"),
        "[ingest]\ninputs = [\"data\"]\n[ingest.ids]\n\"Case\" = 'case ([A-Z'\n",
    )
    .unwrap();
    let run = chorus_in(root.path(), &["ingest"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("chorus.toml") && run.stderr.contains("[ingest.ids] \"Case\""),
        "{}",
        run.stderr
    );
}
