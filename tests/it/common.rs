//! Helpers: running the binary in a temporary workspace, reading the frames it wrote, and
//! finding the shared data (tests that need it skip, saying so, when it is absent).

use std::path::{Path, PathBuf};
use std::process::Output;

use chorus::ingest::frames::read_table;
use chorus::model::{Table, Workspace};
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

/// The demo's `events` (all of `data/demo` when empty) ingested into `ws`, then `stages` run
/// (`report` writes to `ws/report`, which is returned).
pub fn demo_pipeline(ws: &Path, events: &[&str], stages: &[&str]) -> PathBuf {
    let inputs: Vec<PathBuf> = if events.is_empty() {
        vec![demo()]
    } else {
        events.iter().map(|e| demo().join(e)).collect()
    };
    for input in inputs {
        ok(ws, &["ingest", input.to_str().unwrap()]);
    }
    let report = ws.join("report");
    for stage in stages {
        match *stage {
            "report" => ok(ws, &["report", "--out", report.to_str().unwrap()]),
            s => ok(ws, &[s]),
        };
    }
    report
}
