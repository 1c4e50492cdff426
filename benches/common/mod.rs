//! Bench inputs shared by the bench files: the shared corpora ingested once, and a seeded
//! generator that resamples and recombines their units into a corpus of any size.

#![allow(dead_code)]

use std::path::PathBuf;

use chorus_core::model::{col, Table, Workspace};
use chorus_core::store::{read_table, str_column};
use chorus_ingest::frames::{EventFrames, EventRow, QuestionRow, SourceRow, UnitRow};
use chorus_ingest::IngestConfig;

pub fn shared_data() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; this bench needs the shared corpora",
            p.display()
        );
        None
    }
}

/// Ingests all of `../shared/data` into `ws`.
pub fn ingest_shared(ws: &Workspace, shared: &std::path::Path) -> usize {
    let cfg = IngestConfig {
        paths: vec![shared.to_path_buf()],
        ..Default::default()
    };
    chorus_ingest::run(&cfg, ws)
        .expect("the shared data ingests")
        .units()
}

pub use chorus_themes::cluster::Rng;

/// Writes `n` units into `out` as `events` synthetic events, and returns for each written unit
/// (in order) its text hash and the two shared units it was made from. Each unit joins the first half of
/// one shared unit to the second half of another in the same language; events take the
/// metadata of the shared events in turn, and a third of the units answer one of the three
/// Aftershock questions. Same seed, same corpus.
pub fn synthesize(
    source: &Workspace,
    out: &Workspace,
    n: usize,
    events: usize,
    seed: u64,
) -> Vec<(String, usize, usize)> {
    let mut made = Vec::with_capacity(n);
    let units = read_table(source, Table::Units).unwrap();
    let texts: Vec<String> = str_column(&units, col::TEXT)
        .unwrap()
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    let langs: Vec<String> = str_column(&units, col::LANG)
        .unwrap()
        .into_iter()
        .map(|l| l.unwrap_or_else(|| "en".into()))
        .collect();
    let mut by_lang: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, l) in langs.iter().enumerate() {
        by_lang.entry(l.as_str()).or_default().push(i);
    }
    let meta = read_table(source, Table::Events).unwrap();
    let countries = str_column(&meta, col::COUNTRY).unwrap();
    let names = [
        "Canada",
        "Germany",
        "Kenya",
        "Portugal",
        "Colombia",
        "Estonia",
        "New Zealand",
        "United Kingdom",
        "South Korea",
        "France",
    ];
    let sectors = [
        "health",
        "education",
        "transport",
        "digital services",
        "finance",
    ];
    let levels = ["national", "regional", "local", "international"];
    let frames = [
        (
            "what-should-we-leave-behind",
            "What should we leave behind?",
            "leave_behind",
        ),
        ("what-should-we-keep", "What should we keep?", "keep"),
        (
            "what-should-we-do-differently",
            "What should we do differently?",
            "do_differently",
        ),
    ];
    let mut rng = Rng::new(seed);
    let per = n.div_ceil(events);
    for e in 0..events {
        let event_id = format!("synth-{e:04}");
        let source_id = format!("{event_id}/synthetic.csv");
        let mut f = EventFrames {
            event: EventRow {
                event_id: event_id.clone(),
                title: Some(format!("Synthetic event {e}")),
                date: Some(format!(
                    "20{:02}-{:02}-{:02}",
                    18 + e % 6,
                    1 + e % 12,
                    1 + e % 28
                )),
                country: countries
                    .get(e % countries.len().max(1))
                    .cloned()
                    .flatten()
                    .or_else(|| Some(names[e % names.len()].to_string())),
                sector: Some(sectors[e % sectors.len()].into()),
                level: Some(levels[e % levels.len()].into()),
                origin: "synthetic".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        f.sources.push(SourceRow {
            source_id: source_id.clone(),
            path: "synthetic".into(),
            format: "synthetic".into(),
            hash: String::new(),
            bytes: 0,
            encoding: "utf-8".into(),
            rows_read: per as u64,
            rows_rejected: 0,
            rows_excluded: 0,
        });
        for (key, text, frame) in frames {
            f.questions.push(QuestionRow {
                question_id: format!("{event_id}:{key}"),
                key: key.into(),
                text: text.into(),
                kind: "free_text".into(),
                frame: Some(frame.into()),
                scale_min: None,
                scale_max: None,
            });
        }
        for k in 0..per.min(n - (e * per).min(n)) {
            let a = rng.below(texts.len());
            let pool = &by_lang[langs[a].as_str()];
            let b = pool[rng.below(pool.len())];
            let wa: Vec<&str> = texts[a].split_whitespace().collect();
            let wb: Vec<&str> = texts[b].split_whitespace().collect();
            let mut words: Vec<&str> = wa[..wa.len().div_ceil(2)].to_vec();
            words.extend_from_slice(&wb[wb.len() / 2..]);
            let text = words.join(" ");
            let norm = chorus_ingest::clean::normalise(&text);
            let text_hash = chorus_ingest::frames::text_hash(&norm);
            made.push((text_hash.clone(), a, b));
            let q = rng.below(9);
            f.units.push(UnitRow {
                unit_id: format!("{source_id}#L{}", k + 2),
                source_id: source_id.as_str().into(),
                kind: if q < 3 { "response" } else { "utterance" },
                participant_id: Some(format!("p-{:010x}", rng.next_u64() % 5000)),
                question_id: (q < 3).then(|| format!("{event_id}:{}", frames[q].0).into()),
                line: k as u64 + 2,
                cue: None,
                part: 1,
                start_ms: None,
                end_ms: None,
                text,
                lang: Some(langs[a].clone()),
                duplicate_of: None,
                duplicate_kind: None,
                redactions: 0,
            });
        }
        f.write(out).unwrap();
    }
    made
}
