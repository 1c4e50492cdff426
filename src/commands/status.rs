//! `chorus status`: what the workspace holds, and which stages are stale.

use std::process::ExitCode;

use super::Ctx;
use crate::output;
use crate::stdout::{self, out};
use crate::workbench;

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let contents = workbench::contents(ctx.project);
    let stages = workbench::status(ctx.project);
    if ctx.cli.json {
        stdout::json(&serde_json::json!({ "contents": contents, "stages": stages }))?;
    } else {
        out!("{}", output::status_text(&contents, &stages));
    }
    Ok(ExitCode::SUCCESS)
}
