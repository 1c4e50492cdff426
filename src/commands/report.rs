//! `chorus report`: the synthesis as files (HTML, Markdown, JSON, charts, tables).

use std::process::ExitCode;

use chorus_insights::InsightsConfig;

use super::Ctx;
use crate::cli::ReportArgs;
use crate::stdout::{self, outln};

pub fn run(ctx: &Ctx, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let r = chorus_report::run(
        &ctx.project.workspace,
        &args.out,
        &InsightsConfig { k: args.k },
    )?;
    if ctx.cli.json {
        stdout::json(&r)?;
    } else {
        for f in &r.files {
            outln!("{}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
