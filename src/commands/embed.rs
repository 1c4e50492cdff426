//! `chorus embed`: sentence vectors for every unit, cached by (model, text).

use std::process::ExitCode;

use chorus_embed::EmbedConfig;

use super::Ctx;
use crate::cli::EmbedArgs;
use crate::stdout::{self, outln};

pub fn run(ctx: &Ctx, args: &EmbedArgs) -> anyhow::Result<ExitCode> {
    let _lock = ctx.lock()?;
    let cfg = EmbedConfig {
        model: ctx.project.embed_model(args.model.as_deref()),
        threads: args.threads,
        batch: args.batch,
        progress: ctx.progress(),
    };
    let r = chorus_embed::run(&ctx.project.workspace, &cfg)?;
    if ctx.cli.json {
        stdout::json(&r)?;
    } else {
        outln!(
            "embedded {} new texts ({} cached) of {} units in {:.1} s ({:.0} texts/s) with the {} model: {} (id {}, {})",
            r.embedded,
            r.cached,
            r.units,
            r.seconds,
            r.per_second,
            r.model,
            r.model_reason,
            r.model_id,
            r.model_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
