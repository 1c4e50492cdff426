//! `chorus eval`: the themes against a gold labelling, coherence, diversity, stability.

use std::process::ExitCode;

use chorus_themes::eval::Gold;

use super::Ctx;
use crate::cli::EvalArgs;
use crate::error::Usage;
use crate::output;
use crate::stdout::{self, out};

pub fn run(ctx: &Ctx, args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let gold = args.gold.as_deref().map(parse_gold).transpose()?;
    let r = chorus_themes::eval::run(&ctx.project.workspace, gold.as_ref(), args.other_seed)?;
    if ctx.cli.json {
        stdout::json(&r)?;
    } else {
        out!("{}", output::eval_text(&r));
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_gold(g: &str) -> Result<Gold, Usage> {
    match g {
        "event" => Ok(Gold::Event),
        g if g.ends_with(".csv") => Ok(Gold::Csv(g.into())),
        g => match g.strip_prefix("ami-topics:") {
            Some(dir) => Ok(Gold::AmiTopics(dir.into())),
            None => Err(Usage::new(format!(
                "unknown gold labelling `{g}`: expected `event`, `ami-topics:DIR` or a CSV file \
                 (`event,line,label` or `unit_id,label`)"
            ))),
        },
    }
}
