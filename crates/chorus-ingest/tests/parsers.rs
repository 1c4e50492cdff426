//! Property tests: every parser takes arbitrary bytes without panicking, keeps times monotone
//! within a turn, and gives unique unit locators; rendered cues parse back to what was rendered.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use chorus_ingest::{cues, decode, plaintext, polis, segments, survey, table, transcript};
use proptest::prelude::*;

const MAX: usize = 1 << 16;

fn all_parsers(bytes: &[u8]) {
    let Ok(d) = decode::decode("f", bytes) else {
        return;
    };
    let text = d.text.as_str();
    for flavor in [cues::Flavor::WebVtt, cues::Flavor::Srt] {
        let (turns, _) = cues::parse("f", text, flavor, MAX);
        for t in &turns {
            if let (Some(s), Some(e)) = (t.start_ms, t.end_ms) {
                assert!(s >= 0 && e >= 0);
            }
        }
    }
    let (turns, _) = plaintext::parse("f", text, MAX);
    let mut problems = Vec::new();
    let kept = transcript::check_times("f", turns, &mut problems);
    for t in &kept {
        if let (Some(s), Some(e)) = (t.start_ms, t.end_ms) {
            assert!(s <= e, "kept turns never run backwards");
        }
        for w in transcript::split_turn(&t.text, t.start_ms, t.end_ms, 40) {
            assert!(w.text.chars().count() <= 40);
            if let (Some(s), Some(e)) = (w.start_ms, w.end_ms) {
                assert!(s <= e);
            }
        }
    }
    if let Ok(t) = table::read_csv("f", text, MAX) {
        if segments::looks_like_segments(&t) {
            let _ = segments::parse("f", t);
        } else {
            let p = survey::parse("f", t, &BTreeMap::new());
            let locators: BTreeSet<&String> = p.units.iter().map(|u| &u.locator).collect();
            assert_eq!(locators.len(), p.units.len(), "unit locators are unique");
        }
    }
    let t = table::read_jsonl("f", text, MAX);
    let _ = survey::parse("f", t, &BTreeMap::new());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        all_parsers(&bytes);
    }

    #[test]
    fn transcript_like_text_never_panics(s in "(WEBVTT\n\n)?([0-9]{1,2}\n)?([0-9:.,]{0,12} --> [0-9:.,]{0,12}\n)?(<v [A-Za-z ]{0,8}>)?[A-Za-z:,.!? <>\n\"]{0,200}") {
        all_parsers(s.as_bytes());
    }

    #[test]
    fn rendered_cues_parse_back(cues in proptest::collection::vec(("[A-Z][a-z]{1,8}", "[a-z]{1,10}( [a-z]{1,10}){0,8}[.?!]", 0u32..5000, 1u32..5000), 1..20)) {
        let mut vtt = String::from("WEBVTT\n\n");
        let mut srt = String::new();
        let mut t = 0i64;
        let mut expected = Vec::new();
        for (i, (name, text, gap, len)) in cues.iter().enumerate() {
            let (s, e) = (t + *gap as i64, t + *gap as i64 + *len as i64);
            t = e;
            let ts = |ms: i64, sep: char| format!("{:02}:{:02}:{:02}{sep}{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
            vtt.push_str(&format!("{}\n{} --> {}\n<v {name}>{text}</v>\n\n", i + 1, ts(s, '.'), ts(e, '.')));
            srt.push_str(&format!("{}\n{} --> {}\n{name}: {text}\n\n", i + 1, ts(s, ','), ts(e, ',')));
            expected.push((Some(name.clone()), Some(s), Some(e), text.clone()));
        }
        for (src, flavor) in [(vtt, cues::Flavor::WebVtt), (srt, cues::Flavor::Srt)] {
            let (turns, problems) = cues::parse("f", &src, flavor, MAX);
            prop_assert!(problems.is_empty(), "{:?}", problems);
            let got: Vec<_> = turns.into_iter().map(|t| (t.speaker, t.start_ms, t.end_ms, t.text)).collect();
            prop_assert_eq!(&got, &expected);
        }
    }
}

#[test]
fn polis_folder_from_random_files_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    });
    runner
        .run(&(proptest::collection::vec(any::<u8>(), 0..512), proptest::collection::vec(any::<u8>(), 0..512)), |(a, b)| {
            std::fs::write(dir.path().join("comments.csv"), [b"timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n".as_slice(), &a].concat()).unwrap();
            std::fs::write(dir.path().join("votes.csv"), &b).unwrap();
            std::fs::write(dir.path().join("summary.csv"), &a).unwrap();
            let _ = polis::read_folder(dir.path(), "p", MAX);
            Ok(())
        })
        .unwrap();
}
