//! Transcripts as conversations: topic segments in every transcript format, procedural talk
//! set apart, names never labels.

use std::path::Path;

use chorus_core::model::Status;
use chorus_core::model::{col, Workspace};
use chorus_core::themes_artifact::{read_assignments, read_segments, read_themes};

use crate::common::{ok, tempdir};

const BUSES: [&str; 10] = [
    "The number seven bus never keeps to its timetable in the morning rush.",
    "Bus drivers told us the new timetable leaves no time at the terminus.",
    "Night buses stopped running after eleven, so shift workers walk home.",
    "Contactless fares on the buses made boarding much quicker for everyone.",
    "Older passengers struggle when the bus timetable changes without notice.",
    "The bus lanes on the high street cut journey times by ten minutes.",
    "Real-time bus arrival screens at the stops are often wrong or blank.",
    "Rural bus routes were cut and villages lost their only service.",
    "Bus fares went up twice this year while the service got worse.",
    "A single bus ticket valid across operators would help commuters a lot.",
];

const MEALS: [&str; 10] = [
    "School meals should use more fresh vegetables from local farms.",
    "Free school lunches for every primary pupil would end the stigma.",
    "Kitchen staff in schools need proper training in cooking from scratch.",
    "Children with allergies need school menus that list every ingredient.",
    "The school canteen queue is so long some pupils skip lunch entirely.",
    "Breakfast clubs at school help children concentrate in morning lessons.",
    "Parents want to see the weekly school menu and its nutrition online.",
    "Sugary puddings should disappear from the school lunch menu.",
    "Packed lunches from home are often less healthy than school dinners.",
    "Cooking lessons would teach pupils to make the meals they eat at school.",
];

/// The chair's turns and the speakers' turns in order: an opening with apologies, ten turns on
/// buses (and a "Mm-hmm." among them), then ten on school meals.
fn turns() -> Vec<(&'static str, String)> {
    let speakers = ["Priya Shah", "Tom Okafor"];
    let mut t = vec![(
        "Helen Ward",
        "Apologies for absence have been received from Councillor Smith.".to_string(),
    )];
    for (i, line) in BUSES.iter().chain(MEALS.iter()).enumerate() {
        if i == 5 {
            t.push(("Tom Okafor", "Mm-hmm.".to_string()));
        }
        if i == 10 {
            t.push(("Helen Ward", "Thank you, Priya.".to_string()));
        }
        t.push((speakers[i % 2], line.to_string()));
    }
    t
}

fn ms(ms: u64, sep: char) -> String {
    let s = ms / 1000;
    format!(
        "{:02}:{:02}:{:02}{sep}{:03}",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    )
}

fn write_event(dir: &Path, format: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let turns = turns();
    let (name, body) = match format {
        "vtt" => {
            let mut b = String::from("WEBVTT\n\n");
            for (i, (who, text)) in turns.iter().enumerate() {
                let t = i as u64 * 20_000;
                b += &format!(
                    "{}\n{} --> {}\n<v {who}>{text}\n\n",
                    i + 1,
                    ms(t, '.'),
                    ms(t + 15_000, '.')
                );
            }
            ("session.vtt", b)
        }
        "srt" => {
            let mut b = String::new();
            for (i, (who, text)) in turns.iter().enumerate() {
                let t = i as u64 * 20_000;
                b += &format!(
                    "{}\n{} --> {}\n{who}: {text}\n\n",
                    i + 1,
                    ms(t, ','),
                    ms(t + 15_000, ',')
                );
            }
            ("session.srt", b)
        }
        "txt" => {
            let b: String = turns
                .iter()
                .map(|(who, text)| format!("{who}: {text}\n"))
                .collect();
            ("session.txt", b)
        }
        _ => {
            let mut b = String::from("speaker,start,end,text\n");
            for (i, (who, text)) in turns.iter().enumerate() {
                let t = i as f64 * 20.0;
                b += &format!("{who},{t:.1},{:.1},\"{text}\"\n", t + 15.0);
            }
            ("segments.csv", b)
        }
    };
    std::fs::write(dir.join(name), body).unwrap();
    std::fs::write(
        dir.join("event.toml"),
        format!("title = \"Council session ({format})\"\nlanguage = \"en\"\n\n[speakers]\n\"Helen Ward\" = \"chair\"\n"),
    )
    .unwrap();
}

#[test]
fn every_format_two_topics_two_segments_apologies_procedural_no_name_labels() {
    let root = tempdir();
    let formats = ["vtt", "srt", "txt", "csv"];
    for f in formats {
        write_event(&root.path().join("inputs").join(format!("council-{f}")), f);
    }
    let ws = root.path().join("ws");
    ok(
        &ws,
        &["ingest", root.path().join("inputs").to_str().unwrap()],
    );
    ok(&ws, &["embed"]);
    ok(&ws, &["themes", "--themes", "2"]);
    let w = Workspace::new(&ws);
    let segments = read_segments(&w).expect("segments.parquet reads back");
    for f in formats {
        let event = format!("council-{f}");
        let mine: Vec<_> = segments.iter().filter(|s| s.event_id == event).collect();
        assert_eq!(
            mine.len(),
            2,
            "{f}: {:?}",
            mine.iter()
                .map(|s| (&s.title, s.first_line, s.last_line))
                .collect::<Vec<_>>()
        );
        // the boundary falls where the talk turns from buses to school meals
        let second = mine.iter().find(|s| s.position == 2).unwrap();
        assert!(
            second.title.to_lowercase().contains("school")
                || second.keywords.iter().any(|k| k.contains("school")),
            "{f}: {second:?}"
        );
    }
    let assignments = read_assignments(&w).unwrap();
    let units = crate::common::frame(&ws, chorus_core::model::Table::Units);
    let column = |name: &str| -> Vec<String> {
        chorus_core::store::str_column(&units, name)
            .unwrap()
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()
    };
    let (texts, ids) = (column(col::TEXT), column(col::UNIT_ID));
    let apologies: Vec<&String> = ids
        .iter()
        .zip(&texts)
        .filter(|(_, t)| t.starts_with("Apologies for absence"))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(apologies.len(), formats.len());
    for id in apologies {
        let a = assignments.iter().find(|a| &a.unit_id == id).unwrap();
        assert_eq!(a.status, Status::Procedural, "{id}");
    }
    // speakers' names, said or not, are never labels or keywords
    for t in read_themes(&w).unwrap() {
        let words = format!("{} {}", t.label, t.keywords.join(" ")).to_lowercase();
        for name in ["priya", "shah", "tom", "okafor", "helen", "ward", "name"] {
            assert!(
                !words
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == name),
                "{name} in {t:?}"
            );
        }
    }
    for s in &segments {
        let words = format!("{} {}", s.title, s.keywords.join(" ")).to_lowercase();
        assert!(
            !words.contains("priya") && !words.contains("helen"),
            "{s:?}"
        );
    }

    // any human labelling as `event,line,label`: the plain-text transcript's lines
    let gold = root.path().join("gold.csv");
    let mut csv = String::from("event,line,label\ncouncil-txt,1,opening\n");
    for line in 2..=24 {
        let label = if line <= 12 { "buses" } else { "school meals" };
        csv += &format!("council-txt,{line},{label}\n");
    }
    std::fs::write(&gold, csv).unwrap();
    let e = ok(&ws, &["--json", "eval", "--gold", gold.to_str().unwrap()]).json();
    let within = &e["within"];
    assert_eq!(e["gold_classes"], 3, "{e}");
    assert_eq!(within["segment_coverage"], 1.0, "{within}");
    // the "Mm-hmm." has no theme of its own and is read in the discussion it was said in
    let mm = ids
        .iter()
        .zip(&texts)
        .find(|(_, t)| *t == "Mm-hmm.")
        .unwrap()
        .0;
    let a = assignments.iter().find(|a| &a.unit_id == mm).unwrap();
    assert_eq!((a.status, &a.theme_id), (Status::NoContent, &None), "{a:?}");
    let (read, own) = (&within["per_event_nmi"], &within["per_event_nmi_own"]);
    assert!(read.as_f64().unwrap() > own.as_f64().unwrap(), "{within}");
    assert!(within["pk"].as_f64().unwrap() < 0.2, "{within}");
    for baseline in ["baseline_equal_blocks", "baseline_texttiling"] {
        assert!(within[baseline]["pk"].is_number(), "{within}");
    }
    // a labelling that names no column chorus knows is refused, naming the file
    std::fs::write(&gold, "who,what\na,b\n").unwrap();
    let bad = crate::common::chorus(&ws, &["eval", "--gold", gold.to_str().unwrap()]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("gold.csv"), "{}", bad.stderr);
}
