//! `themes/*`: the themes stage at scale. All of `../shared/data` is ingested and embedded once
//! (vectors cached under the cargo target dir, so reruns do not embed again); the seeded
//! generator then makes `CHORUS_BENCH_UNITS` units (default 1,000,000) whose texts recombine
//! two shared units and whose vectors are theirs blended (0.7 / 0.3) with Gaussian noise; the
//! whole `chorus themes` stage (clustering, assignment, labels with the model, quotes,
//! parquet) runs once on them, timed, with the process's peak memory.
//!
//! Run: `bash .ci/bench themes` (figures go to BENCHMARKS.md). A single timed run: one
//! iteration takes minutes, so criterion's ten samples would take an hour.

mod common;

use std::time::Instant;

use chorus_core::model::Workspace;
use chorus_core::vectors::cache::{self, Cache};
use chorus_core::vectors::{self, VectorsInfo};
use chorus_embed::EmbedConfig;
use chorus_themes::ThemesConfig;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    // the stage's own timings with RUST_LOG=chorus=debug
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let Some(shared) = common::shared_data() else {
        return;
    };
    let cache_root = std::path::PathBuf::from(
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()),
    )
    .join("chorus-bench");
    let base = Workspace::new(cache_root.join("shared"));
    if !base.root().join("vectors/current.json").is_file() {
        common::ingest_shared(&base, &shared);
        let t = Instant::now();
        let r = chorus_embed::run(&base, &EmbedConfig::default()).expect("the shared data embeds");
        eprintln!(
            "themes/setup: embedded {} texts in {:.0} s ({:.0}/s)",
            r.embedded,
            t.elapsed().as_secs_f64(),
            r.per_second
        );
    }
    let src = vectors::load(&base).expect("the shared vectors load");
    let n: usize = std::env::var("CHORUS_BENCH_UNITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir_in(&cache_root).unwrap();
    let big = Workspace::new(dir.path());
    let t = Instant::now();
    let made = common::synthesize(&base, &big, n, 200, 7);
    let mut rng = common::Rng::new(11);
    let dim = src.dim;
    let mut cache = Cache::open(&vectors::cache_path(&big, &src.info.model_id), dim).unwrap();
    for chunk in made.chunks(50_000) {
        let items: Vec<([u8; 16], Vec<f32>)> = chunk
            .iter()
            .map(|(h, a, b)| {
                let mut v: Vec<f32> = src
                    .row(*a)
                    .iter()
                    .zip(src.row(*b))
                    .map(|(x, y)| 0.7 * x + 0.3 * y)
                    .collect();
                for x in v.iter_mut() {
                    // Box-Muller noise, sd 0.02 per dimension
                    let (u1, u2) = (rng.unit(), rng.unit());
                    *x += 0.02
                        * ((-2.0 * u1.max(1e-12).ln()).sqrt() * (std::f64::consts::TAU * u2).cos())
                            as f32;
                }
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.iter_mut().for_each(|x| *x /= norm);
                (cache::key_of(h), v)
            })
            .collect();
        cache.append(&items).unwrap();
    }
    drop(cache);
    let info = VectorsInfo {
        model_dir: src.info.model_dir.clone(),
        model_id: src.info.model_id.clone(),
        dim,
    };
    std::fs::write(
        big.vectors_dir().join("current.json"),
        serde_json::to_string(&info).unwrap(),
    )
    .unwrap();
    drop(src);
    eprintln!(
        "themes/{n}: generated units and vectors in {:.0} s",
        t.elapsed().as_secs_f64()
    );

    let before = peak_rss_mb();
    let t = Instant::now();
    let r = chorus_themes::run(&big, &ThemesConfig::default(), &|dir: Option<
        &std::path::Path,
    >| {
        Ok(chorus_embed::load_embedder(dir, 1, 2)?)
    })
    .expect("themes run");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(r.units, n);
    assert!(r.themes >= 4);
    eprintln!(
        "themes/{n}: {} themes, {} subthemes, unassigned {:.1}%, in {secs:.1} s; peak memory {:.0} MB (generator before the stage: {before:.0} MB)",
        r.themes,
        r.subthemes,
        100.0 * r.unassigned_share,
        peak_rss_mb()
    );
}
