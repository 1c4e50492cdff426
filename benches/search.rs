//! `search/*`: indexing throughput and query latency of the theme index, on all of
//! `../shared/data` and on 1,000,000 units made by the seeded generator in `common/`.
//!
//! - `search/index/shared-data`: a full index build of the shared corpus (units/s);
//! - `search/query/shared-data` and `search/query/1M`: one three-term query with one facet
//!   filter, cycling through a fixed list; p50/p99 over every query of the list are printed too;
//! - the 1M index is built once (its time is printed: units/s), not in a criterion loop.
//!
//! Run: `bash .ci/bench search` (figures go to BENCHMARKS.md).

mod common;

use std::time::{Duration, Instant};

use chorus_core::model::{Facet, Workspace};
use chorus_index::search::{search, SearchRequest};
use chorus_index::IndexConfig;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const QUERIES: &[(&str, &str, &str)] = &[
    ("minimum wage workers", "event", "15-per-hour-seattle"),
    ("public transport buses", "country", "-"),
    ("housing rent prices", "lang", "en"),
    ("remote control design", "lang", "en"),
    ("water quality rivers", "lang", "en"),
    ("tax income wealth", "lang", "en"),
    ("climate energy solar", "lang", "de"),
    ("Energie Klima Strom", "lang", "de"),
    ("young people police", "lang", "en"),
    ("button battery case", "lang", "en"),
    ("women vote march", "lang", "en"),
    ("basic income work", "lang", "en"),
];

fn requests(events_have_seattle: bool) -> Vec<SearchRequest> {
    QUERIES
        .iter()
        .map(|(q, facet, value)| {
            let (facet, value) = match (*facet, *value) {
                ("event", v) if events_have_seattle => ("event", v.to_string()),
                ("event", _) | ("country", _) => ("lang", "en".to_string()),
                (f, v) => (f, v.to_string()),
            };
            SearchRequest {
                query: q.to_string(),
                filters: vec![(Facet::parse(facet).expect("a facet"), vec![value])],
                limit: 10,
                ..Default::default()
            }
        })
        .collect()
}

/// Runs every request `rounds` times; returns (p50, p99) in milliseconds.
fn percentiles(ws: &Workspace, reqs: &[SearchRequest], rounds: usize) -> (f64, f64) {
    let (idx, fields) = chorus_index::open(ws).unwrap();
    let mut times = Vec::new();
    for _ in 0..rounds {
        for r in reqs {
            let t = Instant::now();
            let resp = search(&idx, &fields, r, None).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(resp);
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.99))
}

fn bench(c: &mut Criterion) {
    let Some(shared) = common::shared_data() else {
        return;
    };
    let base = tempfile::tempdir().unwrap();
    let ws = Workspace::new(base.path().join("shared"));
    let units = common::ingest_shared(&ws, &shared);

    let mut g = c.benchmark_group("search");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(units as u64));
    g.bench_function("index/shared-data", |b| {
        b.iter(|| {
            let _ = std::fs::remove_dir_all(ws.index_dir());
            let r = chorus_index::run(&ws, &IndexConfig::default()).unwrap();
            assert_eq!(r.documents as usize, units);
            r.documents
        })
    });
    let reqs = requests(true);
    let (idx, fields) = chorus_index::open(&ws).unwrap();
    // the answer, once: the minimum-wage query finds the Seattle conversation
    assert!(search(&idx, &fields, &reqs[0], None).unwrap().total > 0);
    let (p50, p99) = percentiles(&ws, &reqs, 20);
    eprintln!(
        "search/query/shared-data: {} units, p50 {p50:.2} ms, p99 {p99:.2} ms over {} queries",
        units,
        20 * reqs.len()
    );
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("query/shared-data", |b| {
        b.iter(|| {
            i += 1;
            search(&idx, &fields, &reqs[i % reqs.len()], None)
                .unwrap()
                .total
        })
    });

    let n: usize = std::env::var("CHORUS_BENCH_UNITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let big = Workspace::new(base.path().join("big"));
    let t = Instant::now();
    common::synthesize(&ws, &big, n, 200, 42);
    eprintln!(
        "search/1M: generated {n} units in 200 events in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let r = chorus_index::run(&big, &IndexConfig::default()).unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(r.documents as usize, n);
    eprintln!(
        "search/index/1M: {n} units in {secs:.1} s = {:.0} units/s",
        n as f64 / secs
    );
    let reqs = requests(false);
    let (idx, fields) = chorus_index::open(&big).unwrap();
    let (p50, p99) = percentiles(&big, &reqs, 20);
    eprintln!(
        "search/query/1M: p50 {p50:.2} ms, p99 {p99:.2} ms over {} queries",
        20 * reqs.len()
    );
    let mut i = 0;
    g.bench_function("query/1M", |b| {
        b.iter(|| {
            i += 1;
            search(&idx, &fields, &reqs[i % reqs.len()], None)
                .unwrap()
                .total
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
