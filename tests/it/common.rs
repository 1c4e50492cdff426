//! Helpers: running the binary in a temporary workspace, reading the frames it wrote, and
//! finding the shared data (tests that need it skip, saying so, when it is absent).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use chorus_core::model::{Table, Workspace};
use chorus_core::store::read_table;
use polars::prelude::DataFrame;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo() -> PathBuf {
    root().join("data/demo")
}

pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// `../shared/data`, or `None` (with a message) when this checkout has no shared data beside it.
pub fn shared_data() -> Option<PathBuf> {
    let p = root().join("../shared/data");
    if p.join("polis").is_dir() && p.join("ami").is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; this test needs the shared corpora",
            p.display()
        );
        None
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `chorus ARGS` with `--workspace ws` (from the repository root).
pub fn chorus(ws: &Path, args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chorus"));
    cmd.arg("--workspace").arg(ws).args(args);
    exec(cmd)
}

/// Runs `chorus ARGS` from the folder `dir`, its workspace found from there (`chorus.toml`).
pub fn chorus_in(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chorus"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("CHORUS_WORKSPACE");
    exec(cmd)
}

fn exec(mut cmd: std::process::Command) -> Run {
    let out: Output = cmd
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .output()
        .expect("the chorus binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn frame(ws: &Path, table: Table) -> DataFrame {
    read_table(&Workspace::new(ws), table).expect("the frame reads back")
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temp dir")
}

/// `chorus ARGS` on `ws`, which must succeed.
pub fn ok(ws: &Path, args: &[&str]) -> Run {
    let run = chorus(ws, args);
    assert!(run.code == 0, "chorus {args:?} failed:\n{}", run.stderr);
    run
}

/// The whole demo ingested and embedded once per test run (the first test to ask builds it,
/// the others wait), in the cargo target's temp folder: every test copies it instead of
/// embedding the demo again.
pub fn embedded_demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        let ws = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("demo-workspace-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&ws);
        ok(&ws, &["ingest", demo().to_str().unwrap()]);
        ok(&ws, &["embed"]);
        ws
    })
}

/// Copies a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("the folder walks");
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The demo's `events` (all of `data/demo` when empty) in `ws`: the whole demo is a copy of
/// [`embedded_demo`]; some of its events are ingested anew, and their vectors come from its
/// cache (so `chorus embed` there embeds nothing).
pub fn demo_workspace(ws: &Path, events: &[&str]) {
    let shared = embedded_demo();
    if events.is_empty() {
        copy_tree(shared, ws);
        return;
    }
    for e in events {
        assert!(chorus(ws, &["ingest", demo().join(e).to_str().unwrap()]).code <= 1);
    }
    copy_tree(&shared.join("vectors"), &ws.join("vectors"));
}

/// The demo's `events` (all of `data/demo` when empty) in `ws` (see [`demo_workspace`]), then
/// `stages` run (`report` writes to `ws/report`, which is returned).
pub fn demo_pipeline(ws: &Path, events: &[&str], stages: &[&str]) -> PathBuf {
    demo_workspace(ws, events);
    let report = ws.join("report");
    for stage in stages {
        match *stage {
            "report" => ok(ws, &["report", "--out", report.to_str().unwrap()]),
            s => ok(ws, &[s]),
        };
    }
    report
}
