//! `chorus init`: a commented `chorus.toml` to start a project from.

use std::process::ExitCode;

use super::Ctx;
use crate::cli::InitArgs;
use crate::stdout::outln;
use crate::workbench;

pub fn run(ctx: &Ctx, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let path = workbench::init(&args.dir)?;
    if ctx.cli.json {
        outln!("{}", serde_json::json!({ "config": path }));
    } else {
        outln!("wrote {}", path.display());
        outln!(
            "next: put event folders under {}/events (or edit `inputs`), then `chorus run`",
            args.dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
