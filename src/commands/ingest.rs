//! `chorus ingest`: event folders, files and exports into the corpus frames.

use std::process::ExitCode;

use chorus_core::model::Table;
use chorus_ingest::problem::Problem;

use super::Ctx;
use crate::cli::IngestArgs;
use crate::output;
use crate::stdout::{self, out, outln};

/// How many data problems are printed before "... and N more".
const SHOWN_PROBLEMS: usize = 20;

pub fn run(ctx: &Ctx, args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let cfg = ctx.project.ingest_config(args, ctx.progress())?;
    let _lock = ctx.lock()?;
    let ws = &ctx.project.workspace;
    let report = chorus_ingest::run(&cfg, ws)?;
    print_problems(ctx, &report.problems);
    if ctx.cli.json {
        stdout::json(&output::ingest_json(&report))?;
    } else {
        out!("{}", output::ingest_table(&report));
        if report.written {
            outln!("\ncorpus:  {}", ws.root().join("corpus").display());
        } else {
            outln!(
                "\nnothing written: --strict and rows were rejected (the workspace is as it was)"
            );
        }
        if report.rejected() > 0 && report.written {
            outln!(
                "rejects: {} ({} rows kept aside)",
                ws.table_dir(Table::Rejects).display(),
                report.rejected()
            );
        }
    }
    let usable = report.events.iter().any(|e| e.units > 0 || e.answers > 0);
    Ok(if !usable || (args.strict && report.rejected() > 0) {
        if !usable {
            eprintln!("error: nothing usable was read (no units, no answers)");
        }
        ExitCode::from(2)
    } else if report.rejected() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_problems(ctx: &Ctx, problems: &[Problem]) {
    if ctx.cli.quiet {
        return;
    }
    let limit = if ctx.cli.verbose > 0 {
        usize::MAX
    } else {
        SHOWN_PROBLEMS
    };
    for p in problems.iter().take(limit) {
        eprintln!("{p}");
    }
    if problems.len() > limit {
        eprintln!(
            "... and {} more (all of them: -v, or --json)",
            problems.len() - limit
        );
    }
}
