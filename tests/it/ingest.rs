//! `chorus ingest` on the demo corpus, on hand-made bad input, and on all of `../shared/data`.

use std::collections::BTreeSet;

use chorus_core::model::{col, Table};
use polars::prelude::*;

use crate::common::*;

fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

#[test]
fn demo_corpus_ingests_cleanly_and_idempotently() {
    let ws = tempdir();
    let run = chorus(ws.path(), &["ingest", "--json", demo().to_str().unwrap()]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let j = run.json();
    assert!(j["totals"]["events"].as_u64().unwrap() >= 8);
    assert_eq!(j["totals"]["rejected"], 0);
    let units = frame(ws.path(), Table::Units);
    assert!(
        units.height() >= 500,
        "a few hundred units, found {}",
        units.height()
    );
    // ids unique, provenance complete
    let ids = strs(&units, col::UNIT_ID);
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        ids.len(),
        "unit ids are unique"
    );
    assert_eq!(units.column(col::EVENT_ID).unwrap().null_count(), 0);
    assert_eq!(units.column(col::SOURCE_ID).unwrap().null_count(), 0);
    // every survey answer unit has a question with a frame
    let questions = frame(ws.path(), Table::Questions);
    let frames: BTreeSet<String> = strs(&questions, col::FRAME).into_iter().flatten().collect();
    assert_eq!(
        frames,
        ["do_differently", "keep", "leave_behind"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    // personal data is gone from every text
    for t in strs(&units, col::TEXT).into_iter().flatten() {
        assert!(!t.contains("@example."), "an email survived redaction: {t}");
        assert!(
            !t.contains("555-0142") && !t.contains("7946 0958"),
            "a phone number survived: {t}"
        );
    }
    assert!(j["totals"]["redactions"].as_u64().unwrap() >= 10);
    // campaign duplicates are flagged, not dropped
    assert!(j["totals"]["duplicates"].as_u64().unwrap() >= 4);
    // German units are detected as German
    let langs = units
        .clone()
        .lazy()
        .filter(col(col::EVENT_ID).eq(lit("berlin-bund")))
        .collect()
        .unwrap();
    let de = strs(&langs, col::LANG)
        .into_iter()
        .filter(|l| l.as_deref() == Some("de"))
        .count();
    assert!(
        de * 10 >= langs.height() * 8,
        "most Berlin units are German: {de} of {}",
        langs.height()
    );
    // a second run gives the same frames
    let before = units;
    let again = chorus(ws.path(), &["ingest", "--json", demo().to_str().unwrap()]);
    assert_eq!(again.code, 0);
    assert!(
        frame(ws.path(), Table::Units).equals_missing(&before),
        "re-ingest changed the units frame"
    );
}

#[test]
fn adding_an_event_leaves_the_others_untouched() {
    let ws = tempdir();
    let lisbon = demo().join("lisbon-digital");
    assert_eq!(
        chorus(ws.path(), &["ingest", lisbon.to_str().unwrap()]).code,
        0
    );
    let file = ws.path().join("corpus/units/lisbon-digital.parquet");
    let before = std::fs::read(&file).unwrap();
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    assert_eq!(
        chorus(
            ws.path(),
            &["ingest", demo().join("ottawa-health").to_str().unwrap()]
        )
        .code,
        0
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        modified,
        "the Lisbon file was rewritten"
    );
    let events = frame(ws.path(), Table::Events);
    assert_eq!(events.height(), 2);
}

#[test]
fn clean_edge_cases_bom_crlf_voices_and_names() {
    let ws = tempdir();
    let run = chorus(
        ws.path(),
        &[
            "ingest",
            "--json",
            fixtures().join("clean-event").to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let units = frame(ws.path(), Table::Units);
    let texts: Vec<String> = strs(&units, col::TEXT).into_iter().flatten().collect();
    assert_eq!(
        texts,
        vec![
            "Welcome, everyone. What should we leave behind?",
            "The endless paper forms. Honestly, all of them.",
            "And the queues at the front desk.",
            "Write to me at [email] if you want the list.",
        ]
    );
    // the cue without a voice continues the previous speaker
    let speakers = strs(&units, col::PARTICIPANT_ID);
    assert_eq!(speakers[1], speakers[2]);
    assert_ne!(speakers[0], speakers[1]);
    let participants = frame(ws.path(), Table::Participants);
    let roles: Vec<Option<String>> = strs(&participants, col::ROLE);
    assert!(
        roles.contains(&Some("facilitator".into())),
        "role from [speakers] with a non-ASCII name"
    );
    let events = frame(ws.path(), Table::Events);
    assert_eq!(
        strs(&events, col::TITLE)[0].as_deref(),
        Some("Clean event: BOM and CRLF")
    );
}

#[test]
fn bad_input_is_reported_with_file_and_line_and_the_rest_goes_through() {
    let ws = tempdir();
    let run = chorus(
        ws.path(),
        &[
            "ingest",
            "--json",
            fixtures().join("messy-event").to_str().unwrap(),
        ],
    );
    assert_eq!(
        run.code, 1,
        "rejected rows give exit code 1; stderr:\n{}",
        run.stderr
    );
    let j = run.json();
    let problems = j["problems"].as_array().unwrap();
    let has = |file: &str, line: Option<u64>, kind: &str, severity: &str| {
        problems.iter().any(|p| {
            p["file"].as_str().unwrap().ends_with(file)
                && p["line"].as_u64() == line
                && p["kind"] == kind
                && p["severity"] == severity
        })
    };
    assert!(
        has("session.srt", Some(7), "overlapping_cues", "warning"),
        "{problems:#?}"
    );
    assert!(
        has("session.srt", Some(11), "backwards_timestamps", "rejected"),
        "{problems:#?}"
    );
    assert!(
        has("session.srt", Some(14), "malformed_row", "rejected"),
        "{problems:#?}"
    );
    assert!(
        has("survey.csv", Some(4), "wrong_field_count", "rejected"),
        "{problems:#?}"
    );
    assert!(
        has("semicolons.csv", Some(1), "wrong_delimiter", "warning"),
        "{problems:#?}"
    );
    assert!(
        has("scale-only.csv", Some(1), "missing_text_column", "warning"),
        "{problems:#?}"
    );
    assert!(
        has("notes-latin1.txt", Some(1), "not_utf8", "warning"),
        "{problems:#?}"
    );
    assert!(
        has("empty.vtt", None, "empty_file", "rejected"),
        "{problems:#?}"
    );
    // people see the same on stderr, as file:line
    assert!(
        run.stderr
            .contains("session.srt:11: rejected: expected the end after the start"),
        "{}",
        run.stderr
    );
    // valid rows went through: 3 cues + 4 answers + 2 + 2 turns
    let units = frame(ws.path(), Table::Units);
    assert_eq!(units.height(), 3 + 4 + 2 + 2);
    let texts: Vec<String> = strs(&units, col::TEXT).into_iter().flatten().collect();
    assert!(
        texts.contains(&"We must keep the café meetings with residents.".to_string()),
        "{texts:?}"
    );
    assert_eq!(frame(ws.path(), Table::Answers).height(), 2);
    // and the rejected ones are kept aside with their reason and raw text
    let rejects = frame(ws.path(), Table::Rejects);
    assert_eq!(rejects.height(), 4);
    let raws: Vec<String> = strs(&rejects, col::RAW).into_iter().flatten().collect();
    assert!(
        raws.iter()
            .any(|r| r.contains("This cue ends before it starts")),
        "{raws:?}"
    );
    // --strict makes the same input fatal
    assert_eq!(
        chorus(
            tempdir().path(),
            &[
                "ingest",
                "--strict",
                fixtures().join("messy-event").to_str().unwrap()
            ]
        )
        .code,
        2
    );
}

#[test]
fn malformed_event_toml_names_the_line_and_keeps_the_transcript() {
    let ws = tempdir();
    let run = chorus(
        ws.path(),
        &["ingest", fixtures().join("bad-toml").to_str().unwrap()],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("event.toml:2:"), "{}", run.stderr);
    assert_eq!(frame(ws.path(), Table::Units).height(), 2);
    assert_eq!(
        strs(&frame(ws.path(), Table::Events), col::EVENT_ID)[0].as_deref(),
        Some("bad-toml")
    );
}

#[test]
fn binary_files_huge_lines_and_nothing_usable() {
    let dir = tempdir();
    let ev = dir.path().join("ev");
    std::fs::create_dir(&ev).unwrap();
    std::fs::write(ev.join("event.toml"), "title = \"x\"\n").unwrap();
    std::fs::write(
        ev.join("photo.vtt"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    )
    .unwrap();
    let mut huge = String::from("[00:00:01] Ana: fine line\n[00:00:02] Ben: ");
    huge.push_str(&"word ".repeat(2 * 1024 * 1024));
    huge.push_str("\n[00:00:03] Ana: after the long line\n");
    std::fs::write(ev.join("notes.txt"), huge).unwrap();
    let ws = tempdir();
    let run = chorus(ws.path(), &["ingest", "--json", ev.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let kinds: Vec<String> = run.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.contains(&"binary_file".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"line_too_long".to_string()), "{kinds:?}");
    assert!(
        run.stderr
            .contains("notes.txt:2: rejected: expected a line of at most"),
        "{}",
        run.stderr
    );
    assert_eq!(frame(ws.path(), Table::Units).height(), 2);

    // nothing usable at all: exit code 2
    let empty = tempdir();
    std::fs::write(empty.path().join("empty.vtt"), "").unwrap();
    let run = chorus(
        tempdir().path(),
        &["ingest", empty.path().join("empty.vtt").to_str().unwrap()],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    // a path that does not exist is a usage error
    let run = chorus(tempdir().path(), &["ingest", "/no/such/folder"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`/no/such/folder` does not exist"),
        "{}",
        run.stderr
    );
}

/// Non-empty text rows of the AMI segment CSVs, counted independently of chorus.
fn ami_segments(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap() == "all_segments.csv" || p.extension().is_none_or(|x| x != "csv")
        {
            continue;
        }
        let mut r = csv::Reader::from_path(&p).unwrap();
        let text = r
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "text")
            .unwrap();
        n += r
            .records()
            .filter(|rec| !rec.as_ref().unwrap()[text].trim().is_empty())
            .count();
    }
    n
}

#[test]
fn all_shared_data_polis_and_ami() {
    let Some(shared) = shared_data() else { return };
    let ws = tempdir();
    let run = chorus(ws.path(), &["ingest", "--json", shared.to_str().unwrap()]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let j = run.json();
    assert_eq!(
        j["totals"]["events"], 41,
        "17 Pol.is conversations and 24 AMI meetings"
    );
    let units = frame(ws.path(), Table::Units);
    let sources = frame(ws.path(), Table::Sources);
    let polis = units
        .clone()
        .lazy()
        .filter(col(col::KIND).eq(lit("statement")))
        .collect()
        .unwrap();
    assert_eq!(
        polis.height(),
        6222,
        "the non-rejected, non-moderated statements"
    );
    let excluded: u64 = sources
        .column(col::ROWS_EXCLUDED)
        .unwrap()
        .u64()
        .unwrap()
        .sum()
        .unwrap();
    assert_eq!(
        excluded,
        10313 - 6222,
        "statements with moderated == -1 are excluded and counted"
    );
    // every AMI segment is a unit, or several when a long one was split
    let ami = units
        .clone()
        .lazy()
        .filter(col(col::KIND).eq(lit("utterance")))
        .collect()
        .unwrap();
    let segments: BTreeSet<(String, u64)> = strs(&ami, col::SOURCE_ID)
        .into_iter()
        .zip(ami.column(col::LINE).unwrap().u64().unwrap().iter())
        .map(|(s, l)| (s.unwrap(), l.unwrap()))
        .collect();
    assert_eq!(
        segments.len(),
        ami_segments(&shared.join("ami/transcripts"))
    );
    assert!(ami.height() >= segments.len());
    // the duplicate copy of the meetings in all_segments.csv is reported, not ingested twice
    assert!(
        run.stderr.contains("all_segments.csv")
            || j["problems"].to_string().contains("duplicate_event_source")
    );
    // German Pol.is statements are German
    let austria = units
        .lazy()
        .filter(col(col::EVENT_ID).str().starts_with(lit("austria-climate")))
        .collect()
        .unwrap();
    let de = strs(&austria, col::LANG)
        .into_iter()
        .filter(|l| l.as_deref() == Some("de"))
        .count();
    assert!(
        de * 10 >= austria.height() * 9,
        "{de} of {} Austrian statements detected as German",
        austria.height()
    );
}
