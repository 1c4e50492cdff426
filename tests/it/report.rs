//! `chorus report`: insights numbers against independent polars counts, disclosure control,
//! verbatim quotes, inert participant text, and byte-identical reruns, on the demo corpus.

use std::collections::BTreeMap;

use chorus_core::model::{col, Table};
use chorus_core::store::{read_file, str_column};
use polars::prelude::*;

use crate::common::*;

#[test]
fn demo_report_numbers_suppression_and_determinism() {
    let ws = tempdir();
    let out = demo_pipeline(
        ws.path(),
        &[
            "lisbon-digital",
            "ottawa-health",
            "nairobi-county",
            "bristol-council",
        ],
        &["embed", "themes", "report"],
    );
    let ins: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("insights.json")).unwrap()).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();

    // independent polars count: units per (event, theme) and units per event
    let units = frame(ws.path(), Table::Units)
        .lazy()
        .select([col(col::UNIT_ID), col(col::EVENT_ID)]);
    let a = read_file(&ws.path().join("themes/assignments.parquet"))
        .unwrap()
        .lazy()
        .select([col(col::UNIT_ID), col(col::THEME_ID)]);
    let j = units.join(
        a,
        [col(col::UNIT_ID)],
        [col(col::UNIT_ID)],
        JoinArgs::new(JoinType::Left),
    );
    let per_event = j
        .clone()
        .group_by([col(col::EVENT_ID)])
        .agg([len().alias("n")])
        .collect()
        .unwrap();
    let totals: BTreeMap<String, u64> = str_column(&per_event, col::EVENT_ID)
        .unwrap()
        .into_iter()
        .zip(
            per_event
                .column("n")
                .unwrap()
                .cast(&DataType::UInt64)
                .unwrap()
                .u64()
                .unwrap()
                .iter(),
        )
        .map(|(e, n)| (e.unwrap(), n.unwrap()))
        .collect();
    let cells = j
        .filter(col(col::THEME_ID).is_not_null())
        .group_by([col(col::EVENT_ID), col(col::THEME_ID)])
        .agg([len().alias("n")])
        .collect()
        .unwrap();
    // (event, theme, units) of every cell with units
    let rows: Vec<(String, String, u64)> = str_column(&cells, col::EVENT_ID)
        .unwrap()
        .into_iter()
        .zip(str_column(&cells, col::THEME_ID).unwrap())
        .zip(
            cells
                .column("n")
                .unwrap()
                .cast(&DataType::UInt64)
                .unwrap()
                .u64()
                .unwrap()
                .iter(),
        )
        .map(|((e, t), n)| (e.unwrap(), t.unwrap(), n.unwrap()))
        .collect();
    let mut checked = 0;
    for (e, t, n) in rows.iter().cloned() {
        let theme = ins["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == t.as_str())
            .unwrap();
        let c = &theme["by_event"][&e];
        if c["suppressed"] == true {
            continue;
        }
        assert_eq!(c["units"].as_u64().unwrap(), n, "{t} in {e}");
        assert!((c["value"].as_f64().unwrap() - n as f64 / totals[&e] as f64).abs() < 1e-12);
        checked += 1;
    }
    assert!(checked > 5);
    // the pooled prevalence and its interval recompute from every event's share (withheld
    // cells included: the pooled figure rests on all events)
    let mut per_theme: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (e, t, n) in rows {
        per_theme.entry(t).or_default().insert(e, n);
    }
    for t in ins["themes"].as_array().unwrap() {
        let counts = &per_theme[t["id"].as_str().unwrap()];
        let shares: Vec<f64> = totals
            .iter()
            .map(|(e, &n)| *counts.get(e).unwrap_or(&0) as f64 / n as f64)
            .collect();
        let k = shares.len() as f64;
        let mean = shares.iter().sum::<f64>() / k;
        let sd = (shares.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
        let (lo, hi) = (
            (mean - 1.96 * sd / k.sqrt()).max(0.0),
            (mean + 1.96 * sd / k.sqrt()).min(1.0),
        );
        assert!(
            (t["pooled_prevalence"].as_f64().unwrap() - mean).abs() < 1e-12,
            "{}",
            t["id"]
        );
        assert!(
            (t["pooled_interval"][0].as_f64().unwrap() - lo).abs() < 1e-12,
            "{}",
            t["id"]
        );
        assert!(
            (t["pooled_interval"][1].as_f64().unwrap() - hi).abs() < 1e-12,
            "{}",
            t["id"]
        );
    }
    // every theme is in the report, with its summary sentence
    for t in ins["themes"].as_array().unwrap() {
        assert!(
            md.contains(&format!("({})", t["id"].as_str().unwrap())),
            "theme {} missing",
            t["id"]
        );
    }
    assert!(md.contains("## Data sources") && md.contains("CC BY 4.0"));
    // scale questions per sector and level too: every demo event has a level, so the level
    // groups add up to the whole
    for q in ins["scales"].as_array().unwrap() {
        let n = |groups: &serde_json::Value| -> u64 {
            groups
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["n"].as_u64().unwrap())
                .sum()
        };
        assert_eq!(
            n(&q["by_level"]),
            q["overall"]["n"].as_u64().unwrap(),
            "{q}"
        );
        assert!(q["by_sector"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["by"] == "sector"));
        assert!(!q["by_sector"].as_array().unwrap().is_empty());
    }
    // the page: self-contained, no script, every theme, charts beside it
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        !page.to_lowercase().contains("<script"),
        "the page carries a script"
    );
    assert!(
        !page.contains("http://") && !page.contains("https://")
            || page.contains("default-src 'none'")
    );
    assert!(page.contains("<svg") && page.contains("<table>"));
    for t in ins["themes"].as_array().unwrap() {
        let label = t["label"]
            .as_str()
            .unwrap()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\'', "&#39;")
            .replace('"', "&quot;");
        assert!(page.contains(&label), "label {label} missing from the page");
    }
    for f in [
        "charts/prevalence.svg",
        "charts/scale_1.svg",
        "charts/theme_event.svg",
        "charts/theme_frame.svg",
        "tables/themes.csv",
        "tables/scales.csv",
        "tables/contrasts.csv",
        "tables/theme_sector.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // the PNG charts decode, at twice the SVG's size
    for name in ["prevalence", "scale_1", "theme_event", "theme_frame"] {
        let svg = std::fs::read_to_string(out.join(format!("charts/{name}.svg"))).unwrap();
        let width: u32 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|w| w.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap();
        let png = std::fs::File::open(out.join(format!("charts/{name}.png"))).unwrap();
        let info = png::Decoder::new(std::io::BufReader::new(png))
            .read_info()
            .unwrap()
            .info()
            .clone();
        assert_eq!(info.width, 2 * width, "{name}.png");
    }
    // quotes carry their provenance
    assert!(md.contains("> — "), "no quote in the report");

    // the same workspace, the same bytes
    let again = ws.path().join("again");
    assert_eq!(
        chorus(ws.path(), &["report", "--out", again.to_str().unwrap()]).code,
        0
    );
    for f in [
        "insights.json",
        "report.md",
        "index.html",
        "charts/theme_event.svg",
        "charts/theme_event.png",
        "charts/theme_frame.png",
        "tables/theme_event.csv",
        "tables/contrasts.csv",
    ] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f} differs"
        );
    }

    // with k above every cell's participants, every non-zero breakdown cell is withheld
    let strict = ws.path().join("strict");
    assert_eq!(
        chorus(
            ws.path(),
            &["report", "--out", strict.to_str().unwrap(), "--k", "100000"]
        )
        .code,
        0
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(strict.join("insights.json")).unwrap())
            .unwrap();
    for t in s["themes"].as_array().unwrap() {
        for (_, c) in t["by_event"].as_object().unwrap() {
            assert!(c["suppressed"] == true || c["units"] == 0, "{c}");
        }
    }
    assert!(s["scales"]
        .as_array()
        .unwrap()
        .iter()
        .all(|q| q["overall"]["suppressed"] == true));
    let strict_md = std::fs::read_to_string(strict.join("report.md")).unwrap();
    assert!(strict_md.contains("withheld"));
    // no quote from an event with fewer than k participants
    assert!(!strict_md.contains("> — "), "a quote was shown");
    assert!(s["contrasts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["themes"].as_array().unwrap().is_empty()));
}

/// Every key point of the demo report is word for word from its unit, and every number beside it
/// recomputes from `assignments.parquet` and the units table.
#[test]
fn key_points_and_findings_are_verbatim_and_their_numbers_recompute() {
    use std::collections::{BTreeMap, BTreeSet};
    let ws = tempdir();
    let out = demo_pipeline(ws.path(), &[], &["themes", "report"]);
    let ins: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("insights.json")).unwrap()).unwrap();
    let units = frame(ws.path(), Table::Units);
    let s = |c: &str| units.column(c).unwrap().str().unwrap().clone();
    let (ids, texts, people) = (s(col::UNIT_ID), s(col::TEXT), s(col::PARTICIPANT_ID));
    let text: BTreeMap<&str, &str> = ids
        .iter()
        .zip(texts.iter())
        .map(|(u, t)| (u.unwrap(), t.unwrap()))
        .collect();
    let person: BTreeMap<&str, Option<&str>> = ids
        .iter()
        .zip(people.iter())
        .map(|(u, p)| (u.unwrap(), p))
        .collect();
    let langs = s(col::LANG);
    let lang: BTreeMap<&str, Option<&str>> = ids
        .iter()
        .zip(langs.iter())
        .map(|(u, l)| (u.unwrap(), l))
        .collect();
    // (theme, key point) -> (unit, event) from the assignments, counted here
    let mut behind: BTreeMap<(String, u32), Vec<(String, String)>> = BTreeMap::new();
    for a in chorus_core::themes_artifact::read_assignments(&chorus_core::model::Workspace::new(
        ws.path(),
    ))
    .unwrap()
    {
        if let (Some(t), Some(k)) = (a.theme_id, a.key_point) {
            behind
                .entry((t, k))
                .or_default()
                .push((a.unit_id, a.event_id));
        }
    }
    let mut seen = 0;
    for t in ins["themes"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let points = t["key_points"].as_array().unwrap();
        assert!(points.len() <= 4, "{id}: {} key points", points.len());
        for kp in points {
            seen += 1;
            let unit = kp["unit_id"].as_str().unwrap();
            let words = kp["text"].as_str().unwrap();
            if !kp["withheld"].as_bool().unwrap() {
                assert!(
                    !words.is_empty() && text[unit].contains(words),
                    "{id}: {words:?} is not in {unit}"
                );
            }
            assert_eq!(
                kp["lang"].as_str(),
                lang[unit],
                "{id}: the language of {unit}"
            );
            let us = &behind[&(id.to_string(), kp["rank"].as_u64().unwrap() as u32)];
            let events: BTreeSet<&str> = us.iter().map(|(_, e)| e.as_str()).collect();
            let participants: BTreeSet<&str> =
                us.iter().filter_map(|(u, _)| person[u.as_str()]).collect();
            assert_eq!(
                kp["units"].as_u64().unwrap() as usize,
                us.len(),
                "{id}: units"
            );
            assert_eq!(
                kp["events"].as_u64().unwrap() as usize,
                events.len(),
                "{id}: events"
            );
            assert_eq!(
                kp["participants"].as_u64().unwrap() as usize,
                participants.len(),
                "{id}: participants"
            );
            let share = kp["share"].as_f64().unwrap();
            let word = kp["word"].as_str().unwrap();
            let want = if share >= 0.5 {
                "most"
            } else if share >= 0.15 {
                "some"
            } else {
                "a few"
            };
            assert_eq!(word, want, "{id}: {share}");
        }
    }
    assert!(seen >= 10, "the demo's themes have {seen} key points");
    // a quote in another language than the page's is marked as such
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let quotes =
        chorus_core::themes_artifact::read_quotes(&chorus_core::model::Workspace::new(ws.path()))
            .unwrap();
    let mut marked = 0;
    for q in quotes {
        let words = text[q.unit_id.as_str()];
        let shown = format!("<p>{words}</p>");
        if words.contains(['&', '<', '>', '"']) || !html.contains(&shown) {
            continue;
        }
        match lang[q.unit_id.as_str()].filter(|l| *l != "en") {
            Some(l) => {
                assert!(
                    html.contains(&format!("<blockquote lang=\"{l}\">{shown}")),
                    "{l}: {words}"
                );
                marked += 1;
            }
            None => assert!(html.contains(&format!("<blockquote>{shown}")), "{words}"),
        }
    }
    assert!(marked > 0, "the demo shows quotes in other languages");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();

    // findings by question frame: every number recounted from the units and their questions
    let questions = frame(ws.path(), Table::Questions);
    let frame_of: BTreeMap<&str, &str> = questions
        .column(col::QUESTION_ID)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .zip(questions.column(col::FRAME).unwrap().str().unwrap().iter())
        .filter_map(|(q, f)| Some((q?, f?)))
        .collect();
    let asked = s(col::QUESTION_ID);
    let unit_frame: BTreeMap<&str, &str> = ids
        .iter()
        .zip(asked.iter())
        .filter_map(|(u, q)| Some((u?, *frame_of.get(q?)?)))
        .collect();
    let mut by_frame_theme: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for a in chorus_core::themes_artifact::read_assignments(&chorus_core::model::Workspace::new(
        ws.path(),
    ))
    .unwrap()
    {
        if let (Some(t), Some(f)) = (a.theme_id, unit_frame.get(a.unit_id.as_str())) {
            by_frame_theme
                .entry((f.to_string(), t))
                .or_default()
                .push(a.unit_id);
        }
    }
    let findings = ins["findings"].as_array().unwrap();
    let framed: Vec<&serde_json::Value> =
        findings.iter().filter(|f| f["frame"].is_string()).collect();
    assert_eq!(framed.len(), 3, "leave behind, keep, do differently");
    for f in framed {
        let fr = f["frame"].as_str().unwrap();
        let total: usize = by_frame_theme
            .iter()
            .filter(|((x, _), _)| x == fr)
            .map(|(_, v)| v.len())
            .sum();
        assert_eq!(
            f["units"].as_u64().unwrap() as usize,
            total,
            "{fr}: answers in a theme"
        );
        for t in f["themes"].as_array().unwrap() {
            let us =
                &by_frame_theme[&(fr.to_string(), t["theme_id"].as_str().unwrap().to_string())];
            let who: BTreeSet<&str> = us.iter().filter_map(|u| person[u.as_str()]).collect();
            assert_eq!(t["units"].as_u64().unwrap() as usize, us.len(), "{fr}: {t}");
            assert_eq!(
                t["participants"].as_u64().unwrap() as usize,
                who.len(),
                "{fr}: {t}"
            );
            assert!(
                who.len() >= 5,
                "a theme named under {fr} rests on {} participants",
                who.len()
            );
        }
    }
    assert!(md.contains("## Findings by question") && md.contains("### What to keep"));
    assert!(md.contains("of its units (") && md.contains("\"Most\" means at least half"));
}

/// A quote the codebook pins comes first in its theme, and an id that is no unit is an error
/// naming the codebook.
#[test]
fn the_codebook_pins_a_quote() {
    let ws = tempdir();
    demo_pipeline(ws.path(), &[], &["themes"]);
    let a = read_file(&ws.path().join("themes/assignments.parquet")).unwrap();
    let q = read_file(&ws.path().join("themes/quotes.parquet")).unwrap();
    let quoted: std::collections::BTreeSet<String> = q
        .column(col::UNIT_ID)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|u| u.unwrap().to_string())
        .collect();
    // a unit of a theme that is not quoted yet
    let (unit, theme) = a
        .column(col::UNIT_ID)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .zip(a.column(col::THEME_ID).unwrap().str().unwrap().iter())
        .find_map(|(u, t)| {
            Some((u?.to_string(), t?.to_string())).filter(|(u, _)| !quoted.contains(u))
        })
        .expect("an unquoted unit in a theme");
    let book = ws.path().join("themes/codebook.toml");
    std::fs::write(
        &book,
        format!("[[theme]]\nid = \"{theme}\"\nquotes = [\"{unit}\"]\n"),
    )
    .unwrap();
    ok(ws.path(), &["themes"]);
    let q = read_file(&ws.path().join("themes/quotes.parquet")).unwrap();
    let first = q
        .column(col::THEME_ID)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .zip(q.column(col::UNIT_ID).unwrap().str().unwrap().iter())
        .find(|(t, _)| *t == Some(theme.as_str()))
        .and_then(|(_, u)| u);
    assert_eq!(first, Some(unit.as_str()), "the pinned quote leads {theme}");
    std::fs::write(
        &book,
        format!("[[theme]]\nid = \"{theme}\"\nquotes = [\"no-such-unit\"]\n"),
    )
    .unwrap();
    let run = chorus(ws.path(), &["themes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("codebook.toml") && run.stderr.contains("no-such-unit"),
        "{}",
        run.stderr
    );
}

#[test]
fn stale_quotes_fail_the_report() {
    let ws = tempdir();
    assert_eq!(
        chorus(
            ws.path(),
            &["ingest", demo().join("lisbon-digital").to_str().unwrap()]
        )
        .code,
        0
    );
    assert_eq!(chorus(ws.path(), &["embed"]).code, 0);
    assert_eq!(chorus(ws.path(), &["themes"]).code, 0);
    // rewrite one quote's text: the report must refuse
    let path = ws.path().join("themes/quotes.parquet");
    let mut q = read_file(&path).unwrap();
    let texts: Vec<String> = str_column(&q, col::TEXT)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            if i == 0 {
                "Words nobody said.".into()
            } else {
                t.unwrap()
            }
        })
        .collect();
    q.replace(col::TEXT, Column::new(col::TEXT.into(), texts))
        .unwrap();
    chorus_core::store::write_parquet(&path, &mut q).unwrap();
    let r = chorus(
        ws.path(),
        &["report", "--out", ws.path().join("r").to_str().unwrap()],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not verbatim"), "{}", r.stderr);
}

#[test]
fn polis_votes_give_consensus_and_divergence() {
    let Some(shared) = shared_data() else { return };
    let ws = tempdir();
    let conv = shared.join("polis/scoop-hivemind.ubi");
    assert_eq!(
        chorus(ws.path(), &["ingest", conv.to_str().unwrap()]).code,
        0
    );
    for args in [vec!["embed"], vec!["themes"]] {
        assert_eq!(chorus(ws.path(), &args).code, 0);
    }
    let out = ws.path().join("r");
    assert_eq!(
        chorus(ws.path(), &["report", "--out", out.to_str().unwrap()]).code,
        0
    );
    let ins: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("insights.json")).unwrap()).unwrap();
    let split = ins["divergence"].as_array().unwrap();
    assert!(!split.is_empty() && !ins["consensus"].as_array().unwrap().is_empty());
    // the most divisive statement's figures, recounted from the answers frame
    let top = &split[0];
    let answers = frame(ws.path(), Table::Answers)
        .lazy()
        .filter(col(col::UNIT_ID).eq(lit(top["unit_id"].as_str().unwrap())))
        .collect()
        .unwrap();
    let values: Vec<f64> = answers
        .column(col::VALUE)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(top["votes"].as_u64().unwrap() as usize, values.len());
    let agree = values.iter().filter(|&&v| v > 0.0).count() as f64 / values.len() as f64;
    assert!((top["agree"].as_f64().unwrap() - agree).abs() < 1e-12);
    assert!(top["groups"].as_object().unwrap().len() >= 2);
    assert!(top["spread"].as_f64().unwrap() > 0.5, "{top}");
    // the split drawn: every group of the top statement has its bar and label
    let svg = std::fs::read_to_string(out.join("charts/statement_groups.svg")).unwrap();
    assert!(out.join("charts/statement_groups.png").is_file());
    for (g, share) in top["groups"].as_object().unwrap() {
        assert!(
            svg.contains(&format!("\ngroup {g}\n")),
            "no legend for group {g}"
        );
        let label = format!("\n{:.0}%\n", 100.0 * share.as_f64().unwrap());
        assert!(svg.contains(&label), "no bar labelled {label:?}");
    }
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("share of agree votes"),
        "the chart is not on the page"
    );
    // the folder has no event.toml: its licence and attribution come from the repository's
    // chorus.toml ([[ingest.sources]]) and reach the report
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("CC BY 4.0") && md.contains("The Computational Democracy Project"),
        "the Pol.is attribution is missing"
    );
}

/// The whole demo corpus, as the README's main command runs it: `report.md` is compared with
/// the reviewed snapshot in `tests/it/snapshots` (update with `cargo insta review`).
#[test]
fn demo_report_snapshot() {
    let ws = tempdir();
    let out = demo_pipeline(ws.path(), &[], &["embed", "themes", "report"]);
    // pseudonyms are keyed by the workspace's random salt; everything else is fixed
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let md = regex::Regex::new(r"p-[0-9a-f]{10}")
        .unwrap()
        .replace_all(&md, "p-<pseudonym>");
    insta::assert_snapshot!("demo_report_md", md);
}

/// The report replaces its folder whole (staged beside it, then swapped in), refuses a folder
/// of other files, and refuses themes whose last run was killed between replacing its files.
#[test]
fn the_report_is_whole_or_absent() {
    let ws = tempdir();
    demo_workspace(ws.path(), &["lisbon-digital"]);
    ok(ws.path(), &["themes"]);
    let out = ws.path().join("r");
    ok(ws.path(), &["report", "--out", out.to_str().unwrap()]);
    std::fs::write(out.join("stray.txt"), "left from before").unwrap();
    ok(ws.path(), &["report", "--out", out.to_str().unwrap()]);
    assert!(
        !out.join("stray.txt").exists(),
        "the old report's files go with it"
    );
    assert!(out.join("index.html").is_file() && out.join("manifest.json").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(ws.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".partial-"))
        .collect();
    assert!(leftovers.is_empty(), "no staging folder stays behind");

    // a folder of someone's other files is never replaced
    let docs = ws.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("notes.txt"), "mine").unwrap();
    let r = chorus(ws.path(), &["report", "--out", docs.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not a chorus report"), "{}", r.stderr);
    assert!(docs.join("notes.txt").is_file());

    // themes killed between replacing their files: a staged file is left; nothing reads the set
    std::fs::copy(
        ws.path().join("themes/themes.parquet"),
        ws.path().join("themes/themes.parquet.tmp"),
    )
    .unwrap();
    let r = chorus(ws.path(), &["report", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("run `chorus themes` again"),
        "{}",
        r.stderr
    );
    assert!(
        out.join("index.html").is_file(),
        "the last whole report stays"
    );
    ok(ws.path(), &["themes"]);
    ok(ws.path(), &["report", "--out", out.to_str().unwrap()]);
}
