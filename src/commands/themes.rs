//! `chorus themes`: themes, subthemes, labels, keywords and quotes.

use std::path::Path;
use std::process::ExitCode;

use chorus_core::vectors::EmbedFailure;

use super::Ctx;
use crate::cli::ThemesArgs;
use crate::output;
use crate::stdout::{self, out};

pub fn run(ctx: &Ctx, args: &ThemesArgs) -> anyhow::Result<ExitCode> {
    let _lock = ctx.lock()?;
    let cfg = ctx.project.themes_config(args);
    // themes are deterministic whatever the thread count
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads.max(1))
        .build_global();
    let threads = cfg.threads;
    let load = |dir: Option<&Path>| {
        chorus_embed::load_embedder(dir, 1, threads).map_err(EmbedFailure::new)
    };
    let r = chorus_themes::run(&ctx.project.workspace, &cfg, &load)?;
    if ctx.cli.json {
        stdout::json(&r)?;
    } else {
        out!("{}", output::themes_text(&r));
    }
    Ok(ExitCode::SUCCESS)
}
