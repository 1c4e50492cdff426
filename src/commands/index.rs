//! `chorus index`: the tantivy theme index, updated event by event.

use std::process::ExitCode;

use chorus_index::IndexConfig;

use super::Ctx;
use crate::cli::IndexArgs;
use crate::stdout::{self, outln};

pub fn run(ctx: &Ctx, args: &IndexArgs) -> anyhow::Result<ExitCode> {
    let _lock = ctx.lock()?;
    let cfg = IndexConfig {
        progress: ctx.progress(),
        commit_every: args.commit_every.max(1),
        ..Default::default()
    };
    let report = chorus_index::run(&ctx.project.workspace, &cfg)?;
    if ctx.cli.json {
        stdout::json(&report)?;
    } else {
        outln!(
            "indexed {} units of {} events in {:.2} s ({} unchanged, {} removed); {} documents in {}",
            report.units_indexed,
            report.events_indexed.len(),
            report.seconds,
            report.events_unchanged,
            report.events_removed.len(),
            report.documents,
            report.index.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
