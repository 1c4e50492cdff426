//! `chorus run`: each stale stage in order, as its own command (same output, same exit codes).

use std::process::{Command, ExitCode, Stdio};

use super::Ctx;
use crate::error::Usage;
use crate::stdout;
use crate::workbench::{self, State};

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let (cli, project) = (ctx.cli, ctx.project);
    if project.config_file.is_none() {
        return Err(Usage::new(format!(
            "no chorus.toml in `{}` or its parents: `chorus run` runs the stages over the inputs it names",
            project.root.display()
        ))
        .hint("`chorus init` writes one; or run the stages yourself (`chorus ingest PATH...`)")
        .into());
    }
    let exe = std::env::current_exe()?;
    let talk = !cli.quiet && !cli.json;
    let mut summary = Vec::new();
    let mut code = 0;
    for stage in workbench::STAGES {
        // recomputed after each stage: what it wrote is what the next one reads
        let Some(st) = workbench::status(project)
            .into_iter()
            .find(|s| s.stage == stage)
        else {
            continue;
        };
        let action = match st.state {
            State::NotConfigured => "nothing to ingest: chorus.toml names no inputs",
            State::Fresh => "up to date",
            State::Stale | State::NeverRun => "ran",
        };
        if action != "ran" {
            if talk {
                eprintln!("== {stage}: {action}");
            }
            summary.push(serde_json::json!({ "stage": stage, "action": action }));
            continue;
        }
        if talk {
            eprintln!("== {stage}");
        }
        let mut cmd = Command::new(&exe);
        cmd.arg("--workspace").arg(project.workspace.root());
        if cli.quiet || cli.json {
            cmd.arg("-q");
            cmd.stdout(Stdio::null());
        }
        for _ in 0..cli.verbose {
            cmd.arg("-v");
        }
        cmd.arg(stage);
        if stage == "report" {
            cmd.arg("--out").arg(workbench::report_dir(project));
        }
        let exit = cmd.status()?.code().unwrap_or(2);
        summary.push(serde_json::json!({ "stage": stage, "action": action, "exit": exit }));
        if exit >= 2 {
            code = 2;
            if !cli.json {
                eprintln!("error: `chorus {stage}` failed; the later stages were not run");
            }
            break;
        }
        code = code.max(exit);
        workbench::mark_ran(project, stage, &st.fingerprint)?;
    }
    if cli.json {
        stdout::json(&summary)?;
    }
    Ok(ExitCode::from(code as u8))
}
