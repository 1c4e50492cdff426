//! Themes across languages: with the multilingual model (chosen by itself for a corpus that is
//! not nearly all English), answers in German, Spanish and French join the themes other events
//! share instead of forming themes of their own language.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::*;
use chorus_core::model::Table;

/// Per unit: (event, language, line, theme).
fn placed(ws: &Path) -> Vec<(String, String, i64, Option<String>)> {
    let units = frame(ws, Table::Units);
    let a = chorus_core::store::read_file(&ws.join("themes/assignments.parquet")).unwrap();
    let theme: BTreeMap<String, Option<String>> = a
        .column("unit_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .zip(a.column("theme_id").unwrap().str().unwrap().iter())
        .map(|(u, t)| (u.unwrap().to_string(), t.map(str::to_string)))
        .collect();
    let s = |c: &str| units.column(c).unwrap().str().unwrap().clone();
    let (ids, events, langs) = (s("unit_id"), s("event_id"), s("lang"));
    let lines = units
        .column("line")
        .unwrap()
        .cast(&polars::prelude::DataType::Int64)
        .unwrap();
    let lines = lines.i64().unwrap();
    (0..units.height())
        .map(|i| {
            (
                events.get(i).unwrap().to_string(),
                langs.get(i).unwrap_or_default().to_string(),
                lines.get(i).unwrap_or(-1),
                theme.get(ids.get(i).unwrap()).cloned().flatten(),
            )
        })
        .collect()
}

/// The share of `units` whose theme spans at least 3 events of the corpus.
fn in_shared_themes(
    all: &[(String, String, i64, Option<String>)],
    pick: impl Fn(&(String, String, i64, Option<String>)) -> bool,
) -> (f64, usize) {
    let mut events: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (e, _, _, t) in all {
        if let Some(t) = t {
            events.entry(t).or_default().insert(e);
        }
    }
    let picked: Vec<_> = all.iter().filter(|u| pick(u)).collect();
    let shared = picked
        .iter()
        .filter(|(_, _, _, t)| t.as_deref().is_some_and(|t| events[t].len() >= 3))
        .count();
    (shared as f64 / picked.len().max(1) as f64, picked.len())
}

#[test]
fn german_and_spanish_answers_join_the_themes_other_events_share() {
    let tmp = tempdir();
    let ws = tmp.path();
    demo_pipeline(ws, &[], &["themes"]);
    let info = std::fs::read_to_string(ws.join("vectors/current.json")).unwrap();
    assert!(
        info.contains("multilingual-e5-small"),
        "the demo (de, es, fr beside en) is embedded with the multilingual model: {info}"
    );
    let all = placed(ws);
    let (german, n) = in_shared_themes(&all, |(e, ..)| e == "berlin-bund");
    assert!(n > 50, "the German event has {n} units");
    assert!(
        german >= 0.8,
        "{:.0}% of the German event's {n} units sit in themes spanning 3 or more events",
        100.0 * german
    );
    let (spanish, n) = in_shared_themes(&all, |(_, l, ..)| l == "es");
    assert!(n >= 10, "the demo has {n} Spanish units");
    assert!(
        spanish >= 0.8,
        "{:.0}% of the {n} Spanish units sit in themes spanning 3 or more events",
        100.0 * spanish
    );
}

#[test]
fn the_same_answers_in_four_languages_land_in_the_same_themes() {
    let tmp = tempdir();
    let ws = tmp.path();
    let parallel = fixtures().join("parallel");
    ok(ws, &["ingest", parallel.to_str().unwrap()]);
    let embed = ok(ws, &["embed"]);
    assert!(
        embed.stdout.contains("multilingual model"),
        "{}",
        embed.stdout
    );
    ok(ws, &["themes"]);
    let multilingual = answers_together(ws);
    // an answer that asks for counselling and days off can sit between staff wellbeing and
    // working time: one in twelve may fall either way
    assert!(
        multilingual >= 11,
        "only {multilingual} of 12 answers have their four languages in one theme"
    );
    // search by meaning finds the answer in every language
    ok(ws, &["index"]);
    let hits = ok(
        ws,
        &[
            "--json",
            "search",
            "working from home",
            "--semantic",
            "--limit",
            "4",
        ],
    )
    .json();
    let langs: BTreeSet<&str> = hits["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["event"].as_str())
        .collect();
    assert_eq!(
        langs.len(),
        4,
        "the top four hits for `working from home`: {hits}"
    );
    // a title in Chinese: the report ships the font its page asks for, and only then
    let report = ws.join("report");
    ok(ws, &["report", "--out", report.to_str().unwrap()]);
    assert!(!report.join("fonts").exists(), "no CJK text, no font");
    let theme = all_themes(ws)[0].clone();
    std::fs::write(
        ws.join("themes/codebook.toml"),
        format!("[[theme]]\nid = \"{theme}\"\nlabel = \"遠距工作\"\n"),
    )
    .unwrap();
    ok(ws, &["themes"]);
    ok(ws, &["report", "--out", report.to_str().unwrap()]);
    let page = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(page.contains("遠距工作") && page.contains("font-src 'self'"));
    assert!(report.join("fonts/wqy-microhei.ttf").is_file());
    // the English model reads the other languages as noise: the same test fails with it
    ok(ws, &["embed", "--model", "english"]);
    ok(ws, &["themes", "--recluster"]);
    let english = answers_together(ws);
    assert!(
        english < multilingual,
        "the English model keeps {english} answers together, the multilingual one {multilingual}"
    );
}

/// The ids of the themes, as `assignments.parquet` lists them.
fn all_themes(ws: &Path) -> Vec<String> {
    let themes: BTreeSet<String> = placed(ws).into_iter().filter_map(|(.., t)| t).collect();
    themes.into_iter().collect()
}

/// How many of the twelve answers (one per line of each file) have all four languages in one
/// theme.
fn answers_together(ws: &Path) -> usize {
    let all = placed(ws);
    assert_eq!(
        all.len(),
        48,
        "twelve answers in English, German, Spanish and French"
    );
    let mut by_line: BTreeMap<i64, BTreeSet<Option<String>>> = BTreeMap::new();
    for (_, _, line, theme) in &all {
        by_line.entry(*line).or_default().insert(theme.clone());
    }
    assert_eq!(by_line.len(), 12);
    by_line
        .values()
        .filter(|t| t.len() == 1 && t.iter().all(Option::is_some))
        .count()
}
