//! Snapshots of whole CLI runs (exit code, stdout, stderr) for the main commands, as a user
//! sees them, with the workspace's path, pseudonyms and timings redacted. Update them with
//! `INSTA_UPDATE=always cargo test --release --test it cli` and review the diff.

use std::path::Path;

use crate::common::*;

/// A run as text: exit code, stdout and stderr, with what varies between runs redacted.
fn shown(ws: &Path, run: &Run) -> String {
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    );
    let text = text
        .replace(ws.to_str().unwrap(), "[WS]")
        .replace(root().to_str().unwrap(), "[REPO]");
    let seconds = regex::Regex::new(r"\d+\.\d+ s\b").unwrap();
    let pseudonyms = regex::Regex::new(r"p-[0-9a-f]{10}").unwrap();
    let text = seconds.replace_all(&text, "[T] s");
    pseudonyms.replace_all(&text, "p-[ID]").into_owned()
}

fn fixture(name: &str) -> String {
    fixtures().join(name).to_str().unwrap().to_string()
}

#[test]
fn ingest_a_messy_event() {
    let ws = tempdir();
    let run = chorus(ws.path(), &["ingest", &fixture("messy-event")]);
    insta::assert_snapshot!("ingest_messy_event", shown(ws.path(), &run));
}

#[test]
fn ingest_nothing_and_a_missing_path() {
    let ws = tempdir();
    let run = chorus(ws.path(), &["ingest", "no/such/folder"]);
    insta::assert_snapshot!("ingest_missing_path", shown(ws.path(), &run));
}

#[test]
fn stages_before_their_inputs_say_what_to_run() {
    let ws = tempdir();
    // inside the workspace's folder: `out` would be wherever the tests run from
    let out = ws.path().join("out").display().to_string();
    let mut all = String::new();
    for args in [
        &["embed"][..],
        &["themes"],
        &["index"],
        &["search", "anything"],
        &["report", "--out", &out],
    ] {
        let run = chorus(ws.path(), args);
        all.push_str(&format!(
            "$ chorus {}\n{}\n",
            args.join(" ")
                .replace(&ws.path().display().to_string(), "[WS]"),
            shown(ws.path(), &run)
        ));
    }
    insta::assert_snapshot!("stages_out_of_order", all);
}

#[test]
fn search_mistakes_exit_2_with_a_hint() {
    let ws = tempdir();
    ok(ws.path(), &["ingest", &fixture("clean-event")]);
    ok(ws.path(), &["index"]);
    let mut all = String::new();
    for args in [
        &["search", ""][..],
        &["search", "\"unclosed"],
        &["search", "*", "--country", "Atlantis"],
        &["search", "*", "--from", "yesterday"],
        &["search", "*", "--limit", "0"],
    ] {
        let run = chorus(ws.path(), args);
        assert_eq!(run.code, 2, "{args:?}");
        all.push_str(&format!(
            "$ chorus {}\n{}\n",
            args.join(" "),
            shown(ws.path(), &run)
        ));
    }
    insta::assert_snapshot!("search_mistakes", all);
}

#[test]
fn eval_with_an_unknown_gold_labelling() {
    let ws = tempdir();
    let run = chorus(ws.path(), &["eval", "--gold", "nonsense"]);
    insta::assert_snapshot!("eval_unknown_gold", shown(ws.path(), &run));
}

#[test]
fn init_twice_refuses_to_overwrite() {
    let tmp = tempdir();
    let first = chorus_in(tmp.path(), &["init", "project"]);
    let second = chorus_in(tmp.path(), &["init", "project"]);
    let both = format!(
        "{}\n{}",
        shown(tmp.path(), &first),
        shown(tmp.path(), &second)
    );
    insta::assert_snapshot!("init_twice", both);
    // a commented codebook beside it, which changes nothing until edited
    let codebook = tmp.path().join("project/.chorus/themes/codebook.toml");
    let text = std::fs::read_to_string(&codebook).unwrap();
    assert!(
        text.contains("# [[theme]]") && text.contains("# [[seed]]"),
        "{text}"
    );
    assert!(text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')));
}

#[test]
fn serving_beyond_loopback_needs_saying_so() {
    let ws = tempdir();
    let run = chorus(ws.path(), &["serve", "--addr", "0.0.0.0:0"]);
    insta::assert_snapshot!("serve_beyond_loopback", shown(ws.path(), &run));
}

#[test]
fn dates_that_are_not_days_exit_2() {
    let ws = tempdir();
    ok(ws.path(), &["ingest", &fixture("clean-event")]);
    ok(ws.path(), &["index"]);
    for date in ["2020-13-45", "2023-02-29"] {
        let run = chorus(ws.path(), &["search", "*", "--from", date]);
        assert_eq!(run.code, 2, "{date}: {}", run.stderr);
        assert!(run.stderr.contains("is not a date"), "{}", run.stderr);
    }
}

/// While another process writes the workspace, a second writer stops at once with a clear
/// message and touches nothing.
#[test]
fn a_second_writer_stops_with_a_clear_message() {
    let ws = tempdir();
    ok(ws.path(), &["ingest", &fixture("clean-event")]);
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(ws.path().join("lock"))
        .unwrap();
    lock.lock().unwrap();
    let before = frame(ws.path(), chorus_core::model::Table::Units).height();
    for args in [&["ingest", &fixture("messy-event")][..], &["index"]] {
        let run = chorus(ws.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("another chorus process")
                && run.stderr.contains("hint: wait for it to finish"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(
        frame(ws.path(), chorus_core::model::Table::Units).height(),
        before
    );
    drop(lock);
    ok(ws.path(), &["index"]);
}

/// A reader that stops early (`chorus search ... | head -1`) ends the run quietly: exit 0, no
/// panic, nothing on stderr.
#[test]
fn a_closed_stdout_ends_quietly() {
    let ws = tempdir();
    ok(ws.path(), &["ingest", &fixture("clean-event")]);
    ok(ws.path(), &["index"]);
    for args in [
        &["search", "*", "--limit", "50"][..],
        &["completions", "bash"],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chorus"))
            .arg("--workspace")
            .arg(ws.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // the reader goes away before reading anything
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// `chorus ingest .` in an event folder names the event after the folder, not `unnamed`; a
/// UTF-16 export with its byte-order mark is read as text.
#[test]
fn ingest_dot_names_the_folder_and_utf16_is_text() {
    let root = tempdir();
    let event = root.path().join("bristol-town-hall");
    std::fs::create_dir_all(&event).unwrap();
    let from = demo().join("bristol-council");
    std::fs::copy(from.join("event.toml"), event.join("event.toml")).unwrap();
    let survey = std::fs::read_to_string(from.join("survey.csv")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(survey.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(event.join("survey.csv"), utf16).unwrap();
    let ws = root.path().join("ws");
    let run = chorus_in(
        &event,
        &["--workspace", ws.to_str().unwrap(), "--json", "ingest", "."],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events = crate::common::frame(&ws, chorus_core::model::Table::Events);
    let ids = chorus_core::store::str_column(&events, chorus_core::model::col::EVENT_ID).unwrap();
    assert_eq!(ids, vec![Some("bristol-town-hall".to_string())]);
    let units = crate::common::frame(&ws, chorus_core::model::Table::Units);
    assert!(units.height() > 5, "the UTF-16 survey's answers are read");
}

/// `--strict` is all or nothing; a re-read that finds nothing keeps the last good data; a CSV
/// cut inside its last quoted field loses that row, said so, not silently.
#[test]
fn strict_writes_nothing_and_a_bad_reread_keeps_the_good_data() {
    let root = tempdir();
    let event = root.path().join("town");
    std::fs::create_dir_all(&event).unwrap();
    let survey = event.join("survey.csv");
    std::fs::write(
        &survey,
        "id,answer\n1,\"Keep the late buses\"\n2,\"Fewer forms for ever",
    )
    .unwrap();
    let ws = root.path().join("ws");
    let strict = chorus(&ws, &["ingest", "--strict", event.to_str().unwrap()]);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
    assert!(strict.stderr.contains("cut short"), "{}", strict.stderr);
    assert!(!ws.join("corpus/units").exists(), "--strict wrote nothing");

    let run = chorus(&ws, &["ingest", event.to_str().unwrap()]);
    assert_eq!(run.code, 1, "a rejected row: exit 1\n{}", run.stderr);
    let units = crate::common::frame(&ws, chorus_core::model::Table::Units);
    assert_eq!(
        units.height(),
        1,
        "the whole row goes through, the cut one is kept aside"
    );

    // the file empties: the event's last good data stays
    std::fs::write(&survey, "").unwrap();
    let again = chorus(&ws, &["ingest", event.to_str().unwrap()]);
    assert!(
        again
            .stderr
            .contains("data from the last good read is kept"),
        "{}",
        again.stderr
    );
    let units = crate::common::frame(&ws, chorus_core::model::Table::Units);
    assert_eq!(units.height(), 1);
}

/// A Pol.is export missing its comments is an error naming the file (not a folder of surveys);
/// a symbolic link back up the tree is followed once.
#[test]
fn polis_without_comments_and_symlink_loops() {
    let Some(shared) = shared_data() else { return };
    let root = tempdir();
    let polis = root.path().join("polis");
    std::fs::create_dir_all(&polis).unwrap();
    for f in ["summary.csv", "votes.csv"] {
        std::fs::copy(shared.join("polis/brexit-consensus").join(f), polis.join(f)).unwrap();
    }
    let run = chorus(
        &root.path().join("ws1"),
        &["ingest", polis.to_str().unwrap()],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("comments.csv"), "{}", run.stderr);

    let tree = root.path().join("tree/a");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::copy(
        demo().join("bristol-council/survey.csv"),
        tree.join("survey.csv"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", tree.join("up")).unwrap();
    let run = chorus(
        &root.path().join("ws2"),
        &[
            "--json",
            "ingest",
            root.path().join("tree").to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["totals"]["events"], 1, "{}", run.stdout);
    assert!(!run.stderr.contains("already read"), "{}", run.stderr);
}

/// An index left half-built by an interrupted `chorus index` is said so by `status` and by
/// `search` (which answers from what the last commit holds); running `chorus index` again
/// finishes it.
#[test]
fn a_half_built_index_says_so() {
    let ws = tempdir();
    ok(ws.path(), &["ingest", &fixture("clean-event")]);
    ok(ws.path(), &["index"]);
    // what a run killed half-way leaves: its marker
    std::fs::write(ws.path().join("index/building"), "").unwrap();
    let status = ok(ws.path(), &["status"]);
    assert!(status.stdout.contains("half-built"), "{}", status.stdout);
    let search = ok(ws.path(), &["search", "*"]);
    assert!(search.stderr.contains("half-built"), "{}", search.stderr);
    ok(ws.path(), &["index"]);
    let search = ok(ws.path(), &["search", "*"]);
    assert!(!search.stderr.contains("half-built"), "{}", search.stderr);
}

/// Two loose files with one name never collide, in one run or across runs: the later takes its
/// folder's name too, and says so.
#[test]
fn loose_files_with_one_name_both_go_through() {
    let root = tempdir();
    for town in ["bristol", "leeds"] {
        let dir = root.path().join(town);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            demo().join("bristol-council/survey.csv"),
            dir.join("survey.csv"),
        )
        .unwrap();
    }
    let ws = root.path().join("ws");
    let both = root.path().join("bristol");
    let run = chorus(
        &ws,
        &[
            "--json",
            "ingest",
            both.to_str().unwrap(),
            root.path().join("leeds").to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["totals"]["events"], 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("this one is event `leeds-survey`"),
        "{}",
        run.stderr
    );
    // a third survey.csv in a later run joins them, it does not replace the first
    let york = root.path().join("york");
    std::fs::create_dir_all(&york).unwrap();
    std::fs::copy(
        demo().join("ottawa-health/survey.csv"),
        york.join("survey.csv"),
    )
    .unwrap();
    let run = chorus(&ws, &["ingest", york.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events = crate::common::frame(&ws, chorus_core::model::Table::Events);
    assert_eq!(events.height(), 3);
    // reading the first again replaces only itself
    let run = chorus(&ws, &["ingest", both.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("this one is event"), "{}", run.stderr);
    assert_eq!(
        crate::common::frame(&ws, chorus_core::model::Table::Events).height(),
        3
    );
}
