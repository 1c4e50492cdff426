//! `ingest/shared-data/*`: the whole ingest stage (parse, clean, redact, detect languages, flag
//! duplicates, write parquet) over all of `../shared/data` (17 Pol.is conversations and 24 AMI
//! meetings), into a fresh workspace each iteration. Throughput is in units; MB/s follow from the
//! input size printed once before timing.
//!
//! Run: `bash .ci/bench ingest` (figures go to BENCHMARKS.md).

use std::path::PathBuf;
use std::time::Duration;

use chorus_core::model::Workspace;
use chorus_ingest::IngestConfig;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn input_bytes(dir: &std::path::Path) -> u64 {
    let mut n = 0;
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        let p = e.path();
        if p.is_file()
            && p.extension().is_some_and(|x| x == "csv")
            && !p.components().any(|c| c.as_os_str() == "original")
        {
            n += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if !shared.is_dir() {
        eprintln!(
            "SKIPPED: {} is absent; the ingest bench needs the shared corpora",
            shared.display()
        );
        return;
    }
    let cfg = IngestConfig {
        paths: vec![shared.clone()],
        ..Default::default()
    };
    // the answer, once, so a wrong result cannot post a fast time
    let tmp = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let report = chorus_ingest::run(&cfg, &Workspace::new(tmp.path())).unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(report.events.len(), 41);
    let units = report.units();
    let bytes = input_bytes(&shared);
    eprintln!("ingest/shared-data: {} events, {units} units, {:.1} MB of CSV; one cold run {secs:.2} s ({:.0} units/s)", report.events.len(), bytes as f64 / 1e6, units as f64 / secs);

    let mut g = c.benchmark_group("ingest/shared-data");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(40))
        .warm_up_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(units as u64));
    g.bench_function("full", |b| {
        b.iter_with_large_drop(|| {
            let tmp = tempfile::tempdir().unwrap();
            let r = chorus_ingest::run(&cfg, &Workspace::new(tmp.path())).unwrap();
            (r.units(), tmp)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
